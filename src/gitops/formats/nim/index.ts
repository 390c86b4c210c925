// NVIDIA NIM Operator `NIMService` (apps.nvidia.com): the NIM container's `resources`,
// `replicas`, the HPA the operator creates from `scale.hpa` (bounds and metrics), and Knative
// scale annotations in `spec.annotations` when it runs on KServe. `multiNode.parallelism`
// (tensor, pipeline) is bound to the GPU count (see src/gitops/coupling.ts).

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
    // The operator runs a Deployment named after the NIMService, with one container.
    countAt(spec.ctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    resourcesAt(spec.ctx, spec.node, 'resources', ['spec'], w);
    const hpa = descend(spec.ctx, spec.node, ['scale', 'hpa'], w);
    if (hpa) boundsAt(hpa.ctx, hpa.node, ['spec', 'scale', 'hpa'], w);
    knativeScaleAt(spec.ctx, spec.node, ['spec'], w);
  },
};
