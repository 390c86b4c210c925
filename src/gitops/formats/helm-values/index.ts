// Helm values: root `resources` / `replicaCount`, `<component>.resources` / `replicaCount` /
// `replicas`, `autoscaling.minReplicas/maxReplicas/target…`, and containers listed in values
// (sidecars, extra containers). Also used for Argo CD `helm.values` / `valuesObject` and Flux
// `spec.values`, which are values files in another file.

import type { FieldName } from '../../../core/types.ts';
import type { Context, Found } from '../../model.ts';
import { countSpot, enter, walkResources } from '../../walk.ts';
import { valuesConventionSpot } from '../workload-kinds.ts';
import {
  duplicateKeys, get, isMap, isScalar, isSeq, itemName, keyText, scalarText,
  type Document, type Pair, type PathSegment, type YAMLMap,
} from '../../yaml.ts';

export const FORMAT = 'helm-values';

const HPA_KEYS: Record<string, FieldName> = {
  minReplicas: 'hpa.minReplicas',
  maxReplicas: 'hpa.maxReplicas',
  targetCPUUtilizationPercentage: 'hpa.targetCPUUtilization',
  targetCPUUtilization: 'hpa.targetCPUUtilization',
  targetCPUAverageUtilization: 'hpa.targetCPUUtilization',
  targetCPU: 'hpa.targetCPUUtilization',
  targetMemoryUtilizationPercentage: 'hpa.targetMemoryUtilization',
  targetMemoryUtilization: 'hpa.targetMemoryUtilization',
  targetMemoryAverageUtilization: 'hpa.targetMemoryUtilization',
  targetMemory: 'hpa.targetMemoryUtilization',
};

const AUTOSCALING_KEYS = new Set(['autoscaling', 'hpa', 'horizontalPodAutoscaler', 'autoscaler', 'keda']);

/** Keys whose subtrees are not values of this release's workloads. */
const SKIP_KEYS = new Set(['global', 'volumeClaimTemplate', 'volumeClaimTemplates', 'persistence', 'storageSpec', 'resourceQuota', 'limitRange', 'quota']);

/** Is this a values file at all? Any YAML mapping that is not a Kubernetes object. */
export function looksLikeValues(root: unknown): root is YAMLMap {
  return isMap(root) && !(get(root, 'apiVersion') && get(root, 'kind'));
}

/**
 * Walks a values mapping. `component` is the path of keys above the current map, used to
 * tell components apart (`controller`, `server`, …); list items with a `name` add that name.
 */
export function walkValues(ctx: Context, map: YAMLMap, path: PathSegment[], component: string[], found: Found, doc: Document, anchors: Set<string>): void {
  const dup = duplicateKeys(map);
  const isAutoscaling = component.length > 0 && AUTOSCALING_KEYS.has(component[component.length - 1]);
  const owner = isAutoscaling ? component.slice(0, -1) : component;
  const hasHpaBounds = map.items.some(p => { const k = keyText(p); return k === 'minReplicas' || k === 'maxReplicas'; });
  const here = withComponent(ctx, owner);
  const preset = scalarText(get(map, 'resourcesPreset'));
  for (const item of map.items) {
    const pair = item as Pair;
    const key = keyText(pair);
    if (key === undefined) continue;
    if (key === '<<') {
      // Merge keys: what they bring in is shared with other maps, so it is reported read-only.
      const merged = enter(ctx, pair, pair.value, anchors, doc);
      const sources = isSeq(merged.node) ? merged.node.items.map(i => enter(merged.ctx, undefined, i, anchors, doc)) : [merged];
      for (const src of sources) {
        if (isMap(src.node)) walkValues({ ...src.ctx, readOnly: src.ctx.readOnly ?? 'the value comes from a YAML merge key (<<); edit the anchored map by hand' }, src.node, [...path, '<<'], component, found, doc, anchors);
      }
      continue;
    }
    const convention = valuesConventionSpot(here, map, pair, key, path, dup.has(key));
    if (convention) { found.spots.push(convention); continue; }
    if (key === 'resources') {
      const value = pair.value;
      const empty = isMap(value) && value.items.length === 0;
      const hasKinds = isMap(value) && value.items.some(p => { const k = keyText(p); return k === 'requests' || k === 'limits'; });
      if (isMap(value) && !empty && !hasKinds) continue;
      const reason = preset && preset !== 'none' && empty
        ? { reason: `resourcesPreset "${preset}" sizes this component while resources is empty; writing an explicit block replaces the preset (allow it with the preset override option)`, overridable: true }
        : undefined;
      const dctx = dup.has('resources') ? { ...here, readOnly: here.readOnly ?? 'the key "resources" appears more than once in its mapping; the file is ambiguous' } : here;
      walkResources(dctx, map, pair, [...path, 'resources'], found, doc, anchors, reason);
      continue;
    }
    const prefixed = /^([a-z][A-Za-z0-9]*)Resources$/.exec(key);
    if (prefixed && isMap(pair.value) && pair.value.items.some(p => { const k = keyText(p); return k === 'requests' || k === 'limits'; })) {
      // Chart convention `<component>Resources` (appResources, workerResources, nginxResources…).
      const comp = [...component, prefixed[1]];
      walkResources(withComponent(ctx, comp), map, pair, [...path, key], found, doc, anchors);
      continue;
    }
    if ((key === 'replicaCount' || key === 'replicas') && !isAutoscaling) {
      const spot = countSpot(here, pair, [...path, key], 'replicas', dup.has(key));
      if (spot) found.spots.push(spot);
      continue;
    }
    if (HPA_KEYS[key] && (isAutoscaling || hasHpaBounds)) {
      if (isScalar(pair.value) || !isMap(pair.value)) {
        const spot = countSpot(here, pair, [...path, key], HPA_KEYS[key], dup.has(key));
        if (spot) found.spots.push(spot);
        continue;
      }
    }
    if (key === 'metrics' && hasHpaBounds && isSeq(pair.value)) {
      // An HPA spec written out in values: `metrics: [{type: Resource, resource: {name: cpu, target: {averageUtilization}}}]`.
      pair.value.items.forEach((metric, index) => {
        const resource = get(metric, 'resource');
        const name = scalarText(get(resource, 'name'));
        const field: FieldName | undefined = name === 'cpu' ? 'hpa.targetCPUUtilization' : name === 'memory' ? 'hpa.targetMemoryUtilization' : undefined;
        const target = get(resource, 'target');
        const utilisation = isMap(target) ? target.items.find(p => keyText(p) === 'averageUtilization') as Pair | undefined : undefined;
        if (!field || !utilisation) return;
        const spot = countSpot(here, utilisation, [...path, 'metrics', { index }, 'resource', 'target', 'averageUtilization'], field);
        if (spot) found.spots.push(spot);
      });
      continue;
    }
    if (SKIP_KEYS.has(key)) continue;
    const child = enter(ctx, pair, pair.value, anchors, doc);
    if (isMap(child.node)) {
      walkValues(child.ctx, child.node, [...path, key], [...component, key], found, doc, anchors);
    } else if (isSeq(child.node)) {
      child.node.items.forEach((entry, index) => {
        const inner = enter(child.ctx, undefined, entry, anchors, doc);
        if (!isMap(inner.node)) return;
        const name = itemName(inner.node);
        const seg: PathSegment = { index, ...(name !== undefined ? { name } : {}) };
        const itemCtx = name !== undefined ? { ...inner.ctx, container: name } : inner.ctx;
        walkValues(itemCtx, inner.node, [...path, key, seg], name !== undefined ? [...component, key, name] : [...component, key], found, doc, anchors);
      });
    }
  }
}

function withComponent(ctx: Context, component: string[]): Context {
  const helm = { ...(ctx.match.helm ?? {}), component };
  // A list item's `name` is the container's name; a map component is named by its key path.
  const last = component[component.length - 1];
  const container = component.length === 0 ? undefined : last === ctx.container ? last : component.join('.');
  const { container: _drop, ...rest } = ctx;
  return { ...rest, match: { ...ctx.match, helm }, ...(container !== undefined ? { container } : {}) };
}
