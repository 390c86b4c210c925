// Walkers shared by the formats: a container's `resources` block, a pod spec's containers,
// and turning one YAML scalar into a Spot.

import { parseQuantity } from '../core/quantity.ts';
import type { FieldName } from '../core/types.ts';
import type { Block, Context, Found, Spot } from './model.ts';
import {
  duplicateKeys, isAlias, isMap, isScalar, isSeq, itemName, keyText, lineIndex, pathText,
  type Document, type Node, type Pair, type PathSegment, type YAMLMap,
} from './yaml.ts';

const RESOURCE_KEYS: Record<string, 'cpu' | 'memory' | 'gpu'> = { cpu: 'cpu', memory: 'memory' };

/**
 * Extended resources that count accelerators: NVIDIA GPUs and MIG slices, AMD, Intel (i915, xe),
 * Gaudi, AWS Neuron devices and cores, Google TPU chips. Intel's shared-GPU resources
 * (millicores, memory.max, tiles) are not counts of devices and are left out.
 */
const ACCELERATOR = /^(nvidia\.com\/gpu|nvidia\.com\/mig-\d+g\.\d+gb(\.me)?|amd\.com\/gpu|habana\.ai\/gaudi|aws\.amazon\.com\/neuron(core|device)?|google\.com\/tpu|gpu\.intel\.com\/(i915|xe))$/;

export function isAcceleratorKey(key: string): boolean {
  return ACCELERATOR.test(key);
}

/** cpu, memory or gpu for a resource name (every accelerator counts as gpu); undefined otherwise. */
export function resourceOf(key: string | undefined): 'cpu' | 'memory' | 'gpu' | undefined {
  if (key === undefined) return undefined;
  return RESOURCE_KEYS[key] ?? (ACCELERATOR.test(key) ? 'gpu' : undefined);
}

const lineTables = new Map<string, (offset: number) => { line: number; column: number }>();
function positionIn(fileText: string, offset: number): { line: number; column: number } {
  let fn = lineTables.get(fileText);
  if (!fn) { fn = lineIndex(fileText); lineTables.set(fileText, fn); }
  return fn(offset);
}
/** Forget cached line tables (called once per locate run). */
export function resetPositionCache(): void {
  lineTables.clear();
}

export function lineOf(ctx: Context, offset: number): number {
  return positionIn(ctx.source.fileText, ctx.source.toFile(offset)).line;
}

export function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('${');
}

const anchorTables = new WeakMap<object, Map<string, Array<{ start: number; node: unknown }>>>();

/** Anchors that some alias in the document refers to: editing under them changes every user. */
export function aliasedAnchors(doc: Document): Set<string> {
  const used = new Set<string>();
  const defined = new Map<string, Array<{ start: number; node: unknown }>>();
  const visit = (node: unknown): void => {
    if (isAlias(node)) { used.add(node.source); return; }
    const anchor = node && typeof node === 'object' ? (node as { anchor?: string; range?: number[] }) : undefined;
    if (anchor?.anchor) {
      const list = defined.get(anchor.anchor) ?? [];
      list.push({ start: anchor.range?.[0] ?? 0, node });
      defined.set(anchor.anchor, list);
    }
    if (isMap(node)) for (const p of node.items) { visit(p.key); visit(p.value); }
    else if (isSeq(node)) for (const i of node.items) visit(i);
  };
  visit(doc.contents);
  anchorTables.set(doc, defined);
  return used;
}

/** The node an alias refers to: the nearest anchor of that name before it (without re-walking the document). */
function resolveAlias(doc: Document, alias: import('yaml').Alias): unknown {
  const list = anchorTables.get(doc)?.get(alias.source);
  if (!list) return alias.resolve(doc);
  const at = alias.range?.[0] ?? Infinity;
  let hit: unknown;
  for (const entry of list) if (entry.start < at) hit = entry.node;
  return hit;
}

/** Context for a child node: adds its key line, and a read-only reason when it is shared or aliased. */
export function enter(ctx: Context, pair: Pair | undefined, node: unknown, anchors: Set<string>, doc: Document): { ctx: Context; node: unknown } {
  let next = ctx;
  if (pair && isScalar(pair.key) && pair.key.range) {
    next = { ...next, keyLines: [...next.keyLines, lineOf(ctx, pair.key.range[0])] };
  }
  let target = node;
  if (isAlias(node)) {
    target = resolveAlias(doc, node);
    next = { ...next, readOnly: next.readOnly ?? `the value is the alias *${node.source}; edit the anchor &${node.source} by hand (it is shared)` };
  } else if (node && typeof node === 'object' && 'anchor' in node && (node as { anchor?: string }).anchor && anchors.has((node as { anchor: string }).anchor)) {
    const anchor = (node as { anchor: string }).anchor;
    next = { ...next, readOnly: next.readOnly ?? `the value sits under the anchor &${anchor}, which aliases reuse; edit it by hand` };
  }
  return { ctx: next, node: target };
}

export function spotId(ctx: Context, path: PathSegment[]): string {
  return `${ctx.source.file}#${ctx.docIndex}:${ctx.source.idPrefix}${pathText(path)}`;
}

/** A Spot for the value node of `pair` (a scalar, or an alias reported as not editable). */
export function makeSpot(ctx: Context, pair: Pair, path: PathSegment[], field: FieldName, duplicated = false, owner?: Spot['owner']): Spot | undefined {
  const node = pair.value as Node | null;
  const keyNode = pair.key as Node;
  let start: number, end: number, value: string, quote: Spot['quote'] = 'plain';
  let reason = ctx.readOnly ?? ctx.source.readOnly;
  if (isAlias(node) && node.range) {
    [start, end] = node.range;
    value = `*${node.source}`;
    reason ??= `the value is the alias *${node.source}; edit the anchor &${node.source} by hand (it is shared)`;
  } else if (isScalar(node) && node.range) {
    [start, end] = node.range;
    if (node.value === null || typeof node.value === 'object') return undefined;
    value = String(node.value);
    if (node.type === 'QUOTE_DOUBLE') quote = 'double';
    else if (node.type === 'QUOTE_SINGLE') quote = 'single';
    else if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') reason ??= 'the value is a block scalar';
    if (value.trim() === '') return undefined;
    if (isTemplate(value)) reason ??= `the value is a template expression (${value.trim()}); it is filled in at render time`;
    if (node.anchor) reason ??= `the value carries the anchor &${node.anchor}; aliases may reuse it`;
    if (node.tag && !/^tag:yaml.org,2002:(str|int|float)$/.test(node.tag) && !/^!!(str|int|float)$/.test(node.tag)) reason ??= `the value has the tag ${node.tag}`;
  } else {
    return undefined;
  }
  if (duplicated) reason ??= `the key "${keyText(pair)}" appears more than once in its mapping; the file is ambiguous`;
  if (!field.startsWith('hpa.') && field !== 'replicas' && parseQuantity(value) === undefined) reason ??= `the value ${value} is not a quantity (a placeholder filled in before the file is applied?)`;
  const fileStart = ctx.source.toFile(start), fileEnd = ctx.source.toFile(end);
  const pos = positionIn(ctx.source.fileText, fileStart);
  const keyLine = keyNode.range ? lineOf(ctx, keyNode.range[0]) : pos.line;
  const spotCtx = { ...ctx, keyLines: [...ctx.keyLines, keyLine] };
  return {
    id: spotId(ctx, path),
    file: ctx.source.file,
    line: pos.line,
    column: pos.column,
    format: ctx.format,
    ...(ctx.workload ? { workload: ctx.workload } : {}),
    ...(ctx.container !== undefined ? { container: ctx.container } : {}),
    ...(ctx.component !== undefined ? { component: ctx.component } : {}),
    field,
    value,
    editable: reason === undefined,
    ...(reason ? { reason } : {}),
    start: fileStart,
    end: fileEnd,
    quote,
    keyPath: `${ctx.source.idPrefix}${pathText(path)}`,
    ctx: spotCtx,
    pair,
    ...(owner ? { owner } : {}),
  };
}

/**
 * A container-level `resources` value: spots for requests/limits of cpu, memory and GPUs,
 * and a Block to insert missing keys into.
 */
export function walkResources(ctx: Context, parent: YAMLMap, pair: Pair, path: PathSegment[], found: Found, doc: Document, anchors: Set<string>, blockReason?: { reason: string; overridable: boolean }): void {
  const entered = enter(ctx, pair, pair.value, anchors, doc);
  const resources = entered.node;
  const rctx = entered.ctx;
  if (!isMap(resources)) return;
  const blockKey = keyText(pair);
  const block: Block = { id: spotId(ctx, path), ctx: rctx, path, parent, ...(blockKey && blockKey !== 'resources' ? { key: blockKey } : {}), ...(blockReason ? { reason: blockReason.reason, overridable: blockReason.overridable } : {}) };
  if (rctx.readOnly && !block.reason) block.reason = rctx.readOnly;
  if (ctx.source.readOnly && !block.reason) block.reason = ctx.source.readOnly;
  found.blocks.push(block);
  const dupTop = duplicateKeys(resources);
  for (const kindPair of resources.items) {
    const kind = keyText(kindPair);
    if (kind !== 'requests' && kind !== 'limits') continue;
    const inner = enter(rctx, kindPair, kindPair.value, anchors, doc);
    if (!isMap(inner.node)) continue;
    const dup = duplicateKeys(inner.node);
    for (const valuePair of inner.node.items) {
      const key = keyText(valuePair);
      const resource = resourceOf(key);
      if (!resource || key === undefined) continue;
      const field = `${resource}.${kind === 'requests' ? 'request' : 'limit'}` as FieldName;
      const leafCtx = enter(inner.ctx, undefined, valuePair.value, anchors, doc).ctx;
      const spot = makeSpot({ ...leafCtx, keyLines: inner.ctx.keyLines }, valuePair, [...path, kind, key], field, dup.has(key) || dupTop.has(kind), { map: inner.node, parent: { map: resources, pair: kindPair as Pair } });
      if (spot && resource === 'gpu') spot.resource = key;
      if (spot) found.spots.push(spot);
    }
  }
}

/** Integer-valued spots such as `replicas: 3` (templates are reported, other strings skipped). */
export function countSpot(ctx: Context, pair: Pair, path: PathSegment[], field: FieldName, duplicated = false): Spot | undefined {
  const node = pair.value;
  if (isScalar(node)) {
    const v = node.value;
    const ok = typeof v === 'number' ? Number.isInteger(v) : typeof v === 'string' && (/^\s*\d+\s*$/.test(v) || isTemplate(v));
    if (!ok) return undefined;
  } else if (!isAlias(node)) {
    return undefined;
  }
  return makeSpot(ctx, pair, path, field, duplicated);
}

/** Every container of a pod spec (`containers`, `initContainers`). */
export function walkPodSpec(ctx: Context, podSpec: unknown, path: PathSegment[], found: Found, doc: Document, anchors: Set<string>): void {
  if (!isMap(podSpec)) return;
  for (const listPair of podSpec.items) {
    const listKey = keyText(listPair);
    if (listKey !== 'containers' && listKey !== 'initContainers') continue;
    const list = enter(ctx, listPair, listPair.value, anchors, doc);
    if (!isSeq(list.node)) continue;
    list.node.items.forEach((item, index) => {
      const entered = enter(list.ctx, undefined, item, anchors, doc);
      if (!isMap(entered.node)) return;
      const name = itemName(entered.node);
      const seg: PathSegment = { index, ...(name !== undefined ? { name } : {}) };
      walkContainer({ ...entered.ctx, container: name ?? ctx.container }, entered.node, [...path, listKey, seg], found, doc, anchors);
    });
  }
}

export function walkContainer(ctx: Context, container: YAMLMap, path: PathSegment[], found: Found, doc: Document, anchors: Set<string>): void {
  const dup = duplicateKeys(container);
  let seen = false;
  for (const pair of container.items) {
    if (keyText(pair) !== 'resources') continue;
    seen = true;
    const dctx = dup.has('resources') ? { ...ctx, readOnly: ctx.readOnly ?? 'the key "resources" appears more than once in its mapping; the file is ambiguous' } : ctx;
    walkResources(dctx, container, pair as Pair, [...path, 'resources'], found, doc, anchors);
  }
  if (!seen) {
    // No resources yet: keys may be added to the container itself.
    const block: Block = { id: spotId(ctx, [...path, 'resources']), ctx, path: [...path, 'resources'], parent: container };
    if (ctx.readOnly ?? ctx.source.readOnly) block.reason = ctx.readOnly ?? ctx.source.readOnly;
    found.blocks.push(block);
  }
}
