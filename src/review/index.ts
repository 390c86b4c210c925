// The cost review of a person's pull request (Infracost's comment is the model; the evidence is
// rightsizer's own): each changed resource, replica or HPA setting is tied to the workload it
// belongs to in the snapshot, priced with the plan's pricing (src/cost/savings.ts) from the
// snapshot's unit prices, explained with the workload's measured usage, and put through the
// repository's policies (src/policy). Pure: the caller reads the files, the snapshot and the
// policies, and writes the comment (src/cli/commands/review.ts).

import type { ClusterConfig } from '../config/types.ts';
import { formatCpu, formatMemory, cpuCores, memoryBytes } from '../core/quantity.ts';
import { workloadId, type Change, type ContainerRecommendation, type CostDelta, type FieldName, type PolicyVerdict, type Recommendation, type UsageProfile } from '../core/types.ts';
import { pickPrice, priceRecommendation } from '../cost/savings.ts';
import { toLocation, type Location } from '../gitops/model.ts';
import { matchesWorkload } from '../gitops/plan.ts';
import { applyPolicies, type PolicyContext, type PolicySet } from '../policy/index.ts';
import type { Snapshot } from '../snapshot/index.ts';
import type { SettingChange } from './changes.ts';

export { changedSettings, type SettingChange } from './changes.ts';

/** A changed setting as the review reports it: where (the locator's public Location), from → to. */
export interface ReviewedSetting {
  field: FieldName;
  from?: string;
  to?: string;
  location: Location;
  /** The container it belongs to (container settings only). */
  container?: string;
  /** "P95 usage 310m, peak 1.2 over 14 days; this raises the request to 4 (12.9× the P95)". */
  evidence: string;
}

export interface ReviewedWorkload {
  id: string;
  settings: ReviewedSetting[];
  /** Monthly cost of the change as written; undefined when the cluster has no price. */
  cost?: CostDelta;
  policy?: PolicyVerdict;
}

export interface Review {
  workloads: ReviewedWorkload[];
  /** Changed settings no workload of the snapshot could be tied to, with why. */
  unmatched: Array<Omit<ReviewedSetting, 'evidence'> & { reason: string }>;
  /** End of the usage window of the snapshot used. */
  asOf: string;
  /** Sum of the priced workloads' monthly deltas (single currency), and how many are not priced. */
  total?: { monthly: number; currency: string; unpriced: number };
}

export interface ReviewInput {
  changes: SettingChange[];
  snapshot: Snapshot;
  clusters: ClusterConfig[];
  policies: PolicySet;
  policyContext: PolicyContext;
  /** The engine's recommendation for a workload (src/pipeline.ts recommendFor). */
  recommend: (profile: UsageProfile) => Recommendation;
}

type ContainerKey = 'cpuRequest' | 'cpuLimit' | 'memoryRequest' | 'memoryLimit' | 'gpuRequest' | 'gpuLimit';
const CONTAINER_FIELDS: Partial<Record<FieldName, ContainerKey>> = {
  'cpu.request': 'cpuRequest', 'cpu.limit': 'cpuLimit', 'memory.request': 'memoryRequest',
  'memory.limit': 'memoryLimit', 'gpu.request': 'gpuRequest', 'gpu.limit': 'gpuLimit',
};
type HpaKey = 'minReplicas' | 'maxReplicas' | 'targetCPUUtilization' | 'targetMemoryUtilization';
const HPA_FIELDS: Partial<Record<FieldName, HpaKey>> = {
  'hpa.minReplicas': 'minReplicas', 'hpa.maxReplicas': 'maxReplicas',
  'hpa.targetCPUUtilization': 'targetCPUUtilization', 'hpa.targetMemoryUtilization': 'targetMemoryUtilization',
};

/** A setting's text as a number in base units (cores, bytes, counts), or undefined. */
function amount(field: FieldName, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (field.startsWith('cpu.')) return cpuCores(text);
  if (field.startsWith('memory.')) return memoryBytes(text);
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** As people read it: `4 cores`, `1 core`, `500m`, `3Gi`, `8`. */
function show(field: FieldName, value: number): string {
  if (field.startsWith('cpu.')) {
    const text = formatCpu(value);
    return text.endsWith('m') ? text : `${text} ${text === '1' ? 'core' : 'cores'}`;
  }
  return field.startsWith('memory.') ? formatMemory(value) : String(value);
}

function percentileText(p: number): string {
  return `P${Math.round((p <= 1 ? p * 100 : p) * 10) / 10}`;
}

function days(seconds: number): string {
  return `${Math.round(seconds / 8640) / 10} days`;
}

function verb(from: number | undefined, to: number | undefined, what: string): string {
  if (to === undefined) return `this removes the ${what}`;
  if (from === undefined) return `this sets the ${what}`;
  return to > from ? `this raises the ${what}` : `this lowers the ${what}`;
}

/** The sentence of usage evidence behind one changed value. */
function evidenceFor(change: Pick<SettingChange, 'field' | 'from' | 'to'>, container: string | undefined, profile: UsageProfile, engine: Recommendation): string {
  const from = amount(change.field, change.from), to = amount(change.field, change.to);
  const target = to === undefined ? '' : ` to ${show(change.field, to)}`;
  if (profile.insufficient) return `not enough usage history to judge (${profile.insufficient.reason})`;
  const rec = engine.containers.find(c => c.container === container);
  const e = rec?.evidence;
  const suggestion = (c: Change | undefined, current: number | undefined, fmt: (v: number) => string) => {
    const value = c?.to ?? current;
    return value === undefined ? '' : `; rightsizer would set ${fmt(value)}`;
  };
  const current = profile.current.containers.find(c => c.container === container);
  switch (change.field) {
    case 'cpu.request':
    case 'cpu.limit': {
      if (!e?.cpu) return `no CPU usage figures for container ${container ?? '?'}`;
      const what = change.field === 'cpu.request' ? 'request' : 'limit';
      const ratio = to !== undefined && e.cpu.value > 0 ? ` (${(Math.round((to / e.cpu.value) * 10) / 10)}× the ${percentileText(e.cpu.percentile)})` : '';
      const warn = change.field === 'cpu.limit' && to !== undefined && to < e.cpu.peak ? '; below the peak, so the container will be throttled at its busiest' : '';
      const sugg = change.field === 'cpu.request' ? suggestion(rec?.cpuRequest, current?.requests.cpuCores, formatCpu) : '';
      return `${percentileText(e.cpu.percentile)} usage ${formatCpu(e.cpu.value)}, peak ${formatCpu(e.cpu.peak)} over ${days(e.windowSeconds)}; ${verb(from, to, what)}${target}${ratio}${warn}${sugg}`;
    }
    case 'memory.request':
    case 'memory.limit': {
      if (!e?.memory) return `no memory usage figures for container ${container ?? '?'}`;
      const what = change.field === 'memory.request' ? 'request' : 'limit';
      const kills = e.memory.oomKills > 0 ? ` and ${e.memory.oomKills} OOM kill${e.memory.oomKills > 1 ? 's' : ''}` : '';
      const warn = to !== undefined && to < e.memory.peak ? (change.field === 'memory.limit' ? '; below the peak, so the container would be OOM-killed at its busiest' : '; below the peak working set') : '';
      const sugg = change.field === 'memory.request' ? suggestion(rec?.memoryRequest, current?.requests.memoryBytes, formatMemory) : '';
      return `peak working set ${formatMemory(e.memory.peak)}${kills} over ${days(e.windowSeconds)}; ${verb(from, to, what)}${target}${warn}${sugg}`;
    }
    case 'gpu.request':
    case 'gpu.limit':
      if (!e?.gpu) return 'no GPU utilisation figures for this container';
      return `GPU utilisation P95 ${Math.round(e.gpu.utilisationP95)}%, framebuffer peak ${formatMemory(e.gpu.memoryPeakBytes)}; ${verb(from, to, 'GPU count')}${target}${suggestion(rec?.gpuLimit ?? rec?.gpuRequest, current?.limits.gpus ?? current?.requests.gpus, String)}`;
    case 'replicas': {
      const demand = engine.containers.find(c => c.evidence.replicas)?.evidence.replicas;
      const demandText = demand ? `P95 total CPU demand ${formatCpu(demand.demandP95Cores)}` : 'no total CPU demand figure';
      return `${demandText}${runText(profile)}; ${verb(from, to, 'replica count')}${target}${suggestion(engine.replicas, profile.current.replicas, String)}`;
    }
    default: {
      const key = HPA_FIELDS[change.field]!;
      return `${runText(profile).replace(/^, /, '') || 'no replica history'}; ${verb(from, to, `HPA ${key}`)}${target}${suggestion(engine.hpa?.[key], profile.current.hpa?.[key], String)}`;
    }
  }
}

/** ", ran 3–8 replicas (hourly peaks)" from the replica history, when there is one. */
function runText(profile: UsageProfile): string {
  const peaks = profile.replicaHistory?.peaks.map(p => p[1]) ?? [];
  if (peaks.length === 0) return '';
  return `, ran ${Math.min(...peaks)}–${Math.max(...peaks)} replicas (peaks per ${Math.round(profile.replicaHistory!.intervalSeconds / 60)} minutes)`;
}

function reported(change: SettingChange): Omit<ReviewedSetting, 'evidence'> {
  return { field: change.field, ...(change.from !== undefined ? { from: change.from } : {}), ...(change.to !== undefined ? { to: change.to } : {}), location: toLocation(change.spot) };
}

/** The workloads (and container) a changed setting belongs to. */
function owners(change: SettingChange, profiles: UsageProfile[], clusters: ClusterConfig[]): Array<{ profile: UsageProfile; container?: string }> {
  const out: Array<{ profile: UsageProfile; container?: string }> = [];
  const { spot } = change;
  for (const profile of profiles) {
    // The matcher takes a recommendation; only its ref and containers are read.
    const like = { id: workloadId(profile.ref), ref: profile.ref, containers: profile.containers.map(c => ({ container: c.container })) } as unknown as Recommendation;
    if (CONTAINER_FIELDS[change.field]) {
      const container = profile.containers.find(c => matchesWorkload(like, c.container, spot.ctx, spot.file, clusters))?.container;
      if (container !== undefined) out.push({ profile, container });
    } else if (matchesWorkload(like, undefined, spot.ctx, spot.file, clusters)) {
      out.push({ profile });
    }
  }
  return out;
}

export function reviewChanges(input: ReviewInput): Review {
  const byWorkload = new Map<string, { profile: UsageProfile; settings: ReviewedSetting[] }>();
  const unmatched: Review['unmatched'] = [];
  for (const change of input.changes) {
    const found = owners(change, input.snapshot.profiles, input.clusters);
    if (found.length === 0) {
      const w = change.spot.workload;
      unmatched.push({ ...reported(change), reason: `no workload of the snapshot matches${w ? ` ${[w.kind, w.namespace, w.name].filter(Boolean).join('/')}` : ''}` });
      continue;
    }
    for (const { profile, container } of found) {
      const id = workloadId(profile.ref);
      const entry = byWorkload.get(id) ?? { profile, settings: [] };
      byWorkload.set(id, entry);
      entry.settings.push({ ...reported(change), ...(container !== undefined ? { container } : {}), evidence: '' });
    }
  }

  const workloads: ReviewedWorkload[] = [];
  for (const [id, { profile, settings }] of [...byWorkload].sort(([a], [b]) => a.localeCompare(b))) {
    const engine = input.recommend(profile);
    for (const s of settings) s.evidence = evidenceFor(s, s.container, profile, engine);
    const { rec, spec } = asRecommendation(id, profile, settings, engine);
    const price = pickPrice(input.snapshot.prices, profile.ref.cluster, profile.current.nodePool);
    const forced = hpaForcedReplicas(rec, spec);
    if (forced) {
      const s = settings.find(x => x.field === (forced.rec.replicas!.to! > forced.rec.replicas!.from! ? 'hpa.minReplicas' : 'hpa.maxReplicas'));
      if (s) s.evidence += `; the HPA must then run ${forced.rec.replicas!.to} replicas instead of today's ${forced.rec.replicas!.from}`;
    }
    const cost = priceRecommendation(forced?.rec ?? rec, forced?.spec ?? spec, price);
    const [governed] = applyPolicies([rec], input.policies, input.policyContext);
    workloads.push({ id, settings, ...(cost ? { cost } : {}), ...(governed.policy ? { policy: governed.policy } : {}) });
  }

  const currencies = [...new Set(workloads.map(w => w.cost?.currency).filter(Boolean))];
  const total = currencies.length === 1
    ? { monthly: Math.round(workloads.reduce((n, w) => n + (w.cost?.monthly ?? 0), 0) * 100) / 100, currency: currencies[0]!, unpriced: workloads.filter(w => !w.cost).length }
    : undefined;
  return { workloads, unmatched, asOf: input.snapshot.createdAt, ...(total ? { total } : {}) };
}

/**
 * An HPA keeps today's replica count (the plan prices HPA workloads at it) unless the new bounds
 * exclude it: a minimum raised above it, or a maximum lowered below it, moves the count to the
 * bound. Then the same pricing is asked for that replica change.
 */
function hpaForcedReplicas(rec: Recommendation, spec: UsageProfile['current']): { rec: Recommendation; spec: UsageProfile['current'] } | undefined {
  if (!spec.hpa || spec.replicas === undefined || !rec.hpa) return undefined;
  const min = rec.hpa.minReplicas?.to ?? spec.hpa.minReplicas;
  const max = rec.hpa.maxReplicas?.to ?? spec.hpa.maxReplicas;
  const after = Math.min(Math.max(spec.replicas, min), max);
  if (after === spec.replicas) return undefined;
  const { hpa: _hpa, ...withoutHpa } = spec;
  return { rec: { ...rec, replicas: { from: spec.replicas, to: after } }, spec: withoutHpa };
}

/**
 * The person's change as a recommendation (what the policy stage and the pricing take), and
 * the workload's settings as the base of the pull request has them (priced "before").
 */
function asRecommendation(id: string, profile: UsageProfile, settings: ReviewedSetting[], engine: Recommendation): { rec: Recommendation; spec: UsageProfile['current'] } {
  const spec = structuredClone(profile.current);
  const containers = new Map<string, ContainerRecommendation>();
  const rec: Recommendation = { id, ref: profile.ref, status: 'ok', containers: [], confidence: engine.confidence, evidence: engine.evidence };
  for (const s of settings) {
    const from = amount(s.field, s.from), to = amount(s.field, s.to);
    const change: Change = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
    const key = CONTAINER_FIELDS[s.field];
    if (key && s.container !== undefined) {
      const evidence = engine.containers.find(c => c.container === s.container)?.evidence ?? { windowSeconds: 0, samples: 0, coverage: 0, confidence: engine.confidence };
      const c = containers.get(s.container) ?? { container: s.container, evidence };
      containers.set(s.container, c);
      c[key] = change;
      // Priced from what the base of the pull request says, not from what the cluster runs.
      const target = spec.containers.find(x => x.container === s.container);
      if (target && from !== undefined) {
        const side = key.endsWith('Request') ? target.requests : target.limits;
        if (key.startsWith('cpu')) side.cpuCores = from;
        else if (key.startsWith('memory')) side.memoryBytes = from;
        else side.gpus = from;
      }
    } else if (s.field === 'replicas') {
      rec.replicas = change;
      if (from !== undefined) spec.replicas = from;
    } else {
      const hpaKey = HPA_FIELDS[s.field]!;
      rec.hpa = { ...rec.hpa, [hpaKey]: change };
    }
  }
  rec.containers = [...containers.values()];
  return { rec, spec };
}
