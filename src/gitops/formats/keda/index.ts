// KEDA `ScaledObject` (keda.sh): `minReplicaCount`/`maxReplicaCount` are the bounds of the HPA
// KEDA creates for `scaleTargetRef` (a Deployment unless it says otherwise), so they are located
// as HPA bounds of that workload.

import type { Context } from '../../model.ts';
import { getString, type YAMLMap } from '../../yaml.ts';
import { child, countAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

export const scaledObject: WorkloadKindFormat = {
  format: 'keda',
  matches: (apiVersion, kind) => apiVersion.startsWith('keda.sh/') && kind === 'ScaledObject',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    const name = getString(spec.node, ['scaleTargetRef', 'name']);
    const kind = getString(spec.node, ['scaleTargetRef', 'kind']) ?? 'Deployment';
    const target: Context = name
      ? { ...spec.ctx, match: { ...spec.ctx.match, names: [name], kind }, workload: { ...(spec.ctx.workload ?? { name }), kind, name } }
      : spec.ctx;
    countAt(target, spec.node, 'minReplicaCount', ['spec'], 'hpa.minReplicas', w);
    countAt(target, spec.node, 'maxReplicaCount', ['spec'], 'hpa.maxReplicas', w);
  },
};
