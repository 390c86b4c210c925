// NVIDIA NIM Operator `NIMService` (apps.nvidia.com): the NIM container's `resources`,
// `replicas`, the HPA the operator creates from `scale.hpa` (bounds and metrics), and Knative
// scale annotations in `spec.annotations` when it runs on KServe. `multiNode.gpusPerPod`,
// `multiNode.size` and `multiNode.parallelism` (tensor, pipeline) are bound to the GPU count
// (see src/gitops/coupling.ts).

import type { Context } from '../../model.ts';
import type { YAMLMap } from '../../yaml.ts';
import { boundsAt, child, countAt, descend, resourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';
import { knativeScaleAt } from '../knative/index.ts';

export const nimService: WorkloadKindFormat = {
  format: 'nim',
  matches: (apiVersion, kind) => apiVersion.startsWith('apps.nvidia.com/') && kind === 'NIMService',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    // The operator runs a Deployment named after the NIMService (a LeaderWorkerSet `<name>-lws`
    // with multiNode), its container `<name>-ctr`.
    const name = ctx.workload?.name;
    const nctx: Context = { ...spec.ctx, match: { ...spec.ctx.match, kind: undefined, names: [...spec.ctx.match.names, ...(name ? [`${name}-lws`] : [])] } };
    countAt(nctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    resourcesAt({ ...nctx, ...(name ? { container: `${name}-ctr` } : {}) }, spec.node, 'resources', ['spec'], w);
    const hpa = descend(spec.ctx, spec.node, ['scale', 'hpa'], w);
    if (hpa) boundsAt({ ...hpa.ctx, match: nctx.match }, hpa.node, ['spec', 'scale', 'hpa'], w);
    knativeScaleAt(nctx, spec.node, ['spec'], w);
  },
};
