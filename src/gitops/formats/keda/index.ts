// KEDA `ScaledObject` (keda.sh): `minReplicaCount`/`maxReplicaCount` are the bounds of the HPA
// KEDA creates for `scaleTargetRef` (a Deployment unless it says otherwise), so they are located
// as HPA bounds of that workload; the same keys under a `keda:` map of Helm values too.

import type { FieldName } from '../../../core/types.ts';
import type { Context, Spot } from '../../model.ts';
import { countSpot } from '../../walk.ts';
import { getString, type Pair, type PathSegment, type YAMLMap } from '../../yaml.ts';
import { child, countAt, podSpecAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

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

/** KEDA `ScaledJob`: job count bounds, and the job's pod template (`jobTargetRef.template`). */
export const scaledJob: WorkloadKindFormat = {
  format: 'keda',
  matches: (apiVersion, kind) => apiVersion.startsWith('keda.sh/') && kind === 'ScaledJob',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    countAt(spec.ctx, spec.node, 'minReplicaCount', ['spec'], 'hpa.minReplicas', w);
    countAt(spec.ctx, spec.node, 'maxReplicaCount', ['spec'], 'hpa.maxReplicas', w);
    podSpecAt(spec.ctx, spec.node, ['jobTargetRef', 'template', 'spec'], ['spec'], w);
  },
};

const VALUES_KEYS: Record<string, FieldName> = { minReplicaCount: 'hpa.minReplicas', maxReplicaCount: 'hpa.maxReplicas' };

/**
 * Helm values that template a ScaledObject (`keda: {minReplicaCount, maxReplicaCount}`, as the
 * vLLM production-stack chart does per model): HPA bounds of the component above `keda`.
 */
export function kedaValuesSpot(ctx: Context, _map: YAMLMap, pair: Pair, key: string, path: PathSegment[], duplicated: boolean): Spot | undefined {
  if (!VALUES_KEYS[key] || path[path.length - 1] !== 'keda') return undefined;
  return countSpot(ctx, pair, [...path, key], VALUES_KEYS[key], duplicated);
}
