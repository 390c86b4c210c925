// Kustomize: `replicas:` in kustomization.yaml, patches (`patches`, `patchesStrategicMerge`,
// `patchesJson6902`) inline or in files, JSON6902 operations that address containers by index,
// and the overlay graph that tells a base file's namespace, name prefixes and precedence.

import path from 'node:path';
import type { FieldName } from '../../../core/types.ts';
import type { Context, Found } from '../../model.ts';
import { countSpot, enter, makeSpot, resourceOf, walkContainer, walkResources } from '../../walk.ts';
import {
  embeddedSource, get, getString, itemName, pathText, isMap, isScalar, isSeq, keyText, parseSource, scalarText,
  type Document, type Pair, type ParsedDoc, type PathSegment, type YAMLMap,
} from '../../yaml.ts';
import { extractManifest, isObject } from '../manifests/index.ts';

export const FORMAT = 'kustomize';

export interface PatchTarget {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** How one file takes part in a Kustomize build. */
export interface KustomizeRole {
  namespace?: string;
  prefix: string;
  suffix: string;
  precedence: number;
  patch?: { target?: PatchTarget };
  /** The kustomization this role comes from. */
  via: string;
}

export function isKustomizationFile(file: string, root: unknown): boolean {
  const base = path.posix.basename(file);
  if (/^(kustomization\.ya?ml|Kustomization)$/.test(base)) return true;
  const apiVersion = getString(root, ['apiVersion']) ?? '';
  return apiVersion.startsWith('kustomize.config.k8s.io/');
}

/** A JSON6902 patch document: a list of `{op, path, value}`. */
export function isOpList(root: unknown): boolean {
  return isSeq(root) && root.items.length > 0 && root.items.every(i => isMap(i) && get(i, 'op') !== undefined && get(i, 'path') !== undefined);
}

interface KustomizationInfo {
  file: string;
  dir: string;
  namespace?: string;
  prefix: string;
  suffix: string;
  resources: string[];
  patches: Array<{ file: string; target?: PatchTarget }>;
}

function targetOf(node: unknown): PatchTarget | undefined {
  if (!isMap(node)) return undefined;
  const t = { kind: getString(node, ['kind']), name: getString(node, ['name']), namespace: getString(node, ['namespace']) };
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as PatchTarget;
}

function readKustomization(file: string, root: unknown): KustomizationInfo {
  const dir = path.posix.dirname(file);
  const rel = (p: string) => path.posix.normalize(path.posix.join(dir, p));
  const strings = (key: string) => {
    const list = get(root, key);
    return isSeq(list) ? list.items.map(i => scalarText(i)).filter((s): s is string => s !== undefined && !s.includes('\n')) : [];
  };
  const patches: KustomizationInfo['patches'] = [];
  for (const key of ['patches', 'patchesJson6902', 'patchesStrategicMerge']) {
    const list = get(root, key);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      const p = isMap(item) ? getString(item, ['path']) : scalarText(item);
      if (p && !p.includes('\n')) patches.push({ file: rel(p), target: isMap(item) ? targetOf(get(item, 'target')) : undefined });
    }
  }
  return {
    file, dir,
    namespace: getString(root, ['namespace']),
    prefix: getString(root, ['namePrefix']) ?? '',
    suffix: getString(root, ['nameSuffix']) ?? '',
    resources: [...strings('resources'), ...strings('bases'), ...strings('components')].filter(r => !/^[a-z]+:\/\/|^github\.com\//.test(r)).map(rel),
    patches,
  };
}

/** Roles of every file reached from a kustomization: base resources, patches, the kustomizations themselves. */
export function kustomizeRoles(docs: Map<string, ParsedDoc[]>): Map<string, KustomizeRole[]> {
  const infos = new Map<string, KustomizationInfo>();
  const byDir = new Map<string, string>();
  for (const [file, list] of docs) {
    const root = list[0]?.doc.contents;
    if (list.length > 0 && isKustomizationFile(file, root) && isMap(root)) {
      infos.set(file, readKustomization(file, root));
      if (/(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(file)) byDir.set(path.posix.dirname(file), file);
    }
  }
  const childOf = (entry: string) => byDir.get(entry) ?? (infos.has(entry) ? entry : undefined);
  const depthMemo = new Map<string, number>();
  const depth = (k: string, stack: Set<string>): number => {
    if (depthMemo.has(k)) return depthMemo.get(k)!;
    if (stack.has(k)) return 1;
    stack.add(k);
    let d = 1;
    for (const r of infos.get(k)!.resources) {
      const child = childOf(r);
      if (child) d = Math.max(d, 1 + depth(child, stack));
    }
    stack.delete(k);
    depthMemo.set(k, d);
    return d;
  };
  const referenced = new Set<string>();
  for (const info of infos.values()) for (const r of info.resources) { const c = childOf(r); if (c) referenced.add(c); }
  const roles = new Map<string, KustomizeRole[]>();
  const add = (file: string, role: KustomizeRole) => {
    const list = roles.get(file) ?? [];
    if (!list.some(r => r.namespace === role.namespace && r.prefix === role.prefix && r.suffix === role.suffix && r.precedence === role.precedence && r.via === role.via)) list.push(role);
    roles.set(file, list);
  };
  const visit = (k: string, inherited: { namespace?: string; prefix: string; suffix: string }, stack: Set<string>) => {
    if (stack.has(k)) return;
    stack.add(k);
    const info = infos.get(k)!;
    const ctx = { namespace: inherited.namespace ?? info.namespace, prefix: inherited.prefix + info.prefix, suffix: info.suffix + inherited.suffix };
    const d = depth(k, new Set());
    add(k, { ...ctx, precedence: d + 0.5, via: k });
    for (const p of info.patches) add(p.file, { ...ctx, precedence: d, patch: { target: p.target }, via: k });
    for (const r of info.resources) {
      const child = childOf(r);
      if (child) visit(child, ctx, stack);
      else add(r, { ...ctx, precedence: 0, via: k });
    }
    stack.delete(k);
  };
  for (const k of infos.keys()) if (!referenced.has(k)) visit(k, { prefix: '', suffix: '' }, new Set());
  // Kustomizations only reachable through a cycle: visit them on their own.
  for (const k of infos.keys()) if (!roles.has(k)) visit(k, { prefix: '', suffix: '' }, new Set());
  return roles;
}

export interface KustomizeHelpers {
  /** Context for a (partial) manifest in a patch, given its own kind/name/namespace. */
  manifestContext(base: Context, target: PatchTarget): Context;
  /** Container names by index for a workload (from its base manifest), for index-addressed patches. */
  containerNames(target: PatchTarget): { containers: string[]; initContainers: string[] } | undefined;
}

/** `replicas:` entries and inline patches of a kustomization document. */
export function extractKustomization(ctx: Context, parsed: ParsedDoc, found: Found, anchors: Set<string>, helpers: KustomizeHelpers): void {
  const root = parsed.doc.contents;
  if (!isMap(root)) return;
  const doc = parsed.doc;
  const replicas = get(root, 'replicas');
  if (isSeq(replicas)) {
    replicas.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const name = getString(item, ['name']);
      const countPair = item.items.find(p => keyText(p as Pair) === 'count') as Pair | undefined;
      if (!name || !countPair) return;
      const c = helpers.manifestContext(ctx, { name });
      const spot = countSpot({ ...c, format: FORMAT }, countPair, ['replicas', { index, name }, 'count'], 'replicas');
      if (spot) found.spots.push(spot);
    });
  }
  for (const key of ['patches', 'patchesJson6902', 'patchesStrategicMerge']) {
    const list = get(root, key);
    if (!isSeq(list)) continue;
    list.items.forEach((item, index) => {
      const patchNode = isMap(item) ? get(item, 'patch') : item;
      if (!isScalar(patchNode) || typeof patchNode.value !== 'string' || !patchNode.value.includes('\n')) return;
      const target = isMap(item) ? targetOf(get(item, 'target')) : undefined;
      const seg = { index, ...(itemName(item) !== undefined ? { name: itemName(item)! } : {}) };
      const prefix = pathText(isMap(item) ? [key, seg, 'patch'] : [key, seg]);
      extractInlinePatch(ctx, patchNode, prefix, target, found, helpers);
    });
  }
  void anchors;
  void doc;
}

/** A `patch: |` string: JSON6902 operations or a strategic-merge manifest. */
export function extractInlinePatch(ctx: Context, node: import('yaml').Scalar, idPrefix: string, target: PatchTarget | undefined, found: Found, helpers: KustomizeHelpers): void {
  const source = embeddedSource(ctx.source, node, idPrefix);
  if (!source) return;
  const { docs } = parseSource(source);
  for (const inner of docs) {
    const root = inner.doc.contents;
    const innerAnchors = new Set<string>();
    const base: Context = { ...ctx, source, docIndex: ctx.docIndex, keyLines: [...ctx.keyLines] };
    if (isOpList(root)) {
      extractOps(base, root as import('yaml').YAMLSeq, target, found, inner.doc, innerAnchors, helpers);
    } else if (isObject(root)) {
      const own = { kind: getString(root, ['kind']) ?? target?.kind, name: getString(root, ['metadata', 'name']) ?? target?.name, namespace: getString(root, ['metadata', 'namespace']) ?? target?.namespace };
      extractManifest({ ...helpers.manifestContext(base, own), format: FORMAT }, root, found, inner.doc, innerAnchors);
    }
  }
}

const OP_PATH = /^\/spec\/(?:jobTemplate\/spec\/)?template\/spec\/(containers|initContainers)\/(\d+)(\/resources(?:\/(requests|limits)(?:\/(cpu|memory|nvidia\.com~1gpu))?)?)?$/;

/** JSON6902 operations: `add`/`replace` of replicas, HPA bounds or container resources. */
export function extractOps(ctx: Context, list: import('yaml').YAMLSeq, target: PatchTarget | undefined, found: Found, doc: Document, anchors: Set<string>, helpers: KustomizeHelpers): void {
  const wctx = helpers.manifestContext(ctx, target ?? {});
  const names = target ? helpers.containerNames(target) : undefined;
  const broad = !target?.name ? `the patch applies to every ${target?.kind ?? 'resource'} it targets, not one workload; edit it by hand` : undefined;
  list.items.forEach((item, index) => {
    if (!isMap(item)) return;
    const op = getString(item, ['op']);
    const opPath = getString(item, ['path']);
    const valuePair = (item as YAMLMap).items.find(p => keyText(p as Pair) === 'value') as Pair | undefined;
    if ((op !== 'add' && op !== 'replace') || !opPath || !valuePair) return;
    const base: Context = { ...wctx, format: FORMAT, ...(broad ? { readOnly: wctx.readOnly ?? broad } : {}) };
    const path: PathSegment[] = [{ index }, 'value'];
    const simple: Record<string, FieldName> = { '/spec/replicas': 'replicas', '/spec/minReplicas': 'hpa.minReplicas', '/spec/maxReplicas': 'hpa.maxReplicas', '/spec/targetCPUUtilizationPercentage': 'hpa.targetCPUUtilization' };
    if (simple[opPath]) {
      const spot = countSpot(base, valuePair, path, simple[opPath]);
      if (spot) found.spots.push(spot);
      return;
    }
    const m = OP_PATH.exec(opPath);
    if (!m) return;
    const list = m[1] as 'containers' | 'initContainers';
    const containerIndex = Number(m[2]);
    const name = names?.[list][containerIndex];
    const cctx: Context = { ...base, ...(name ? { container: name } : { container: `${list === 'initContainers' ? 'initContainers' : 'containers'}[${containerIndex}]` }) };
    if (!m[3]) {
      // The whole container.
      const entered = enter(cctx, valuePair, valuePair.value, anchors, doc);
      if (isMap(entered.node)) walkContainer(entered.ctx, entered.node, path, found, doc, anchors);
    } else if (!m[4]) {
      walkResources(cctx, item as YAMLMap, valuePair, path, found, doc, anchors);
    } else if (!m[5]) {
      // `…/resources/limits` with a map of quantities.
      const value = valuePair.value;
      if (!isMap(value)) return;
      for (const p of value.items) {
        const key = keyText(p as Pair);
        const res = resourceOf(key);
        if (!res || !key) continue;
        const spot = makeSpot(cctx, p as Pair, [...path, key], `${res}.${m[4] === 'requests' ? 'request' : 'limit'}` as FieldName);
        if (spot) found.spots.push(spot);
      }
    } else {
      const res = m[5] === 'cpu' ? 'cpu' : m[5] === 'memory' ? 'memory' : 'gpu';
      const spot = makeSpot(cctx, valuePair, path, `${res}.${m[4] === 'requests' ? 'request' : 'limit'}` as FieldName);
      if (spot) found.spots.push(spot);
    }
  });
}
