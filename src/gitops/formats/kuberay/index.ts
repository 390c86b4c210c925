// KubeRay `RayCluster`, `RayService` (spec.rayClusterConfig) and `RayJob` (spec.rayClusterSpec,
// plus the submitter's pod template): the head group's pod template, every worker group's
// `replicas` and its autoscaler bounds `minReplicas`/`maxReplicas` (Ray's autoscaler keeps the
// group between them, like an HPA), its pod template, and the autoscaler sidecar's `resources`.
// `numOfHosts` (pods per multi-host replica) and `rayStartParams.num-gpus` are bound to the
// accelerator count (see src/gitops/coupling.ts), not sized here.

import type { Context } from '../../model.ts';
import type { PathSegment, YAMLMap } from '../../yaml.ts';
import { boundsAt, child, countAt, descend, namedItems, partContext, podSpecAt, resourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

const CLUSTER_SPEC: Record<string, string[]> = {
  RayCluster: ['spec'],
  RayService: ['spec', 'rayClusterConfig'],
  RayJob: ['spec', 'rayClusterSpec'],
};

export const rayCluster: WorkloadKindFormat = {
  format: 'kuberay',
  matches: (apiVersion, kind) => apiVersion.startsWith('ray.io/') && kind in CLUSTER_SPEC,
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const kind = String(ctx.workload?.kind ?? ctx.match.kind ?? 'RayCluster');
    const keys = CLUSTER_SPEC[kind] ?? ['spec'];
    if (kind === 'RayJob') {
      const spec = child(ctx, root, 'spec', w);
      if (spec) podSpecAt({ ...spec.ctx, component: 'submitter' }, spec.node, ['submitterPodTemplate', 'spec'], ['spec'], w);
    }
    const cluster = descend(ctx, root, keys, w);
    if (!cluster) return;
    extractCluster(cluster.ctx, cluster.node, keys, w);
  },
};

function extractCluster(ctx: Context, cluster: unknown, path: PathSegment[], w: Walk): void {
  const autoscaler = child(ctx, cluster, 'autoscalerOptions', w);
  if (autoscaler) resourcesAt({ ...partContext(autoscaler.ctx, 'head'), container: 'autoscaler' }, autoscaler.node, 'resources', [...path, 'autoscalerOptions'], w);
  const head = child(ctx, cluster, 'headGroupSpec', w);
  if (head) podSpecAt(partContext(head.ctx, 'head'), head.node, ['template', 'spec'], [...path, 'headGroupSpec'], w);
  for (const group of namedItems(ctx, cluster, 'workerGroupSpecs', w)) {
    const gctx = partContext(group.ctx, `worker:${group.label}`);
    const gpath = [...path, 'workerGroupSpecs', group.seg];
    countAt(gctx, group.node, 'replicas', gpath, 'replicas', w);
    boundsAt(gctx, group.node, gpath, w);
    podSpecAt(gctx, group.node, ['template', 'spec'], gpath, w);
  }
}
