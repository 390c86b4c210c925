// Shared steps of the custom-resource formats (KServe, KubeRay, LeaderWorkerSet, NIM, KEDA…):
// descend into a key with the context following, count spots, pod specs and `resources` blocks
// at a key, the "flat" resources some operators use (`resources: {cpu, memory, gpu}`), and
// HPA-like bounds. Each kind's own folder says which keys mean what.

import type { FieldName } from '../../core/types.ts';
import type { Context, Found } from '../model.ts';
import { countSpot, enter, makeSpot, walkContainer, walkPodSpec, walkResources } from '../walk.ts';
import {
  duplicateKeys, get, getString, isMap, isSeq, itemName, keyText, pairOf,
  type Document, type Pair, type PathSegment, type YAMLMap,
} from '../yaml.ts';

/** Everything a kind's extractor needs besides the node it is at. */
export interface Walk {
  found: Found;
  doc: Document;
  anchors: Set<string>;
}

export interface WorkloadKindFormat {
  /** The `format` of its locations. */
  format: string;
  matches(apiVersion: string, kind: string): boolean;
  extract(ctx: Context, root: YAMLMap, w: Walk): void;
}

/** The value under `key` with the context entered (key line, alias and anchor reasons). */
export function child(ctx: Context, map: unknown, key: string, w: Walk): { ctx: Context; node: unknown; pair: Pair } | undefined {
  if (!isMap(map)) return undefined;
  const pair = pairOf(map, key);
  if (!pair) return undefined;
  const entered = enter(ctx, pair, pair.value, w.anchors, w.doc);
  const dup = duplicateKeys(map).has(key);
  return { ctx: dup ? { ...entered.ctx, readOnly: entered.ctx.readOnly ?? `the key "${key}" appears more than once in its mapping; the file is ambiguous` } : entered.ctx, node: entered.node, pair };
}

/** Follows a path of keys; undefined when one is missing. */
export function descend(ctx: Context, map: unknown, keys: string[], w: Walk): { ctx: Context; node: unknown } | undefined {
  let cur: { ctx: Context; node: unknown } = { ctx, node: map };
  for (const key of keys) {
    const next = child(cur.ctx, cur.node, key, w);
    if (!next) return undefined;
    cur = next;
  }
  return cur;
}

/** An integer setting at `map[key]` (replicas, bounds). */
export function countAt(ctx: Context, map: unknown, key: string, path: PathSegment[], field: FieldName, w: Walk): void {
  if (!isMap(map)) return;
  const pair = pairOf(map, key);
  if (!pair) return;
  const spot = countSpot(ctx, pair, [...path, key], field, duplicateKeys(map).has(key));
  if (spot) w.found.spots.push(spot);
}

/** A pod spec at `map[key]` (a map with `containers`). */
export function podSpecAt(ctx: Context, map: unknown, keys: string[], path: PathSegment[], w: Walk): void {
  const at = descend(ctx, map, keys, w);
  if (at && isMap(at.node)) walkPodSpec(at.ctx, at.node, [...path, ...keys], w.found, w.doc, w.anchors);
}

/** A `resources` block at `map[key]` that sizes one container (named by ctx.container). */
export function resourcesAt(ctx: Context, map: unknown, key: string, path: PathSegment[], w: Walk): void {
  if (!isMap(map)) return;
  const pair = pairOf(map, key);
  if (!pair) return;
  walkResources(ctx, map, pair, [...path, key], w.found, w.doc, w.anchors);
}

/** A map that is itself a container (KServe `model:`, `sklearn:`…): its resources, or a block to add them. */
export function containerAt(ctx: Context, map: unknown, key: string, path: PathSegment[], w: Walk): void {
  const at = child(ctx, map, key, w);
  if (at && isMap(at.node)) walkContainer(at.ctx, at.node, [...path, key], w.found, w.doc, w.anchors);
}

const FLAT: Record<string, FieldName> = { cpu: 'cpu.request', memory: 'memory.request', gpu: 'gpu.request' };

/**
 * Operator CRs that size their pod with `resources: {cpu, memory, gpu}` (VLLMRuntime, llmkube):
 * the operator writes these as the container's requests. `gpuType` names the accelerator.
 */
export function flatResourcesAt(ctx: Context, map: unknown, key: string, path: PathSegment[], w: Walk, gpuType?: string): void {
  const at = child(ctx, map, key, w);
  if (!at || !isMap(at.node)) return;
  const dup = duplicateKeys(at.node);
  const type = gpuType ?? getString(at.node, ['gpuType']) ?? 'nvidia.com/gpu';
  for (const pair of at.node.items) {
    const k = keyText(pair as Pair);
    if (k === undefined || !FLAT[k]) continue;
    const spot = FLAT[k] === 'gpu.request'
      ? countSpot(at.ctx, pair as Pair, [...path, key, k], FLAT[k], dup.has(k))
      : makeSpot(at.ctx, pair as Pair, [...path, key, k], FLAT[k], dup.has(k));
    if (!spot) continue;
    if (FLAT[k] === 'gpu.request') spot.resource = type;
    w.found.spots.push(spot);
  }
}

/** `minReplicas`/`maxReplicas` and HPA-style `metrics` (resource utilisation targets) of a map. */
export function boundsAt(ctx: Context, map: unknown, path: PathSegment[], w: Walk, keys: { min: string; max: string } = { min: 'minReplicas', max: 'maxReplicas' }): void {
  countAt(ctx, map, keys.min, path, 'hpa.minReplicas', w);
  countAt(ctx, map, keys.max, path, 'hpa.maxReplicas', w);
  const metrics = get(map, 'metrics');
  if (!isSeq(metrics)) return;
  metrics.items.forEach((metric, index) => {
    if (getString(metric, ['type']) !== 'Resource') return;
    const resource = get(metric, 'resource');
    const name = getString(resource, ['name']);
    const field: FieldName | undefined = name === 'cpu' ? 'hpa.targetCPUUtilization' : name === 'memory' ? 'hpa.targetMemoryUtilization' : undefined;
    if (!field) return;
    const target = get(resource, 'target');
    const base: PathSegment[] = [...path, 'metrics', { index }, 'resource'];
    if (isMap(target) && getString(target, ['type']) !== 'Value' && getString(target, ['type']) !== 'AverageValue') countAt(ctx, target, 'averageUtilization', [...base, 'target'], field, w);
    else countAt(ctx, resource, 'targetAverageUtilization', base, field, w);
  });
}

/** A list of named items (worker groups, tasks, replicated jobs): each with its path segment and name. */
export function namedItems(ctx: Context, map: unknown, key: string, w: Walk): Array<{ ctx: Context; node: YAMLMap; seg: PathSegment; label: string }> {
  const list = child(ctx, map, key, w);
  if (!list || !isSeq(list.node)) return [];
  const out: Array<{ ctx: Context; node: YAMLMap; seg: PathSegment; label: string }> = [];
  list.node.items.forEach((item, index) => {
    const entered = enter(list.ctx, undefined, item, w.anchors, w.doc);
    if (!isMap(entered.node)) return;
    // Ids name list items by `name` only (as every format does); Ray groups are labelled by groupName.
    const name = itemName(entered.node);
    out.push({ ctx: entered.ctx, node: entered.node, seg: { index, ...(name !== undefined ? { name } : {}) }, label: name ?? getString(entered.node, ['groupName']) ?? `#${index}` });
  });
  return out;
}

/** A context for one part of a workload (predictor, worker group…), with the names its pods run under. */
export function partContext(ctx: Context, component: string, extraNames: string[] = []): Context {
  const names = [...new Set([...ctx.match.names, ...extraNames])];
  return { ...ctx, component, match: { ...ctx.match, names } };
}
