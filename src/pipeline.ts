// The pipeline, end to end: collect → snapshot → recommend → policy → price → edit.
// The CLI and the GitHub Action both call these two functions; `deliver` takes the plan.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCollectSettings, loadConfig } from './config/load.ts';
import type { ClusterConfig, RightsizerConfig } from './config/types.ts';
import { UserError, EXIT } from './core/errors.ts';
import { PLAN_SCHEMA_VERSION, type Plan, type PlanTotals } from './core/plan.ts';
import { workloadId, type Recommendation, type UnitPrice, type UsageProfile } from './core/types.ts';
import { collectUsage } from './collect/prometheus/index.ts';
import { collectBilling } from './collect/billing.ts';
import { priceRecommendation, priceRecommendations } from './cost/savings.ts';
import { prometheusReplayHandler } from './demo/prometheus-replay.ts';
import { billingReplayHandler } from './demo/billing-replay.ts';
import { startReplayServer, type ReplayServer } from './demo/replay-server.ts';
import { planEdits, readRepoFiles } from './gitops/index.ts';
import { applyPolicies, defaultPolicyFiles, loadPolicies, readPolicyFiles, type PolicyContext, type PolicySet } from './policy/index.ts';
import { recommendWorkload } from './recommend/index.ts';
import { SNAPSHOT_SCHEMA_VERSION, sortPrices, type Snapshot, type SourceStatus } from './snapshot/index.ts';
import { saneProfiles } from './snapshot/sanity.ts';
import { redact } from './deliver/redact.ts';
import { plural } from './core/text.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The bundled demo: a fixed usage window, so the demo plan is the same on every run. */
export const DEMO = {
  config: path.join(projectRoot, 'fixtures/rightsizer.yaml'),
  repo: path.join(projectRoot, 'fixtures/gitops-repo'),
  prometheus: path.join(projectRoot, 'fixtures/demo/prometheus'),
  billing: path.join(projectRoot, 'fixtures/demo/billing'),
  windowEnd: '2026-11-16T00:00:00Z',
  /** Merged changes of the demo (what `verify` would rebuild from GitHub), and the day the demo's bill runs to (exclusive). */
  ledger: path.join(projectRoot, 'fixtures/demo/ledger.json'),
  ledgerUntil: '2026-12-01',
  env: { DEMO_AWS_ACCESS_KEY_ID: 'AKIADEMODEMODEMODEMO', DEMO_AWS_SECRET_ACCESS_KEY: 'demo-secret-not-a-real-key' },
};

export interface CollectOptions {
  configPath?: string;
  demo?: boolean;
  /** `i/n`: collect only the clusters of shard i of n (1-based); billing comes with shard 1. */
  shard?: string;
  /** Collect only the clusters this accepts (`plan --cluster`). */
  clusterFilter?: (name: string) => boolean;
  quiet?: boolean;
  /** End of the usage window; defaults to now (the demo uses its recorded window). */
  now?: Date;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface PlanOptions {
  configPath?: string;
  demo?: boolean;
  /** The GitOps checkout; defaults to the folder of the configuration file. */
  repoDir?: string;
  log?: (line: string) => void;
}

export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard "${text}" is not of the form i/n with 1 ≤ i ≤ n (e.g. 1/3)`, { exitCode: EXIT.usage });
  }
  return { index, count };
}

async function configFor(options: { configPath?: string; demo?: boolean }, vars: Record<string, string> = {}): Promise<RightsizerConfig> {
  if (options.demo) return loadConfig(DEMO.config, { vars: { DEMO_URL: 'http://127.0.0.1:0', ...vars } });
  return loadConfig(options.configPath ?? 'rightsizer.yaml', { vars });
}

/** Reads usage from every cluster's Prometheus and costs from every billing source. */
export async function collect(options: CollectOptions = {}): Promise<{ snapshot: Snapshot; config: RightsizerConfig; close(): Promise<void> }> {
  const log = options.log ?? (() => {});
  let server: ReplayServer | undefined;
  try {
    if (options.demo) {
      server = await startReplayServer([prometheusReplayHandler(DEMO.prometheus), billingReplayHandler(DEMO.billing)]);
      for (const [k, v] of Object.entries(DEMO.env)) process.env[k] ??= v;
    }
    const config = await configFor(options, server ? { DEMO_URL: server.url } : {});
    const end = options.demo ? new Date(DEMO.windowEnd) : (options.now ?? new Date());
    const endSeconds = Math.floor(end.getTime() / 1000 / 300) * 300;
    const window = { start: endSeconds - config.engine.historyDays * 86400, end: endSeconds };
    const shard = parseShard(options.shard);
    const sharded = shard ? config.clusters.filter((_, i) => i % shard.count === shard.index - 1) : config.clusters;
    const clusters = options.clusterFilter ? sharded.filter(c => options.clusterFilter!(c.name)) : sharded;
    checkCollectSettings(config, clusters);

    const profiles: UsageProfile[] = [];
    const sources: SourceStatus[] = [];
    for (const cluster of clusters) {
      log(`collecting usage from ${cluster.name} (${cluster.prometheus.url.replace(/\/\/[^@/]*@/, '//')})`);
      try {
        const result = await collectUsage(cluster, window, { quiet: options.quiet, onProgress: options.onProgress });
        profiles.push(...result.profiles);
        const read = result.costs.reduce((n, c) => n + c.samplesRead, 0);
        const peak = result.costs.reduce((n, c) => Math.max(n, c.peakSamples), 0);
        sources.push({
          source: `prometheus:${cluster.name}`, ok: true,
          detail: `${plural(result.profiles.length, 'workload')}, ${plural(result.queries, 'query', 'queries')}, ${read} samples read, largest query ${peak} peak samples`,
          // Sorted (queries finish in any order) so two collections of one window give the same bytes.
          queries: [...result.costs].sort((a, b) => a.query.localeCompare(b.query) || a.samplesRead - b.samplesRead || a.peakSamples - b.peakSamples),
        });
        for (const w of result.warnings) log(`warning: ${cluster.name}: ${w}`);
      } catch (err) {
        // The hint (what to check) travels with the message: the run goes on to the next cluster.
        const hint = err instanceof UserError && err.hint ? ` (${err.hint})` : '';
        sources.push({ source: `prometheus:${cluster.name}`, ok: false, error: `${(err as Error).message}${hint}` });
        log(`error: ${cluster.name}: ${(err as Error).message}${hint}`);
      }
    }

    let billing = { rows: [] as Snapshot['costs'], prices: [] as UnitPrice[], forecasts: [] as Snapshot['forecasts'], sources: [] as SourceStatus[] };
    if (!shard || shard.index === 1) {
      const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
      const lookback = config.billing.lookbackDays ?? 30;
      log('collecting billing data');
      billing = await collectBilling(config.billing, config.clusters, { start: day(window.end - lookback * 86400), end: day(window.end) }, { log });
    }
    const prices = sortPrices(withConfiguredPrices(billing.prices, config.clusters));
    const snapshot: Snapshot = {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      createdAt: new Date(window.end * 1000).toISOString(),
      window: { start: new Date(window.start * 1000).toISOString(), end: new Date(window.end * 1000).toISOString() },
      ...(shard ? { shard } : {}),
      clusters: clusters.map(c => ({ name: c.name, cloud: c.cloud, ...(c.region ? { region: c.region } : {}) })),
      profiles: profiles.sort((a, b) => workloadId(a.ref).localeCompare(workloadId(b.ref))),
      costs: billing.rows,
      prices,
      forecasts: billing.forecasts,
      // A server may echo credentials in its error: the snapshot (an uploaded artifact) never carries them.
      sources: [...sources, ...billing.sources].map(s => (s.error === undefined ? s : { ...s, error: redact(s.error) })),
    };
    return { snapshot, config, close: async () => {} };
  } finally {
    await server?.close();
  }
}

/**
 * Cost rows of a day range from the configured billing sources (the days around merged changes,
 * for realised savings); the demo replays its recordings.
 */
export async function collectCostRows(range: { start: string; end: string }, options: { configPath?: string; demo?: boolean; log?: (line: string) => void }): Promise<{ rows: Snapshot['costs']; sources: SourceStatus[] }> {
  let server: ReplayServer | undefined;
  try {
    if (options.demo) {
      server = await startReplayServer([billingReplayHandler(DEMO.billing)]);
      for (const [k, v] of Object.entries(DEMO.env)) process.env[k] ??= v;
    }
    const config = await configFor(options, server ? { DEMO_URL: server.url } : {});
    const billing = await collectBilling(config.billing, config.clusters, range, { log: options.log });
    return { rows: billing.rows, sources: billing.sources };
  } finally {
    await server?.close();
  }
}

/**
 * Why a collection read nothing at all (every source failed), or undefined. `collect` exits
 * non-zero then, so a CI job does not stay green on an empty snapshot.
 */
export function nothingRead(snapshot: Snapshot): string | undefined {
  if (snapshot.sources.length === 0 || snapshot.sources.some(s => s.ok)) return undefined;
  return `nothing could be read: all ${snapshot.sources.length} source${snapshot.sources.length === 1 ? '' : 's'} failed (${snapshot.sources.map(s => s.source).join(', ')})`;
}

/** On-prem clusters (and clouds whose billing is not configured) are priced from the config's table. */
function withConfiguredPrices(prices: UnitPrice[], clusters: ClusterConfig[]): UnitPrice[] {
  const out = [...prices];
  for (const c of clusters) {
    if (!c.prices || out.some(p => p.cluster === c.name)) continue;
    out.push({
      cluster: c.name, cloud: c.cloud, region: c.region, currency: c.prices.currency,
      perVcpuHour: c.prices.perVcpuHour, perGibHour: c.prices.perGibHour, perGpuHour: c.prices.perGpuHour ?? {},
      source: 'on-prem-config', detail: `price table in rightsizer.yaml for cluster ${c.name}`,
    });
  }
  return out;
}

/** Turns a snapshot into a plan: recommendations, policy verdicts, prices and file edits. */
export async function planFromSnapshot(collected: Snapshot, options: PlanOptions = {}): Promise<Plan> {
  const config = await configFor(options);
  // Usage and today's settings enter the plan here, once: figures outside physical sense go.
  const sanity = saneProfiles(collected.profiles);
  for (const w of sanity.warnings) options.log?.(`warning: ${w}`);
  const snapshot: Snapshot = { ...collected, profiles: sanity.profiles };
  const repoDir = options.repoDir ?? (options.demo ? DEMO.repo : path.dirname(config.file));
  const recommendations = snapshot.profiles.map(profile => recommendFor(profile, config));

  const policies = await repositoryPolicies(config, repoDir);
  const governed = applyPolicies(recommendations, policies, policyContext(snapshot));
  const priced = priceRecommendations(governed, snapshot.profiles, snapshot.prices);

  const files = await readRepoFiles(repoDir, { include: config.repository.include, exclude: config.repository.exclude });
  const live = new Map(snapshot.profiles.map(p => [workloadId(p.ref), p.current]));
  const { edits, unplaced, drift } = planEdits(files, priced, { repository: config.repository, clusters: config.clusters, live });
  for (const d of drift) options.log?.(`drift: ${d.workload}${d.container ? ` container ${d.container}` : ''} ${d.field}: ${d.reason}`);
  const failed = snapshot.sources.filter(s => !s.ok).map(s => ({ source: s.source, error: s.error ?? 'failed' }));
  options.log?.(`planned ${edits.length} file edits for ${priced.filter(r => r.status === 'ok').length} workloads`);

  return {
    schemaVersion: PLAN_SCHEMA_VERSION,
    asOf: snapshot.createdAt,
    recommendations: priced,
    edits,
    unplaced,
    prices: snapshot.prices,
    totals: planTotals(priced, new Set(edits.flatMap(e => e.recommendations)), snapshot),
    ...(failed.length ? { failedSources: failed } : {}),
    ...(drift.length ? { drift } : {}),
  };
}

/** The engine's recommendation for one workload, with the configuration's engine settings. */
export function recommendFor(profile: UsageProfile, config: RightsizerConfig): Recommendation {
  return recommendWorkload(profile, {
    historyDays: config.engine.historyDays,
    cpuPercentile: config.engine.cpuPercentile,
    targetUtilisation: config.engine.targetUtilisation,
    wattsPerCore: config.engine.wattsPerCore,
    carbonIntensity: config.clusters.find(c => c.name === profile.ref.cluster)?.carbonIntensity,
  });
}

/** The repository's policies; rightsizer's cautious defaults when it has none. */
export async function repositoryPolicies(config: RightsizerConfig, repoDir: string): Promise<PolicySet> {
  let policyFiles = await readPolicyFiles(config.policies, repoDir);
  if (policyFiles.length === 0) policyFiles = await readPolicyFiles(defaultPolicyFiles(), repoDir);
  const { policies, errors } = loadPolicies(policyFiles);
  if (errors.length > 0) throw errors[0];
  return policies;
}

/** What the policy stage is told about a snapshot's workloads: labels, history, today's settings, and how to price a change. */
export function policyContext(snapshot: Snapshot): PolicyContext {
  const profileById = new Map(snapshot.profiles.map(p => [workloadId(p.ref), p]));
  const price = (rec: Recommendation) => {
    const profile = profileById.get(rec.id);
    const unit = snapshot.prices.find(p => p.cluster === rec.ref.cluster && (!p.nodePool || p.nodePool === profile?.current.nodePool))
      ?? snapshot.prices.find(p => p.cluster === rec.ref.cluster);
    return profile ? priceRecommendation(rec, profile.current, unit) : undefined;
  };
  const workloads = Object.fromEntries(snapshot.profiles.map(p => [workloadId(p.ref), {
    labels: p.current.labels,
    historySeconds: historySeconds(p, snapshot),
    annotations: p.current.annotations,
    replicas: p.current.replicas,
    containers: p.current.containers,
  }]));
  return { now: new Date(snapshot.createdAt), workloads, price };
}

/**
 * Seconds of usage history a workload has. The first sample of a range query comes one step
 * after the window's start, so a workload seen from (nearly) the start has the whole window:
 * a 14-day window meets a policy's `minHistory: 14d`. "Nearly": within 1% of the window, at
 * most an hour (the largest step).
 */
export function historySeconds(profile: UsageProfile, snapshot: Pick<Snapshot, 'window'>): number {
  const start = Date.parse(snapshot.window.start) / 1000, end = Date.parse(snapshot.window.end) / 1000;
  const slack = Math.min(3600, (end - start) / 100);
  const spans = profile.containers.map(c => (c.firstSample - start <= slack ? Math.max(c.lastSample, c.firstSample) - start : c.lastSample - c.firstSample));
  return Math.max(0, Math.min(end - start, Math.max(0, ...spans)));
}

function planTotals(recs: Recommendation[], edited: Set<string>, snapshot: Snapshot): PlanTotals {
  const included = recs.filter(r => edited.has(r.id));
  const currencies = [...new Set(included.map(r => r.cost?.currency).filter(Boolean))] as string[];
  const clouds = [...new Set(included.map(r => snapshot.clusters.find(c => c.name === r.ref.cluster)?.cloud).filter(Boolean))] as string[];
  return {
    monthly: Math.round(included.reduce((sum, r) => sum + (r.cost?.monthly ?? 0), 0) * 100) / 100,
    currency: currencies.length === 1 ? currencies[0] : currencies.length === 0 ? 'USD' : 'mixed',
    workloads: included.length,
    clouds: clouds.sort(),
  };
}

/** collect + planFromSnapshot in one go (what `plan` and the Action do without --snapshot). */
export async function runPlan(options: CollectOptions & PlanOptions): Promise<{ snapshot: Snapshot; plan: Plan }> {
  const { snapshot } = await collect(options);
  const plan = await planFromSnapshot(snapshot, options);
  return { snapshot, plan };
}
