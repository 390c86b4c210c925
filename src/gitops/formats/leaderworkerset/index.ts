// LeaderWorkerSet (leaderworkerset.x-k8s.io): `replicas` counts groups; each group is one leader
// pod (leaderTemplate, or workerTemplate when there is none) and `size - 1` workers
// (workerTemplate). `size` is bound to the accelerator count (see src/gitops/coupling.ts).

import type { Context } from '../../model.ts';
import type { YAMLMap } from '../../yaml.ts';
import { child, countAt, partContext, podSpecAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

export const leaderWorkerSet: WorkloadKindFormat = {
  format: 'leaderworkerset',
  matches: (apiVersion, kind) => apiVersion.startsWith('leaderworkerset.x-k8s.io/') && kind === 'LeaderWorkerSet',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    countAt(spec.ctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    const lwt = child(spec.ctx, spec.node, 'leaderWorkerTemplate', w);
    if (!lwt) return;
    const path = ['spec', 'leaderWorkerTemplate'];
    podSpecAt(partContext(lwt.ctx, 'leader'), lwt.node, ['leaderTemplate', 'spec'], path, w);
    podSpecAt(partContext(lwt.ctx, 'worker'), lwt.node, ['workerTemplate', 'spec'], path, w);
  },
};
