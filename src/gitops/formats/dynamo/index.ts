// NVIDIA Dynamo (nvidia.com): a `DynamoGraphDeployment` runs one Deployment per entry of
// `spec.services` (`<name>-<service>`), a `DynamoComponentDeployment` one for its `spec`. Each
// has `replicas`, `autoscaling.minReplicas/maxReplicas`, Dynamo's own `resources`
// (`requests`/`limits` with `cpu`, `memory` and a `gpu` count of nvidia.com/gpu), and
// `extraPodSpec` (a pod spec; `mainContainer` is the engine container, with standard resources).

import type { FieldName } from '../../../core/types.ts';
import type { Context } from '../../model.ts';
import { makeSpot } from '../../walk.ts';
import { duplicateKeys, isMap, keyText, type Pair, type PathSegment, type YAMLMap } from '../../yaml.ts';
import { boundsAt, child, containerAt, countAt, podSpecAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

const KEYS: Record<string, 'cpu' | 'memory' | 'gpu'> = { cpu: 'cpu', memory: 'memory', gpu: 'gpu' };

export const dynamo: WorkloadKindFormat = {
  format: 'dynamo',
  matches: (apiVersion, kind) => apiVersion.startsWith('nvidia.com/') && (kind === 'DynamoGraphDeployment' || kind === 'DynamoComponentDeployment'),
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec || !isMap(spec.node)) return;
    const name = ctx.workload?.name;
    if (ctx.workload?.kind === 'DynamoComponentDeployment') return service(spec.ctx, spec.node, ['spec'], w);
    const services = child(spec.ctx, spec.node, 'services', w);
    if (!services || !isMap(services.node)) return;
    for (const pair of services.node.items) {
      const key = keyText(pair as Pair);
      const s = key === undefined ? undefined : child(services.ctx, services.node, key, w);
      if (!s || !isMap(s.node) || key === undefined) continue;
      const sctx: Context = { ...s.ctx, component: key, match: { ...s.ctx.match, kind: undefined, names: [...s.ctx.match.names, ...(name ? [`${name}-${key.toLowerCase()}`] : [])] } };
      service(sctx, s.node, ['spec', 'services', key], w);
    }
  },
};

function service(ctx: Context, node: YAMLMap, path: PathSegment[], w: Walk): void {
  countAt(ctx, node, 'replicas', path, 'replicas', w);
  const auto = child(ctx, node, 'autoscaling', w);
  if (auto) boundsAt(auto.ctx, auto.node, [...path, 'autoscaling'], w);
  const resources = child({ ...ctx, container: 'main' }, node, 'resources', w);
  if (resources && isMap(resources.node)) {
    for (const side of ['requests', 'limits'] as const) {
      const m = child(resources.ctx, resources.node, side, w);
      if (!m || !isMap(m.node)) continue;
      const dup = duplicateKeys(m.node);
      for (const p of m.node.items) {
        const k = keyText(p as Pair);
        const res = k === undefined ? undefined : KEYS[k];
        if (!res || k === undefined) continue;
        const spot = makeSpot(m.ctx, p as Pair, [...path, 'resources', side, k], `${res}.${side === 'requests' ? 'request' : 'limit'}` as FieldName, dup.has(k));
        if (!spot) continue;
        if (res === 'gpu') spot.resource = 'nvidia.com/gpu';
        w.found.spots.push(spot);
      }
    }
  }
  const extra = child(ctx, node, 'extraPodSpec', w);
  if (extra && isMap(extra.node)) {
    podSpecAt(extra.ctx, extra.node, [], [...path, 'extraPodSpec'], w);
    containerAt({ ...extra.ctx, container: 'main' }, extra.node, 'mainContainer', [...path, 'extraPodSpec'], w);
  }
}
