// `rightsizer verify`, end to end (the I/O around the pure steps of this folder, like
// src/pipeline.ts for the plan): merged PRs → ledger (ledger.ts) → what runs (one cluster read
// per cluster, src/collect/prometheus/verify.ts) → live or drift (live.ts) → regression
// (regression.ts) → undo pull requests (undo.ts) through the normal delivery path, with Slack.
// A change seen live for the first time gets one comment on its PR (the "record"; later runs
// read the time from it), drift one comment per distinct finding and one Slack alert.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { checkCollectSettings, loadConfig } from '../config/load.ts';
import type { RightsizerConfig, SlackConfig } from '../config/types.ts';
import { UserError, EXIT } from '../core/errors.ts';
import { PLAN_SCHEMA_VERSION, type DriftFinding, type FailedSource, type Plan } from '../core/plan.ts';
import type { WorkloadSpec } from '../core/types.ts';
import { readForVerify, type ArgoApp } from '../collect/prometheus/verify.ts';
import { GitRepo } from '../deliver/git.ts';
import { GitHubRepo, type GitHubTimings } from '../deliver/github.ts';
import { sanitiseBranchPrefix } from '../deliver/group.ts';
import { deliverPullRequests, type DeliveredPullRequest } from '../deliver/index.ts';
import { redactor } from '../deliver/redact.ts';
import { sendSlackMessage, slackAlert } from '../deliver/slack.ts';
import { planEdits, readRepoFiles, type RepoFile } from '../gitops/index.ts';
import { decodeRepoFile } from '../gitops/repo-files.ts';
import { buildLedger, liveComment, readLiveComment, type LedgerEntry } from './ledger.ts';
import type { DashboardInput, DashboardItem } from '../deliver/dashboard.ts';
import { formatMoney } from '../core/money.ts';
import { liveStatus, type LiveState } from './live.ts';
import { findRegressions, windowsFor, type Regression, type Window } from './regression.ts';
import { undoRecommendations } from './undo.ts';

export interface VerifyOptions {
  configPath: string;
  /** The git checkout of the GitOps repository (default: the configuration's folder). */
  repoDir?: string;
  githubRepo?: string;
  githubApiUrl?: string;
  token?: string;
  app?: { appId: string; privateKey: string };
  baseBranch?: string;
  slack?: SlackConfig;
  /** Report only: no comment, no undo pull request, no Slack. */
  dryRun?: boolean;
  now?: Date;
  log?: (line: string) => void;
  githubTimings?: GitHubTimings;
  fetch?: typeof fetch;
}

export interface VerifiedChange {
  pr: number;
  url: string;
  kind: 'change' | 'revert';
  mergedAt: string;
  state: LiveState | 'reverted';
  liveSince?: string;
  summary: string;
  /** Argo CD Applications deploying to its namespaces that are not Synced and Healthy (where argocd_app_info is scraped). */
  argo: string[];
  drift: DriftFinding[];
  regressions: Regression[];
}

export interface VerifyResult {
  /** The ledger as rebuilt from the merged pull requests (`report --ledger FILE` reads it back). */
  ledger: LedgerEntry[];
  changes: VerifiedChange[];
  /** Undo pull requests opened or updated (or, in a dry run, that would be). */
  reverts: DeliveredPullRequest[];
  slack: Array<{ ok: boolean; error?: string }>;
  /** Prometheus queries made, over all clusters. */
  queries: number;
  /** Clusters whose Prometheus could not be read: their changes are unknown this run. */
  failedSources?: FailedSource[];
}

const DRIFT_MARKER = /<!-- rightsizer:drift ([0-9a-f]{16}) -->/;

export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const log = redactor.log(options.log ?? (() => {}));
  redactor.add(options.token);
  redactor.add(options.app?.privateKey);
  try {
    return await run(await loadConfig(options.configPath), options, log);
  } catch (err) {
    throw redactor.error(err);
  }
}

async function run(config: RightsizerConfig, options: VerifyOptions, log: (line: string) => void): Promise<VerifyResult> {
  const now = options.now ?? new Date();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const githubRepo = options.githubRepo ?? config.repository.github;
  if (!githubRepo) throw new UserError('which GitHub repository? pass --github-repo OWNER/NAME or set repository.github in the configuration', { exitCode: EXIT.usage });
  if (!options.token && !options.app) throw new UserError('no GitHub credentials: set GITHUB_TOKEN (or configure a GitHub App); verify reads the merged pull requests', { exitCode: EXIT.usage });
  const github = new GitHubRepo({ repo: githubRepo, apiUrl: options.githubApiUrl, token: options.token, app: options.app, redactor, log, timings: options.githubTimings });
  const settings = config.verify;
  const prefix = sanitiseBranchPrefix(config.pullRequests.branchPrefix);

  // 1. The ledger, from the merged pull requests, with the time each was first seen live.
  const ledger = await fetchLedger(github, config, now);
  log(`ledger: ${ledger.length} merged ${ledger.length === 1 ? 'change' : 'changes'} in the last ${settings.ledgerDays} days`);
  const comments = new Map<number, string[]>();
  for (const entry of ledger) {
    const bodies = await github.commentBodies(entry.pr);
    comments.set(entry.pr, bodies);
    const live = bodies.map(readLiveComment).find(Boolean);
    if (live) entry.liveSince = live;
  }
  const reverted = new Set(ledger.filter(e => e.block.kind === 'revert' && e.block.reverts !== undefined).map(e => e.block.reverts!));

  // 2. One read per cluster: what runs now, and the windows of the changes already live.
  const windowsOf = new Map<LedgerEntry, NonNullable<ReturnType<typeof windowsFor>>>();
  for (const entry of ledger) {
    const w = reverted.has(entry.pr) ? undefined : windowsFor(entry, nowSeconds, settings.regression);
    if (w) windowsOf.set(entry, w);
  }
  const live = new Map<string, WorkloadSpec>();
  const argo: ArgoApp[] = [];
  const failedSources: FailedSource[] = [];
  const clusters = config.clusters.filter(c => ledger.some(e => e.block.workloads.some(w => w.id.startsWith(`${c.name}/`))));
  // `${VAR}` in Prometheus URLs and the variables auth names: checked (and filled in) as for collect.
  checkCollectSettings(config, clusters);
  const events = new Map<string, Window>(); // `${cluster}|${start}|${end}` → events
  let queries = 0;
  for (const cluster of clusters) {
    const ids = [...new Set(ledger.flatMap(e => e.block.workloads.map(w => w.id)))].filter(id => id.startsWith(`${cluster.name}/`));
    if (ids.length === 0) continue;
    // Only the windows of the changes that touch this cluster.
    const windows = dedupe([...windowsOf].filter(([e]) => e.block.workloads.some(w => w.id.startsWith(`${cluster.name}/`))).flatMap(([, w]) => [w.before, w.after]));
    log(`reading ${ids.length} ${ids.length === 1 ? 'workload' : 'workloads'} of ${cluster.name} from Prometheus (${windows.length} ${windows.length === 1 ? 'window' : 'windows'})`);
    let reading;
    try {
      reading = await readForVerify(cluster, ids, nowSeconds, windows, { fetch: options.fetch });
    } catch (err) {
      // One cluster's Prometheus failing leaves its changes unknown (never drift, never an undo); the others go on.
      const hint = err instanceof UserError && err.hint ? ` (${err.hint})` : '';
      failedSources.push({ source: `prometheus:${cluster.name}`, error: `${(err as Error).message}${hint}` });
      log(`error: ${cluster.name}: ${(err as Error).message}${hint}`);
      continue;
    }
    queries += reading.queries;
    for (const [id, spec] of reading.live) live.set(id, spec);
    argo.push(...reading.argo);
    reading.windows.forEach((w, i) => events.set(`${cluster.name}|${windows[i].start}|${windows[i].end}`, { ...w, start: windows[i].start, end: windows[i].end }));
  }
  const windowEvents = (w: { start: number; end: number }, entry: LedgerEntry): Window => {
    const byContainer = new Map();
    for (const cluster of new Set(entry.block.workloads.map(x => x.id.split('/')[0]))) {
      for (const [k, v] of events.get(`${cluster}|${w.start}|${w.end}`)?.byContainer ?? []) byContainer.set(k, v);
    }
    return { start: w.start, end: w.end, byContainer };
  };

  // 3. Live or drift.
  const statuses = liveStatus(ledger, live, now, settings.liveAfterMinutes * 60);
  const result: VerifyResult = { ledger, changes: [], reverts: [], slack: [], queries, ...(failedSources.length ? { failedSources } : {}) };
  for (const s of statuses) {
    const entry = s.entry;
    const namespaces = new Set(entry.block.workloads.map(w => w.id.split('/')[1]));
    const unsynced = argo.filter(a => namespaces.has(a.namespace) && (a.sync !== 'Synced' || a.health !== 'Healthy'))
      .map(a => `Argo CD Application ${a.name} (namespace ${a.namespace}): ${a.sync || 'sync unknown'}, ${a.health || 'health unknown'}`).sort();
    const failed = failedSources.filter(f => entry.block.workloads.some(w => f.source === `prometheus:${w.id.split('/')[0]}`)).map(f => f.source);
    const summary = reverted.has(entry.pr) ? `#${entry.pr} was undone`
      : s.state === 'unknown' && failed.length ? `#${entry.pr}: unknown this run, ${failed.join(', ')} could not be read` : s.summary;
    const change: VerifiedChange = {
      pr: entry.pr, url: entry.url, kind: entry.block.kind, mergedAt: entry.mergedAt,
      state: reverted.has(entry.pr) ? 'reverted' : s.state, summary: unsynced.length && s.state !== 'live' ? `${summary}; ${unsynced.join('; ')}` : summary,
      ...(entry.liveSince ? { liveSince: entry.liveSince } : {}), argo: unsynced, drift: s.state === 'drift' ? s.findings : [], regressions: [],
    };
    result.changes.push(change);
    log(change.summary);
    if (options.dryRun) continue;
    if (s.state === 'live' && !entry.liveSince) {
      const text = `rightsizer verified that this change runs in the cluster (seen ${now.toISOString()}). It now watches OOM kills, restarts and CPU throttling against the ${settings.regression.windowHours} h before the merge, and opens an undo pull request on a regression.`;
      await github.comment(entry.pr, liveComment(now.toISOString(), text));
      change.liveSince = now.toISOString();
    }
    if (s.state === 'drift') {
      // One comment and one Slack alert per distinct drift, not one per run.
      const digest = createHash('sha256').update(JSON.stringify(s.findings.map(f => [f.workload, f.container, f.field, f.git, f.live]))).digest('hex').slice(0, 16);
      const seen = (comments.get(entry.pr) ?? []).some(b => DRIFT_MARKER.exec(b)?.[1] === digest);
      if (!seen) {
        const lines = [...s.findings.map(f => `${f.workload}${f.container ? ` container ${f.container}` : ''} ${f.field}: Git ${f.git}, live ${f.live ?? 'unset'}`), ...change.argo];
        await github.comment(entry.pr, `<!-- rightsizer:drift ${digest} -->\n**Drift**: the cluster does not run what this pull request merged ${settings.liveAfterMinutes} min or more ago. rightsizer proposes nothing for these containers until Git and the cluster agree:\n\n${lines.map(l => `- \`${l}\``).join('\n')}`);
        if (options.slack) {
          const r = await sendSlackMessage(() => slackAlert(`rightsizer: drift after #${entry.pr}`, lines, { url: entry.url, label: `Open #${entry.pr}` }), { key: `${entry.url}#drift`, what: `drift after #${entry.pr}` }, options.slack, { log, ...(options.fetch ? { fetch: options.fetch } : {}) });
          result.slack.push(r.error === undefined ? { ok: r.ok } : { ok: r.ok, error: r.error });
        }
      }
    }
  }

  // 4. Regressions of the changes that run, and their undo.
  const repoDir = path.resolve(options.repoDir ?? path.dirname(config.file));
  const baseBranch = options.baseBranch ?? config.repository.baseBranch ?? 'main';
  let files: RepoFile[] | undefined;
  for (const s of statuses) {
    const entry = s.entry;
    const windows = windowsOf.get(entry);
    if (!windows || s.state !== 'live') continue;
    const regressions = findRegressions(entry, windowEvents(windows.before, entry), windowEvents(windows.after, entry), settings.regression);
    const change = result.changes.find(c => c.pr === entry.pr)!;
    change.regressions = regressions;
    if (regressions.length === 0) continue;
    for (const r of regressions) log(`regression after #${entry.pr}: ${r.evidence}`);
    const recs = undoRecommendations(entry, ledger, regressions, settings.regression);
    if (recs.length === 0) { log(`#${entry.pr}: nothing of it is still in Git to undo`); continue; }
    files ??= await filesAtBase(repoDir, baseBranch, config, log);
    const { edits, unplaced } = planEdits(files, recs, { repository: config.repository, clusters: config.clusters });
    const plan: Plan = {
      schemaVersion: PLAN_SCHEMA_VERSION, asOf: now.toISOString(), recommendations: recs, edits, unplaced, prices: [],
      totals: { monthly: 0, currency: 'USD', workloads: recs.length, clouds: [] },
      revert: { pr: entry.pr, url: entry.url, evidence: regressions.map(r => r.evidence) },
    };
    for (const u of unplaced) log(`undo of #${entry.pr}: ${u.recommendation}${u.container ? ` ${u.container}` : ''}${u.field ? ` ${u.field}` : ''} not placed: ${u.reason}`);
    const delivered = await deliverPullRequests(plan, {
      repoDir, githubRepo, githubApiUrl: options.githubApiUrl, token: options.token, app: options.app, baseBranch,
      pullRequests: {
        ...config.pullRequests, groupBy: 'repository', branchPrefix: `${prefix}revert-${entry.pr}/`,
        labels: [...new Set([...config.pullRequests.labels, settings.revertLabel])],
        // An undo is never held back by the PR limits or made a draft.
        maxOpenPullRequests: 0, maxPullRequestsPerRun: 0, draftBelowConfidence: undefined,
      },
      slack: options.slack, dryRun: options.dryRun, log, now, githubTimings: options.githubTimings, ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    result.reverts.push(...delivered.pullRequests);
    result.slack.push(...delivered.slack);
  }
  return result;
}

/** The merged rightsizer pull requests of the last `verify.ledgerDays`, as a ledger. */
export async function fetchLedger(github: GitHubRepo, config: RightsizerConfig, now: Date): Promise<LedgerEntry[]> {
  const since = new Date(now.getTime() - config.verify.ledgerDays * 86_400_000);
  const prefix = sanitiseBranchPrefix(config.pullRequests.branchPrefix);
  const merged = await github.mergedBotPulls(prefix, [...config.pullRequests.labels, config.verify.revertLabel], since);
  return buildLedger(merged.map(p => ({ number: p.number, url: p.url, body: p.body, mergedAt: p.mergedAt })));
}

/** Days a verified or reverted change stays on the dashboard. */
const DASHBOARD_RECENT_DAYS = 30;

/**
 * What the dashboard issue shows of the loop, for a `pr` run: the plan's drift, the changes
 * verified live and the undos merged in the last 30 days (from the ledger and the live
 * comments verify left). Reads GitHub only: no Prometheus, no billing.
 */
export async function loopDashboard(github: GitHubRepo, ledger: LedgerEntry[], plan: Plan, now: Date): Promise<Pick<DashboardInput, 'drift' | 'verified' | 'reverted' | 'realisedSavings'>> {
  const since = now.getTime() - DASHBOARD_RECENT_DAYS * 86_400_000;
  const recent = ledger.filter(e => Date.parse(e.mergedAt) >= since);
  const reverted = new Set(recent.filter(e => e.block.kind === 'revert').map(e => e.block.reverts));
  const names = (e: LedgerEntry) => `${e.block.workloads[0].id}${e.block.workloads.length > 1 ? ` and ${e.block.workloads.length - 1} more` : ''}`;
  const verified: DashboardItem[] = [];
  let predicted = 0, currency = 'USD';
  for (const e of recent.filter(x => x.block.kind === 'change' && !reverted.has(x.pr))) {
    const live = (await github.commentBodies(e.pr)).map(readLiveComment).find(Boolean);
    if (!live) continue;
    const monthly = e.block.workloads.reduce((a, w) => a + (w.monthly ?? 0), 0);
    predicted += monthly;
    currency = e.block.workloads.find(w => w.currency)?.currency ?? currency;
    verified.push({ workload: names(e), summary: `#${e.pr} live since ${live.slice(0, 10)}${monthly ? `, predicted ${formatMoney(monthly, currency)}/month` : ''}`, url: e.url });
  }
  const revertedItems: DashboardItem[] = recent.filter(e => e.block.kind === 'revert').map(e => ({ workload: names(e), summary: `#${e.pr} undid #${e.block.reverts} after a regression`, url: e.url }));
  const drift: DashboardItem[] = (plan.drift ?? []).map(d => ({ workload: d.workload, summary: `${d.container ? `${d.container} ` : ''}${d.field}: Git ${d.git}, live ${d.live ?? 'unset'}; nothing proposed for it` }));
  return {
    ...(drift.length ? { drift } : {}),
    ...(verified.length ? { verified, realisedSavings: `Predicted ${formatMoney(predicted, currency)}/month over ${verified.length} verified ${verified.length === 1 ? 'change' : 'changes'}; \`rightsizer report\` shows what the bill says.` } : {}),
    ...(revertedItems.length ? { reverted: revertedItems } : {}),
  };
}

function dedupe(windows: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const seen = new Map<string, { start: number; end: number }>();
  for (const w of windows) seen.set(`${w.start}|${w.end}`, w);
  return [...seen.values()].sort((a, b) => a.end - b.end || a.start - b.start);
}

/**
 * The repository files as the base branch holds them now (the checkout may be older than the
 * merges it verifies): the checkout's files, with every file that differs on the base read from
 * the base commit.
 */
async function filesAtBase(repoDir: string, baseBranch: string, config: RightsizerConfig, log: (line: string) => void): Promise<RepoFile[]> {
  const git = new GitRepo({ dir: repoDir, redactor, log });
  await git.check();
  const base = await git.fetchBranch(baseBranch);
  if (!base) throw new UserError(`the base branch "${baseBranch}" does not exist on ${await git.remoteUrlForDisplay()}`, { hint: 'set repository.baseBranch in rightsizer.yaml or pass --base' });
  const files = await readRepoFiles(repoDir, { include: config.repository.include, exclude: config.repository.exclude });
  const changed = (await git.changedPaths('HEAD', base)).filter(p => /\.ya?ml$/i.test(p));
  if (changed.length === 0) return files;
  const byPath = new Map(files.map(f => [f.path, f]));
  // Files the base changed or added (under include, when set); a file the base deleted is dropped.
  for (const p of changed) {
    const bytes = await git.readBytes(base, p);
    if (bytes === undefined) byPath.delete(p);
    else if (byPath.has(p) || !config.repository.include?.length) byPath.set(p, decodeRepoFile(p, bytes));
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
