// From recommendations to file edits: find each recommendation's places (explicit mapping,
// marker comment, discovery), pick the one that wins (an overlay over its base), and splice.
// Everything that cannot be placed is reported with the reason.

import path from 'node:path';
import type { ClusterConfig, RepositoryConfig, WorkloadMapping } from '../config/types.ts';
import type { Change, Edit, FieldName, Recommendation, Unplaced, WorkloadSpec } from '../core/types.ts';
import type { DriftFinding } from '../core/plan.ts';
import { fileDrift, liveValue } from '../loop/live.ts';
import { applyTextChanges, insertChanges, newValueText, removeChange, replaceChange, type TextChange } from './edit.ts';
import { coupleGpuChanges, locateBindings, type GpuChange } from './coupling.ts';
import { clusterFromPath, locateDetailed, normaliseKind } from './locate.ts';
import { toLocation, type Block, type Context, type Location, type Spot } from './model.ts';
import type { RepoFile } from './repo-files.ts';
import { cpuCores, memoryBytes } from '../core/quantity.ts';
import { globMatches } from '../policy/match.ts';
import { fileSource, parseSource, pathText } from './yaml.ts';

export interface PlanEditsOptions {
  repository: RepositoryConfig;
  clusters: ClusterConfig[];
  /** Write an explicit resources block where a bitnami `resourcesPreset` sizes the container. */
  overridePresets?: boolean;
  /**
   * What runs, by workload id (the snapshot's `current`). A container whose file value differs
   * from it is drift: reported, and nothing is proposed for that container (src/loop/live.ts).
   */
  live?: Map<string, WorkloadSpec>;
}

interface Wanted {
  container?: string;
  field: FieldName;
  change: Change;
}

const CONTAINER_FIELDS: Array<[keyof Omit<import('../core/types.ts').ContainerRecommendation, 'container' | 'evidence' | 'gpuResource'>, FieldName]> = [
  ['cpuRequest', 'cpu.request'], ['cpuLimit', 'cpu.limit'], ['memoryRequest', 'memory.request'],
  ['memoryLimit', 'memory.limit'], ['gpuRequest', 'gpu.request'], ['gpuLimit', 'gpu.limit'],
];

/** Container settings compared with what runs (GPU counts are checked by the GPU inventory, not here). */
const DRIFT_FIELDS = ['cpu.request', 'cpu.limit', 'memory.request', 'memory.limit'] as const;

interface PendingGpu extends GpuChange {
  rec: string;
  fail: (reason: string) => void;
}

/**
 * For GPU fields, the accelerator the container counts: a `nvidia.com/gpu: 0` set beside a MIG
 * slice (mixed strategy) stays as it is.
 */
function acceleratorsOf(chosen: Spot[], w: Wanted): Spot[] {
  if (!w.field.startsWith('gpu.')) return chosen;
  const used = chosen.filter(s => s.value !== '0');
  return used.length > 0 ? used : chosen;
}

function wantedChanges(rec: Recommendation): Wanted[] {
  const out: Wanted[] = [];
  const changed = (c: Change | undefined): c is Change => c !== undefined && (c.to !== undefined || c.from !== undefined) && c.to !== c.from;
  for (const c of rec.containers) {
    for (const [key, field] of CONTAINER_FIELDS) {
      const change = c[key];
      if (changed(change)) out.push({ container: c.container, field, change });
    }
  }
  if (changed(rec.replicas)) out.push({ field: 'replicas', change: rec.replicas });
  const hpa = rec.hpa ?? {};
  const hpaFields: Array<[keyof typeof hpa, FieldName]> = [
    ['minReplicas', 'hpa.minReplicas'], ['maxReplicas', 'hpa.maxReplicas'],
    ['targetCPUUtilization', 'hpa.targetCPUUtilization'], ['targetMemoryUtilization', 'hpa.targetMemoryUtilization'],
  ];
  for (const [key, field] of hpaFields) if (changed(hpa[key])) out.push({ field, change: hpa[key]! });
  return out;
}

const globMatch = (value: string | undefined, pattern: string | undefined) =>
  pattern === undefined || (value !== undefined && (value === pattern || globMatches(pattern, value)));

/** Does the place described by ctx belong to the recommendation's workload (and container)? */
export function matchesWorkload(rec: Recommendation, container: string | undefined, ctx: Context, file: string, clusters: ClusterConfig[]): boolean {
  const m = ctx.match;
  const ref = rec.ref;
  const single = rec.containers.length === 1;
  if (m.explicit) {
    const e = m.explicit;
    if (e.kind && !globMatch(ref.kind.toLowerCase(), e.kind.toLowerCase())) return false;
    if (!globMatch(ref.namespace, e.namespace) || !globMatch(ref.name, e.name) || !globMatch(ref.cluster, e.cluster)) return false;
    if (container === undefined) return true;
    if (e.container) return container === e.container;
    return single || ctx.container === container || (ctx.container === undefined && container === ref.name);
  }
  const cluster = m.cluster ?? clusterFromPath(file, clusters);
  if (cluster && cluster !== ref.cluster) return false;
  if (m.namespaces.length > 0 && !m.namespaces.includes(ref.namespace)) return false;
  if (m.kind && normaliseKind(m.kind) !== ref.kind && m.kind !== 'HorizontalPodAutoscaler') return false;
  if (m.helm) {
    const { release, chart, component } = m.helm;
    if (!release) return false;
    const rootNames = [release, ...(chart ? [`${release}-${chart}`] : [])];
    if (component.length === 0) {
      if (!rootNames.includes(ref.name)) return false;
      if (container === undefined) return true;
      return single || [release, chart, ref.name].includes(container);
    }
    const last = component[component.length - 1];
    const names = [`${release}-${last}`, `${release}-${component.join('-')}`, last, ...(chart ? [`${release}-${chart}-${last}`] : [])];
    if (names.includes(ref.name)) {
      if (container === undefined) return true;
      return single || container === last || container === ctx.container || container === ref.name;
    }
    // A sidecar listed in the values of the release's main workload.
    return container !== undefined && rootNames.includes(ref.name) && ctx.container === container;
  }
  if (!m.names.includes(ref.name)) return false;
  if (container === undefined) return true;
  if (ctx.container === container) return true;
  return (ctx.container === undefined || /^(init)?[cC]ontainers\[\d+\]$/.test(ctx.container)) && single;
}

function parseWorkloadPattern(text: string): { kind?: string; namespace?: string; name: string; cluster?: string } | undefined {
  const parts = text.split('/');
  if (parts.length === 3) return { kind: parts[0], namespace: parts[1], name: parts[2] };
  if (parts.length === 4) return { cluster: parts[0], namespace: parts[1], kind: parts[2], name: parts[3] };
  return undefined;
}

/** Explicit mappings from rightsizer.yaml win over markers and discovery. */
function applyMappings(items: Array<{ ctx: Context; file: string; keyPath?: string; workload?: Location['workload']; container?: string }>, mappings: WorkloadMapping[]): void {
  for (const mapping of mappings) {
    const pattern = parseWorkloadPattern(mapping.workload);
    if (!pattern) continue;
    const file = path.posix.normalize(mapping.file.replace(/^\.\//, ''));
    const prefix = mapping.path ? mapping.path.split('.') : [];
    for (const item of items) {
      if (item.file !== file) continue;
      const helm = item.ctx.match.helm;
      if (helm && helm.component.join('.') !== prefix.join('.')) continue;
      const explicit = { ...pattern, ...(mapping.container ? { container: mapping.container } : {}) };
      item.ctx = { ...item.ctx, match: { ...item.ctx.match, explicit } };
      if (!/[*?[{]/.test(mapping.workload)) {
        item.workload = { ...(pattern.kind ? { kind: normaliseKind(pattern.kind) } : {}), ...(pattern.namespace ? { namespace: pattern.namespace } : {}), name: pattern.name, ...(pattern.cluster ? { cluster: pattern.cluster } : {}) };
      }
      if (mapping.container) item.container = mapping.container;
    }
  }
}

function describe(rec: Recommendation, w: Wanted): string {
  return `${w.field}${w.container ? ` of container ${w.container}` : ''} of ${rec.id}`;
}

/** Pick the winning places among matches: highest precedence; ambiguity across files is reported. */
function winners<T extends { ctx: Context; file: string }>(list: T[]): { chosen: T[]; ambiguous?: string } {
  if (list.length === 0) return { chosen: [] };
  const top = Math.max(...list.map(s => s.ctx.match.precedence));
  const chosen = list.filter(s => s.ctx.match.precedence === top);
  const files = [...new Set(chosen.map(s => s.file))];
  if (files.length > 1) return { chosen: [], ambiguous: `ambiguous: ${files.length} files set it with equal precedence (${files.join(', ')}); add a mapping in rightsizer.yaml or a "# rightsizer:" marker` };
  return { chosen };
}

/**
 * A cut proposed without knowing today's value (Prometheus had no request or limit for it) skipped
 * every step limit, which are relative to today's value. The file does know it: a value lower
 * than the file's is withheld until the current value is collected, so no step is ever skipped.
 */
function cutWithoutCurrent(w: Wanted, spot: Spot): string | undefined {
  if (w.change.from !== undefined || w.change.to === undefined) return undefined;
  const inFile = w.field.startsWith('cpu.') ? cpuCores(spot.value) : w.field.startsWith('memory.') ? memoryBytes(spot.value) : undefined;
  if (inFile === undefined || !(w.change.to < inFile)) return undefined;
  return `${spot.file}:${spot.line}: ${w.field}${w.container ? ` (${w.container})` : ''} ${spot.value} → lower withheld: today's value was not collected, so no step limit could be applied; it is proposed once Prometheus reports the current ${w.field}`;
}

export function planEdits(files: RepoFile[], recommendations: Recommendation[], options: PlanEditsOptions): { edits: Edit[]; unplaced: Unplaced[]; locations: Location[]; drift: DriftFinding[] } {
  const { spots, blocks, errors } = locateDetailed(files, { clusters: options.clusters });
  const blockItems = blocks.map(b => ({ ...b, file: b.ctx.source.file }));
  applyMappings(spots, options.repository.mappings ?? []);
  applyMappings(blockItems, options.repository.mappings ?? []);
  const parseNote = errors.length > 0 ? ` (${errors.length} file${errors.length === 1 ? '' : 's'} could not be parsed: ${errors.map(e => e.message).join('; ')})` : '';

  const unplaced: Unplaced[] = [];
  const drift: DriftFinding[] = [];
  const perFile = new Map<string, { changes: TextChange[]; recs: Set<string>; locations: Map<string, Location>; coupled: string[]; boundIds: Set<string> }>();
  const fileEntry = (file: string) => {
    let entry = perFile.get(file);
    if (!entry) { entry = { changes: [], recs: new Set(), locations: new Map(), coupled: [], boundIds: new Set() }; perFile.set(file, entry); }
    return entry;
  };
  const gpuChanges: PendingGpu[] = [];
  const inserts = new Map<Block, { recs: Set<string>; entries: Array<{ field: FieldName; text: string }> }>();
  /** Adds a missing key to a resources block; its style follows a sibling value (or `like`). */
  const queueInsert = (block: Block & { file: string }, rec: Recommendation, w: Wanted, like?: Spot) => {
    const original = blocks.find(b => b.id === block.id) ?? block;
    const sibling = spots.find(s => s.id.startsWith(`${block.id}.`) && s.field.split('.')[0] === w.field.split('.')[0]) ?? like;
    const entry = inserts.get(original) ?? { recs: new Set<string>(), entries: [] };
    entry.recs.add(rec.id);
    entry.entries.push({ field: w.field, text: newValueText(w.field, w.change.to!, sibling) });
    inserts.set(original, entry);
  };

  for (const rec of recommendations) {
    if (rec.status !== 'ok') continue;
    if (rec.policy?.verdict === 'rejected' || rec.policy?.reportOnly) {
      const why = rec.policy.verdict === 'rejected' ? 'rejected' : 'report only';
      unplaced.push({ recommendation: rec.id, reason: `policy: ${why}${rec.policy.notes.length ? ` (${rec.policy.notes.join('; ')})` : ''}` });
      continue;
    }
    // Containers whose file values are not what runs: nothing is built on top of them.
    const drifted = new Map<string, DriftFinding[]>();
    const spec = options.live?.get(rec.id);
    for (const c of spec ? rec.containers : []) {
      for (const field of DRIFT_FIELDS) {
        const { chosen } = winners(spots.filter(sp => sp.field === field && matchesWorkload(rec, c.container, sp.ctx, sp.file, options.clusters)));
        const spot = acceleratorsOf(chosen, { container: c.container, field, change: {} })[0];
        if (!spot) continue;
        const fileValue = field.startsWith('cpu.') ? cpuCores(spot.value) : memoryBytes(spot.value);
        const found = fileDrift({ workload: rec.id, container: c.container, field, fileText: spot.value, fileValue, live: liveValue(spec!, field, c.container), where: `${spot.file}:${spot.line}` });
        if (found) drifted.set(c.container, [...(drifted.get(c.container) ?? []), found]);
      }
    }
    for (const [container, found] of drifted) {
      drift.push(...found);
      unplaced.push({ recommendation: rec.id, container, reason: `drift: ${found.map(f => f.reason).join('; ')}; nothing is proposed for this container until Git and the cluster agree` });
    }
    for (const w of wantedChanges(rec)) {
      if (w.container !== undefined && drifted.has(w.container)) continue;
      const isContainerField = w.container !== undefined;
      const candidates = spots.filter(s => s.field === w.field && matchesWorkload(rec, w.container, s.ctx, s.file, options.clusters));
      const { chosen, ambiguous } = winners(candidates);
      const fail = (reason: string) => unplaced.push({ recommendation: rec.id, field: w.field, ...(w.container ? { container: w.container } : {}), reason });
      if (ambiguous) { fail(ambiguous); continue; }
      // A cluster's overlay with a resources block of its own takes a value that a base shared by
      // several clusters sets (Flux/Kustomize patches): editing the base would change the others too.
      const clusterOf = (item: { ctx: Context; file: string }) => item.ctx.match.cluster ?? clusterFromPath(item.file, options.clusters);
      const sharedBase = options.clusters.length > 1 && chosen.length > 0 && chosen.every(s => clusterOf(s) === undefined);
      const overlay = isContainerField && w.change.to !== undefined && sharedBase
        ? winners(blockItems.filter(b => b.ctx.match.precedence > Math.max(...chosen.map(s => s.ctx.match.precedence)) && !b.reason && clusterOf(b) === rec.ref.cluster && matchesWorkload(rec, w.container, b.ctx, b.file, options.clusters))).chosen[0]
        : undefined;
      if (overlay) { queueInsert(overlay, rec, w, chosen[0]); continue; }
      if (chosen.length > 0) {
        for (const spot of acceleratorsOf(chosen, w)) {
          if (!spot.editable) { fail(`${spot.file}:${spot.line}: ${spot.reason}`); continue; }
          const withheld = cutWithoutCurrent(w, spot);
          if (withheld) { fail(withheld); continue; }
          if (spot.field.startsWith('gpu.') && w.change.to !== undefined) {
            // Decided below with the settings bound to the GPU count (src/gitops/coupling.ts).
            gpuChanges.push({ spot, to: w.change.to, rec: rec.id, fail });
            continue;
          }
          const entry = fileEntry(spot.file);
          try {
            entry.changes.push(w.change.to === undefined ? removeChange(spot) : replaceChange(spot, w.change.to));
          } catch (err) {
            fail((err as Error).message);
            continue;
          }
          entry.recs.add(rec.id);
          entry.locations.set(spot.id, toLocation(spot));
        }
        continue;
      }
      if (w.change.to === undefined) continue; // nothing to remove
      if (!isContainerField) { fail(`no place in the repository sets ${describe(rec, w)}${parseNote}`); continue; }
      const blockMatches = blockItems.filter(b => matchesWorkload(rec, w.container, b.ctx, b.file, options.clusters));
      const pick = winners(blockMatches);
      if (pick.ambiguous) { fail(pick.ambiguous); continue; }
      const block = pick.chosen[0];
      if (!block) { fail(`no place in the repository sets ${describe(rec, w)}${parseNote}`); continue; }
      if (block.reason && !(block.overridable && options.overridePresets)) { fail(`${block.file}: ${block.reason}`); continue; }
      queueInsert(block, rec, w);
    }
  }

  // MIG: a container's GPU count moves to the slice the recommendation names (policy-approved).
  for (const rec of recommendations) {
    if (rec.status !== 'ok' || rec.policy?.verdict === 'rejected' || rec.policy?.reportOnly) continue;
    for (const c of rec.containers) {
      const move = c.gpuResource;
      if (!move?.to || move.to === move.from) continue;
      const targets = spots.filter(sp => sp.field.startsWith('gpu.') && sp.value !== '0' && (move.from === undefined || sp.resource === move.from) && matchesWorkload(rec, c.container, sp.ctx, sp.file, options.clusters));
      if (targets.length === 0) { unplaced.push({ recommendation: rec.id, container: c.container, field: 'gpu.request', reason: `no GPU setting of ${c.container} in ${move.from ?? 'nvidia.com/gpu'} to move to ${move.to}` }); continue; }
      for (const sp of targets) {
        const key = sp.pair.key as { range?: number[]; type?: string } | null;
        if (!sp.editable || !key?.range) { unplaced.push({ recommendation: rec.id, container: c.container, field: sp.field, reason: `${sp.file}:${sp.line}: ${sp.reason ?? 'the key cannot be rewritten'}` }); continue; }
        const entry = fileEntry(sp.file);
        const quote = key.type === 'QUOTE_DOUBLE' ? '"' : key.type === 'QUOTE_SINGLE' ? "'" : '';
        entry.changes.push({ start: sp.ctx.source.toFile(key.range[0]), end: sp.ctx.source.toFile(key.range[1]), text: `${quote}${move.to}${quote}` });
        entry.recs.add(rec.id);
        entry.locations.set(sp.id, toLocation(sp));
        const movedId = sp.id.replace(/\["[^"]*"\]$/, `[${JSON.stringify(move.to)}]`);
        entry.locations.set(movedId, { ...toLocation(sp), id: movedId, resource: move.to });
      }
    }
  }

  // GPU counts change together with every setting bound to them, or not at all.
  // Bindings are only looked for in files whose GPU counts change (a second parse of those alone).
  const gpuFiles = new Set(gpuChanges.map(g => g.spot.file));
  const coupled = coupleGpuChanges(gpuChanges, spots.filter(sp => sp.field.startsWith('gpu.')), locateBindings(files.filter(f => gpuFiles.has(f.path))));
  const withheld = new Set(coupled.withheld.map(x => x.change));
  for (const { change, reason } of coupled.withheld) (change as PendingGpu).fail(`GPU count withheld: ${reason}`);
  for (const g of gpuChanges) {
    if (withheld.has(g)) continue;
    const entry = fileEntry(g.spot.file);
    entry.changes.push(replaceChange(g.spot, g.to));
    entry.recs.add(g.rec);
    entry.locations.set(g.spot.id, toLocation(g.spot));
  }
  const gpuRecs = (file: string) => gpuChanges.filter(g => !withheld.has(g) && g.spot.file === file).map(g => g.rec);
  for (const c of coupled.bound) {
    const entry = fileEntry(c.binding.file);
    entry.changes.push(c.change);
    entry.coupled.push(c.note);
    for (const r of gpuRecs(c.gpuFile)) entry.recs.add(r);
    entry.boundIds.add(c.binding.id);
  }

  for (const [block, { recs, entries }] of inserts) {
    const entry = fileEntry(block.ctx.source.file);
    try {
      entry.changes.push(...insertChanges(block, entries));
    } catch (err) {
      for (const r of recs) unplaced.push({ recommendation: r, reason: (err as Error).message });
      continue;
    }
    for (const r of recs) entry.recs.add(r);
    for (const e of entries) {
      const [resource, which] = e.field.split('.');
      const key = resource === 'gpu' ? 'nvidia.com/gpu' : resource;
      const keyPath = `${block.ctx.source.idPrefix}${pathText([...block.path, which === 'request' ? 'requests' : 'limits', key])}`;
      const id = `${block.ctx.source.file}#${block.ctx.docIndex}:${keyPath}`;
      entry.locations.set(id, {
        id, file: block.ctx.source.file, line: 0, column: 0, format: block.ctx.format,
        ...(block.ctx.workload ? { workload: block.ctx.workload } : {}),
        ...(block.ctx.container !== undefined ? { container: block.ctx.container } : {}),
        field: e.field, value: e.text.replace(/^"|"$/g, ''), editable: true,
      });
    }
  }

  const byPath = new Map(files.map(f => [f.path, f]));
  const edits: Edit[] = [];
  for (const [file, entry] of [...perFile].sort(([a], [b]) => a.localeCompare(b))) {
    const original = byPath.get(file)!;
    let newText: string;
    try {
      newText = applyTextChanges(original.text, entry.changes);
    } catch (err) {
      for (const r of entry.recs) unplaced.push({ recommendation: r, reason: `${file}: ${(err as Error).message}` });
      continue;
    }
    const { error } = parseSource(fileSource(file, newText));
    if (error) {
      for (const r of entry.recs) unplaced.push({ recommendation: r, reason: `${file}: the edit would leave invalid YAML (${error.message}); not written` });
      continue;
    }
    if (newText === original.text) continue;
    edits.push({
      path: file, oldText: original.text, newText, recommendations: [...entry.recs].sort(),
      locations: [...entry.locations.keys(), ...entry.boundIds].sort(),
      ...(entry.coupled.length > 0 ? { coupled: entry.coupled } : {}),
    });
  }
  const locations = [...perFile.values()].flatMap(e => [...e.locations.values()]);
  return { edits, unplaced, locations, drift };
}

export type { Spot };
