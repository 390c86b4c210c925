// Builds Plan objects by hand for the deliver tests (PR grouping, body, Slack, delivery).
// Only the fields a test names are special; the rest get plausible, deterministic defaults.

import { SAVINGS_CAVEAT } from '../../src/cost/savings.ts';
import { PLAN_SCHEMA_VERSION, type Plan } from '../../src/core/plan.ts';
import {
  workloadId,
  type CloudName, type ContainerRecommendation, type Edit, type Evidence, type PolicyVerdict,
  type Recommendation, type UnitPrice, type Unplaced, type WorkloadKind,
} from '../../src/core/types.ts';

export const MI = 2 ** 20;
export const GI = 2 ** 30;
export const DAY = 86_400;

export interface ContainerSpec {
  name?: string;
  /** Cores, old → new. */
  cpu?: [number, number];
  cpuLimit?: [number, number];
  /** Bytes, old → new. */
  memory?: [number, number];
  memoryLimit?: [number, number];
  gpu?: [number, number];
  /** Usage at the percentile (cores); default: 60% of the new request. */
  cpuUsage?: number;
  /** Peak working set (bytes); default: 80% of the new request. */
  memoryPeak?: number;
  oomKills?: number;
  notSmallerBecause?: string[];
}

export interface RecommendationSpec {
  cluster?: string;
  namespace?: string;
  name: string;
  kind?: WorkloadKind;
  containers?: ContainerSpec[];
  replicas?: [number, number];
  hpa?: Recommendation['hpa'];
  /** Monthly cost delta; negative is a saving. undefined → not priced. */
  monthly?: number;
  currency?: string;
  confidence?: Recommendation['confidence'];
  policy?: PolicyVerdict;
  notes?: string[];
  priceSource?: NonNullable<Recommendation['cost']>['priceSource'];
  priceDetail?: string;
  energy?: Recommendation['energy'];
}

function evidence(spec: ContainerSpec, confidence: Recommendation['confidence']): Evidence {
  const e: Evidence = { windowSeconds: 14 * DAY, samples: 20_160, coverage: 0.99, workloadClass: 'steady', confidence };
  if (spec.cpu) {
    const usage = spec.cpuUsage ?? spec.cpu[1] * 0.6;
    e.cpu = { percentile: 0.95, value: usage, peak: usage * 1.8, margin: 0.15, why: 'P95 of CPU usage plus a 15% margin, rounded to 10m' };
  }
  if (spec.memory) {
    const peak = spec.memoryPeak ?? spec.memory[1] * 0.8;
    e.memory = { peak, headroom: 0.2, volatility: 0.05, oomKills: spec.oomKills ?? 0, why: 'peak working set plus 20% headroom' };
  }
  if (spec.gpu) e.gpu = { utilisationP95: 31, memoryPeakBytes: 9 * GI, powerP95Watts: 48, why: 'one L4 carries the observed load' };
  if (spec.notSmallerBecause) e.notSmallerBecause = spec.notSmallerBecause;
  return e;
}

function change(pair: [number, number] | undefined) {
  return pair ? { from: pair[0], to: pair[1] } : undefined;
}

export function recommendation(spec: RecommendationSpec): Recommendation {
  const ref = { cluster: spec.cluster ?? 'prod-eks', namespace: spec.namespace ?? 'shop', kind: spec.kind ?? 'Deployment', name: spec.name };
  const confidence = spec.confidence ?? 'high';
  const containers: ContainerRecommendation[] = (spec.containers ?? [{ cpu: [1, 0.25], memory: [2 * GI, 512 * MI] }]).map((c, i) => {
    const out: ContainerRecommendation = { container: c.name ?? (i === 0 ? 'app' : `sidecar-${i}`), evidence: evidence(c, confidence) };
    if (c.cpu) out.cpuRequest = change(c.cpu);
    if (c.cpuLimit) out.cpuLimit = change(c.cpuLimit);
    if (c.memory) out.memoryRequest = change(c.memory);
    if (c.memoryLimit) out.memoryLimit = change(c.memoryLimit);
    if (c.gpu) { out.gpuRequest = change(c.gpu); out.gpuLimit = change(c.gpu); }
    return out;
  });
  const rec: Recommendation = {
    id: workloadId(ref),
    ref,
    status: 'ok',
    containers,
    confidence,
    evidence: { workloadClass: 'steady', windowSeconds: 14 * DAY, notes: spec.notes ?? [] },
  };
  if (spec.replicas) rec.replicas = change(spec.replicas);
  if (spec.hpa) rec.hpa = spec.hpa;
  if (spec.monthly !== undefined) {
    rec.cost = {
      monthly: spec.monthly,
      currency: spec.currency ?? 'USD',
      priceSource: spec.priceSource ?? 'billing-effective',
      priceDetail: spec.priceDetail ?? 'AWS Cost Explorer, 30 days to 2026-11-15, net of savings plans',
      caveat: SAVINGS_CAVEAT,
    };
  }
  if (spec.energy) rec.energy = spec.energy;
  rec.policy = spec.policy ?? { verdict: 'accepted', notes: [], rules: [] };
  return rec;
}

export interface PlanSpec {
  recommendations: Recommendation[];
  /** Default: one file per recommendation, `apps/<namespace>/<name>/values.yaml`. */
  edits?: Edit[];
  unplaced?: Unplaced[];
  prices?: UnitPrice[];
  asOf?: string;
}

const CLOUD_OF: Record<string, CloudName> = { 'prod-eks': 'aws', 'prod-gke': 'gcp', 'prod-aks': 'azure' };

export function editFor(path: string, recs: Recommendation[]): Edit {
  return {
    path,
    oldText: 'resources:\n  requests:\n    cpu: "1"\n',
    newText: 'resources:\n  requests:\n    cpu: 250m\n',
    recommendations: recs.map(r => r.id),
    locations: recs.map(r => `${r.id}#resources`),
  };
}

export function plan(spec: PlanSpec): Plan {
  const recs = spec.recommendations;
  const edits = spec.edits ?? recs.map(r => editFor(`apps/${r.ref.namespace}/${r.ref.name}/values.yaml`, [r]));
  const clusters = [...new Set(recs.map(r => r.ref.cluster))].sort();
  const prices: UnitPrice[] = spec.prices ?? clusters.map(cluster => ({
    cluster, cloud: CLOUD_OF[cluster] ?? 'on-prem', currency: 'USD', perVcpuHour: 0.04, perGibHour: 0.005,
    perGpuHour: { default: 0.7 }, source: 'billing-effective', detail: `${cluster} billing, 30 days`,
  }));
  const edited = new Set(edits.flatMap(e => e.recommendations));
  const counted = recs.filter(r => edited.has(r.id));
  const monthly = Math.round(counted.reduce((s, r) => s + (r.cost?.monthly ?? 0), 0) * 100) / 100;
  const cloudOf = new Map(prices.map(p => [p.cluster, p.cloud]));
  const clouds = [...new Set(counted.map(r => cloudOf.get(r.ref.cluster)).filter((c): c is CloudName => c !== undefined))].sort();
  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    asOf: spec.asOf ?? '2026-11-16T00:00:00Z',
    recommendations: recs,
    edits,
    unplaced: spec.unplaced ?? [],
    prices,
    totals: { monthly, currency: 'USD', workloads: counted.length, clouds },
  };
}

/** n workloads spread over namespaces and clusters, two containers each, all priced. */
export function largePlan(n: number): Plan {
  const clusters = ['prod-eks', 'prod-gke', 'prod-aks'];
  const recs = Array.from({ length: n }, (_, i) => recommendation({
    cluster: clusters[i % 3],
    namespace: `team-${i % 7}`,
    name: `service-${String(i).padStart(4, '0')}`,
    containers: [
      { name: 'app', cpu: [2, 0.5 + (i % 5) * 0.1], cpuLimit: [4, 1], memory: [4 * GI, 1 * GI + i * MI], memoryLimit: [4 * GI, 2 * GI] },
      { name: 'istio-proxy', cpu: [0.1, 0.05], memory: [256 * MI, 128 * MI] },
    ],
    replicas: i % 4 === 0 ? [6, 4] : undefined,
    monthly: -(10 + (i % 13) * 3.25),
    policy: i % 10 === 0
      ? { verdict: 'clamped', notes: ['clamped memory.request to 1Gi by policies/defaults.yaml#min-memory'], rules: ['policies/defaults.yaml#min-memory'], approvals: ['@example/finops'] }
      : undefined,
    notes: ['steady daily load'],
  }));
  return plan({ recommendations: recs });
}
