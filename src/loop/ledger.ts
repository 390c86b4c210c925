// The ledger: every change rightsizer got merged, rebuilt on each run from the merged pull
// requests themselves (no state store). Each rightsizer PR body carries one hidden block,
//
//   <!-- rightsizer:ledger {"v":1,"kind":"change",...} -->
//
// beside the group marker (src/deliver/github.ts), with the workloads, every setting's
// old → new value, the predicted monthly delta and the evidence window. Pure: the GitHub calls
// that list merged PRs are in src/deliver/github.ts.

import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { PLAN_SCHEMA_VERSION, type Plan } from '../core/plan.ts';
import type { Change, FieldName, Recommendation } from '../core/types.ts';

export const LEDGER_VERSION = 1;

/** Container settings a ledger records, by the field names `locate` and `edit --set` use. */
export const CONTAINER_FIELDS = ['cpu.request', 'cpu.limit', 'memory.request', 'memory.limit', 'gpu.request', 'gpu.limit'] as const;
export type ContainerField = typeof CONTAINER_FIELDS[number];
export const WORKLOAD_FIELDS = ['replicas', 'hpa.minReplicas', 'hpa.maxReplicas'] as const;
export type WorkloadField = typeof WORKLOAD_FIELDS[number];

/** `[old, new]` in base units (cores, bytes, counts); old is null when the file had no value. */
export type ValuePair = [number | null, number];

export interface LedgerContainer {
  name: string;
  values: Partial<Record<ContainerField, ValuePair>>;
}

export interface LedgerWorkload {
  /** cluster/namespace/Kind/name (src/core/workload-id.ts). */
  id: string;
  containers: LedgerContainer[];
  values: Partial<Record<WorkloadField, ValuePair>>;
  /** Predicted monthly cost change (negative = saving), when priced. */
  monthly?: number;
  currency?: string;
}

export interface LedgerBlock {
  v: typeof LEDGER_VERSION;
  /** `change`: a recommendation; `revert`: an undo of the change merged in `reverts`. */
  kind: 'change' | 'revert';
  /** Schema version of the plan the change came from. */
  plan: number;
  /** The usage window the evidence comes from (ISO times). */
  window: { start: string; end: string };
  workloads: LedgerWorkload[];
  /** For a revert: the pull request whose change it undoes. */
  reverts?: number;
}

/** One merged change, as read back from GitHub. */
export interface LedgerEntry {
  pr: number;
  url: string;
  mergedAt: string;
  block: LedgerBlock;
  /** When a verify run saw it running (from the PR's verification comment). */
  liveSince?: string;
}

const BLOCK = /<!-- rightsizer:ledger (\{[^\n]*?\}|z:[A-Za-z0-9+/=]+) -->/;
/** Above this the block is deflated and base64-encoded (`z:…`), so a group of hundreds of workloads still fits a PR body. */
const PLAIN_LIMIT = 16_000;

const CHANGE_KEYS: Array<[ContainerField, 'cpuRequest' | 'cpuLimit' | 'memoryRequest' | 'memoryLimit' | 'gpuRequest' | 'gpuLimit']> = [
  ['cpu.request', 'cpuRequest'], ['cpu.limit', 'cpuLimit'], ['memory.request', 'memoryRequest'],
  ['memory.limit', 'memoryLimit'], ['gpu.request', 'gpuRequest'], ['gpu.limit', 'gpuLimit'],
];

function pair(c: Change | undefined): ValuePair | undefined {
  if (!c || c.to === undefined || c.to === c.from) return undefined;
  return [c.from ?? null, c.to];
}

/**
 * The ledger entry of one recommendation: only settings that move and that were placed in the
 * repository (a setting in `unplaced` is not part of the pull request).
 */
export function ledgerWorkload(rec: Recommendation, unplaced: Plan['unplaced'] = []): LedgerWorkload | undefined {
  const mine = unplaced.filter(u => u.recommendation === rec.id);
  if (mine.some(u => u.field === undefined && u.container === undefined)) return undefined;
  const placed = (field: FieldName, container?: string) => !mine.some(u => (u.field === field || u.field === undefined) && (u.container === undefined || u.container === container));
  const containers: LedgerContainer[] = [];
  for (const c of rec.containers) {
    const values: LedgerContainer['values'] = {};
    for (const [field, key] of CHANGE_KEYS) {
      const p = pair(c[key]);
      if (p && placed(field, c.container)) values[field] = p;
    }
    if (Object.keys(values).length > 0) containers.push({ name: c.container, values });
  }
  const values: LedgerWorkload['values'] = {};
  const replicas = pair(rec.replicas);
  if (replicas && placed('replicas')) values.replicas = replicas;
  const min = pair(rec.hpa?.minReplicas), max = pair(rec.hpa?.maxReplicas);
  if (min && placed('hpa.minReplicas')) values['hpa.minReplicas'] = min;
  if (max && placed('hpa.maxReplicas')) values['hpa.maxReplicas'] = max;
  if (containers.length === 0 && Object.keys(values).length === 0) return undefined;
  return {
    id: rec.id, containers, values,
    ...(rec.cost ? { monthly: rec.cost.monthly, currency: rec.cost.currency } : {}),
  };
}

/** The block for one pull request's recommendations. */
export function ledgerBlock(recs: Recommendation[], plan: Pick<Plan, 'asOf' | 'unplaced'>, extra: { kind?: LedgerBlock['kind']; reverts?: number } = {}): LedgerBlock {
  const windowSeconds = Math.max(0, ...recs.map(r => r.evidence.windowSeconds));
  const end = plan.asOf;
  const start = new Date(Date.parse(end) - windowSeconds * 1000).toISOString();
  const workloads = recs.map(r => ledgerWorkload(r, plan.unplaced)).filter((w): w is LedgerWorkload => w !== undefined)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    v: LEDGER_VERSION, kind: extra.kind ?? 'change', plan: PLAN_SCHEMA_VERSION, window: { start, end }, workloads,
    ...(extra.reverts !== undefined ? { reverts: extra.reverts } : {}),
  };
}

/**
 * The hidden line. Compact JSON: `--` (which would end an HTML comment) only occurs inside
 * strings, where `-\u002d` is the same JSON string.
 */
export function renderLedgerBlock(block: LedgerBlock): string {
  const json = JSON.stringify(block);
  if (json.length > PLAIN_LIMIT) return `<!-- rightsizer:ledger z:${deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64')} -->`;
  return `<!-- rightsizer:ledger ${json.replace(/--/g, '-\\u002d')} -->`;
}

/** The block a PR body carries, or undefined (none, or not one this version reads). */
export function readLedgerBlock(body: string): LedgerBlock | undefined {
  const m = BLOCK.exec(body.replace(/\r\n/g, '\n'));
  if (!m) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(m[1].startsWith('z:') ? inflateRawSync(Buffer.from(m[1].slice(2), 'base64')).toString('utf8') : m[1]);
  } catch { return undefined; }
  const b = data as Partial<LedgerBlock>;
  if (b?.v !== LEDGER_VERSION || (b.kind !== 'change' && b.kind !== 'revert') || !Array.isArray(b.workloads) || !b.window) return undefined;
  const valid = b.workloads.every(w => typeof w?.id === 'string' && Array.isArray(w.containers) && w.containers.every(c => typeof c?.name === 'string' && c.values && typeof c.values === 'object') && w.values && typeof w.values === 'object');
  return valid ? b as LedgerBlock : undefined;
}

/** Merged pull requests as GitHub lists them (the part the ledger needs). */
export interface MergedPull {
  number: number;
  url: string;
  body: string;
  mergedAt?: string;
}

/** The ledger: merged PRs that carry a block, oldest merge first. */
export function buildLedger(pulls: MergedPull[]): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const p of pulls) {
    if (!p.mergedAt) continue;
    const block = readLedgerBlock(p.body);
    if (!block || block.workloads.length === 0) continue;
    out.push({ pr: p.number, url: p.url, mergedAt: p.mergedAt, block });
  }
  return out.sort((a, b) => Date.parse(a.mergedAt) - Date.parse(b.mergedAt) || a.pr - b.pr);
}

/** What Git says one setting is, and the merged PR that set it. */
export interface GitValue {
  workload: string;
  container?: string;
  field: ContainerField | WorkloadField;
  value: number;
  /** The value before that PR (null: the file had none). */
  previous: number | null;
  entry: LedgerEntry;
}

/** The newest merged value of every setting any merged PR changed (later merges win). */
export function gitValues(ledger: LedgerEntry[]): GitValue[] {
  const byKey = new Map<string, GitValue>();
  for (const entry of ledger) {
    for (const w of entry.block.workloads) {
      for (const c of w.containers) {
        for (const [field, p] of Object.entries(c.values) as Array<[ContainerField, ValuePair]>) {
          byKey.set(`${w.id}|${c.name}|${field}`, { workload: w.id, container: c.name, field, value: p[1], previous: p[0], entry });
        }
      }
      for (const [field, p] of Object.entries(w.values) as Array<[WorkloadField, ValuePair]>) {
        byKey.set(`${w.id}||${field}`, { workload: w.id, field, value: p[1], previous: p[0], entry });
      }
    }
  }
  return [...byKey.values()];
}

/** The hidden line of the comment a verify run leaves on a merged PR once it runs. */
export function liveComment(liveSince: string, text: string): string {
  return `<!-- rightsizer:live since=${liveSince} -->\n${text}`;
}

/** The time a verification comment records, or undefined. */
export function readLiveComment(body: string): string | undefined {
  return /<!-- rightsizer:live since=(\d{4}-\d{2}-\d{2}T[0-9:.]+Z) -->/.exec(body)?.[1];
}
