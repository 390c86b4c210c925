// Delivers a plan as pull requests, the way the calmest PR bots do (Renovate,
// peter-evans/create-pull-request): one deterministic branch per group, one commit regenerated
// from the current base head on every run, pushed with --force-with-lease; the open PR found by
// its branch and updated in place; nothing pushed when nothing changed; a PR closed without merge
// means "not this change" for a while; a branch someone else pushed to is left alone. One
// dashboard issue lists it all, is updated in place, and its ticked boxes are read back first
// ("propose again" lifts a closed-PR ignore; "run again" is reported).
//
// Every line logged and every error thrown goes through one Redactor.

import type { DashboardConfig, PullRequestConfig, SlackConfig } from '../config/types.ts';
import { UserError, EXIT } from '../core/errors.ts';
import { plural } from '../core/text.ts';
import type { Plan } from '../core/plan.ts';
import { needsAttention } from '../recommend/attention.ts';
import type { Confidence } from '../core/types.ts';
import { unifiedDiff } from '../core/unified-diff.ts';
import { DEFAULT_BOT_IDENTITY, GitRepo, type CommitInfo, type GitIdentity } from './git.ts';
import { DASHBOARD_MARKER, ignoredKey, readDashboard, renderDashboard, type DashboardInput, type DashboardRequests, type IgnoredChange } from './dashboard.ts';
import { bodyWithMarker, bodyWithoutMarker, bodyWithSlackRef, editedByHuman, GitHubRepo, readMarker, sha256, type GitHubTimings, type IssueSummary, type PullSummary } from './github.ts';
import { notUtf8 } from '../gitops/repo-files.ts';
import { groupPlan, sanitiseBranchPrefix } from './group.ts';
import { DEFAULT_MAX_BODY_LENGTH, renderPullRequestBody, workloadName } from './pr-body.ts';
import { ledgerBlock, renderLedgerBlock } from '../loop/ledger.ts';
import { redactor, type Redactor } from './redact.ts';
import { checkScope } from './scope.ts';
import { memorySlackState, notifySlack, slackMessage, slackStateKey, type SlackMessage, type SlackState } from './slack.ts';
import type { PullRequestGroup } from './types.ts';

export interface DeliverOptions {
  repoDir: string;
  /** owner/name */
  githubRepo: string;
  githubApiUrl?: string;
  token?: string;
  app?: { appId: string; privateKey: string };
  baseBranch: string;
  pullRequests: PullRequestConfig;
  slack?: SlackConfig;
  dryRun?: boolean;
  log?: (line: string) => void;
  now?: Date;
  /** Rate-limit retry timing (tests make waits tiny). */
  githubTimings?: GitHubTimings;
  /** Where Slack message references are kept between runs (so a later run edits its message). */
  slackState?: SlackState;
  /** For Slack tests. */
  fetch?: typeof fetch;
  /** The dashboard issue; absent or disabled: none. */
  dashboard?: DashboardConfig;
  /** Sections other stages feed into the dashboard (drift, verified and reverted changes). */
  dashboardExtras?: Pick<DashboardInput, 'drift' | 'verified' | 'reverted' | 'realisedSavings'>;
}

/** What happened, or in a dry run what would happen (`would create`, `would update`). */
export type DeliveryAction = 'created' | 'updated' | 'unchanged' | 'skipped' | 'would create' | 'would update';

/** In a dry run: exactly what would be pushed and posted. */
export interface DeliveryPreview {
  /** Unified diff of the commit that would be pushed; empty when the branch already holds it. */
  diff: string;
  title: string;
  /** The PR body as it would be written, hidden marker included. */
  body: string;
  draft: boolean;
  /** The Slack message that would be posted (or edited), when Slack is configured. */
  slack?: SlackMessage;
}

export interface DeliveredPullRequest {
  group: string;
  branch: string;
  action: DeliveryAction;
  number?: number;
  url?: string;
  reason?: string;
  preview?: DeliveryPreview;
}

export interface DeliveredDashboard {
  action: 'created' | 'updated' | 'unchanged' | 'would create' | 'would update' | 'failed';
  number?: number;
  url?: string;
  /** In a dry run: the body it would write. */
  body?: string;
  error?: string;
}

export interface DeliveryResult {
  pullRequests: DeliveredPullRequest[];
  slack: Array<{ ok: boolean; error?: string }>;
  dashboard?: DeliveredDashboard;
  /** Someone ticked "run again" on the dashboard (the box is cleared by this run). */
  runAgain?: boolean;
}

/** The comment left (once) on a PR whose branch someone else pushed to. */
export const HANDS_OFF_MARKER = '<!-- rightsizer:hands-off -->';

const CONFIDENCE_RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
const DAY_MS = 86_400_000;

/**
 * What "this change" is, independent of unrelated lines in the files: the edited paths and
 * locations, and each recommendation's target values. A PR closed without merge carries it, so
 * the same values are not proposed again during the cooldown.
 */
export function changeDigest(group: PullRequestGroup): string {
  const edits = group.edits.map(e => ({ path: e.path, locations: [...e.locations].sort() })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const to = (c: { to?: number } | undefined) => c?.to;
  const recs = group.recommendations.map(r => ({
    id: r.id,
    containers: r.containers.map(c => [c.container, to(c.cpuRequest), to(c.cpuLimit), to(c.memoryRequest), to(c.memoryLimit), to(c.gpuRequest), to(c.gpuLimit)])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    replicas: to(r.replicas),
    hpa: r.hpa ? [to(r.hpa.minReplicas), to(r.hpa.maxReplicas), to(r.hpa.targetCPUUtilization), to(r.hpa.targetMemoryUtilization)] : undefined,
  })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sha256(JSON.stringify({ edits, recs }));
}

/** The title of an undo pull request: what it reverts and where. */
export function revertTitle(group: PullRequestGroup, pr: number): string {
  const names = group.recommendations.map(workloadName);
  const where = names.length === 1 ? names[0] : plural(names.length, 'workload');
  return `rightsizer: undo #${pr} after a regression in ${where}`;
}

/** Draft when any recommendation is less confident than the configured threshold. */
export function isDraft(group: PullRequestGroup, below: Confidence | undefined): boolean {
  if (!below) return false;
  return group.recommendations.some(r => CONFIDENCE_RANK[r.confidence] < CONFIDENCE_RANK[below]);
}

/**
 * The commit message records the tree the bot built (a commit cannot name its own sha, but it
 * can name its tree): a branch whose tree is not the recorded one was changed by someone else.
 */
function commitMessage(group: PullRequestGroup, digest: string, tree: string): string {
  const files = group.edits.map(e => `- ${e.path}`).join('\n');
  return `${group.title}\n\nFiles:\n${files}\n\nRightsizer-Group: ${group.key}\nRightsizer-Digest: ${digest}\nRightsizer-Tree: ${tree}\n`;
}

/**
 * Why the branch is not rightsizer's to overwrite, or undefined when its head is exactly the
 * commit rightsizer pushed: one commit over the base whose tree is the one its message records.
 * Amend, rebase, squash and force-push all change the tree (or drop the record), whoever the
 * author claims to be.
 */
export function foreignReason(branch: string, baseBranch: string, remote: CommitInfo, ahead: number, identity: GitIdentity): string | undefined {
  const recorded = /^Rightsizer-Tree: ([0-9a-f]{40,64})$/m.exec(remote.message)?.[1];
  const short = remote.sha.slice(0, 12);
  if (remote.authorEmail.toLowerCase() !== identity.email.toLowerCase()) return `the latest commit on ${branch} (${short}) was made by ${remote.authorName}, not rightsizer`;
  if (ahead > 1) return `${branch} has ${ahead} commits over ${baseBranch}, and rightsizer only ever makes one`;
  if (!recorded) return `the latest commit on ${branch} (${short}) does not carry the tree rightsizer records when it pushes`;
  if (recorded !== remote.tree) return `${branch} (${short}) is not the commit rightsizer pushed: its content was changed (amended, rebased or force-pushed)`;
  return undefined;
}

function handsOffComment(branch: string, reason: string): string {
  return `${HANDS_OFF_MARKER}\nrightsizer is leaving this pull request alone: ${reason}.\n\n` +
    `It will not push to \`${branch}\` or edit this pull request while that is so. To hand it back, close this pull request and delete the branch; the next run proposes the change afresh.`;
}

/** Refuses any branch that is the base or outside the bot's prefix. */
export function assertSafeBranch(branch: string, baseBranch: string, branchPrefix: string): void {
  const prefix = sanitiseBranchPrefix(branchPrefix);
  if (!prefix) throw new UserError('pullRequests.branchPrefix is empty: rightsizer only pushes to branches under its own prefix (e.g. "rightsizer/")', { exitCode: EXIT.usage });
  // git cannot hold `main` and `main/all` at once: a prefix named after the base branch can never be pushed.
  if (prefix.replace(/\/+$/, '') === baseBranch) {
    throw new UserError(`pullRequests.branchPrefix "${branchPrefix}" puts rightsizer's branches under the base branch's name; git cannot create ${branch} beside ${baseBranch}`, { exitCode: EXIT.usage, hint: 'use a prefix of its own, e.g. "rightsizer/"' });
  }
  if (branch === baseBranch || !branch.startsWith(prefix) || branch.length <= prefix.length) {
    throw new UserError(`refusing to push to "${branch}": rightsizer only pushes to branches under "${prefix}" and never to the base branch "${baseBranch}"`);
  }
}

export async function deliverPullRequests(plan: Plan, options: DeliverOptions): Promise<DeliveryResult> {
  // The run's redactor (seeded with the configuration's secrets), told the GitHub credentials too.
  redactor.add(options.token);
  redactor.add(options.app?.privateKey);
  const log = redactor.log(options.log);
  try {
    return await deliver(plan, options, redactor, log);
  } catch (err) {
    throw redactor.error(err);
  }
}

async function deliver(plan: Plan, options: DeliverOptions, redactor: Redactor, log: (line: string) => void): Promise<DeliveryResult> {
  const cfg = options.pullRequests;
  const now = options.now ?? new Date();
  const dryRun = options.dryRun === true;
  const identity: GitIdentity = cfg.author ?? DEFAULT_BOT_IDENTITY;
  const result: DeliveryResult = { pullRequests: [], slack: [] };

  const groups = groupPlan(plan, cfg.groupBy, cfg.branchPrefix).filter(g => g.edits.length > 0);
  const haveCredentials = Boolean(options.token || options.app);
  const newGitHub = () => new GitHubRepo({ repo: options.githubRepo, apiUrl: options.githubApiUrl, token: options.token, app: options.app, redactor, log, timings: options.githubTimings });
  const dashboard = options.dashboard?.enabled ? new DashboardRun(options, redactor, log) : undefined;
  if (groups.length === 0) {
    log('no file edits in the plan: nothing to deliver');
    if (dashboard) await dashboard.finish(plan, result, haveCredentials ? newGitHub() : undefined, []);
    return result;
  }
  for (const g of groups) assertSafeBranch(g.branch, options.baseBranch, cfg.branchPrefix);
  const prefix = sanitiseBranchPrefix(cfg.branchPrefix);

  if (!haveCredentials && !dryRun) {
    throw new UserError('no GitHub credentials: set GITHUB_TOKEN (or configure a GitHub App)', { exitCode: EXIT.usage, hint: 'or run with --dry-run to see what would be pushed and posted' });
  }
  const github = haveCredentials ? newGitHub() : undefined;
  if (github) await github.getRepository();
  // What people asked for on the dashboard, read before anything is decided.
  const asked = dashboard && github ? await dashboard.read(github) : { proposeAgain: [], runAgain: false };
  const ignored: IgnoredChange[] = [];
  const proposedAgain = new Map<string, IgnoredChange>();
  const gitToken = github ? await github.gitToken() : undefined;

  const git = new GitRepo({ dir: options.repoDir, token: gitToken, redactor, log });
  await git.check();
  const baseSha = await git.fetchBranch(options.baseBranch);
  if (!baseSha) {
    throw new UserError(`the base branch "${options.baseBranch}" does not exist on ${await git.remoteUrlForDisplay()}`, { hint: 'set repository.baseBranch in rightsizer.yaml or pass --base' });
  }
  const baseRef = `refs/remotes/${git.remote}/${options.baseBranch}`;
  log(`base ${options.baseBranch} is at ${baseSha.slice(0, 12)}`);

  let openBotPulls = github ? await github.countOpenBotPulls(prefix) : 0;
  let createdThisRun = 0;
  const limited = (limit: number, count: number) => limit > 0 && count >= limit;

  for (const group of groups) {
    const digest = changeDigest(group);
    const entry = (action: DeliveryAction, extra: Partial<DeliveredPullRequest> = {}): void => {
      const e: DeliveredPullRequest = { group: group.key, branch: group.branch, action, ...extra };
      if (e.reason) e.reason = redactor.redact(e.reason);
      result.pullRequests.push(e);
      log(`${group.branch}: ${action}${e.number ? ` #${e.number}` : ''}${e.reason ? ` (${e.reason})` : ''}`);
    };

    // 1. What GitHub knows: the open PR, or a recent refusal of this very change.
    const open = github ? await github.findOpenPull(group.branch) : undefined;
    if (!open && github) {
      // Newest created first. A pull request from the branch merged after a refusal ends it: the change
      // was proposed again (a ticked box, or a new plan) and taken.
      const closed = await github.pullsForBranch(group.branch, 'closed');
      const lastMerge = closed.findIndex(pr => pr.mergedAt);
      const refusal = (lastMerge < 0 ? closed : closed.slice(0, lastMerge)).find(pr =>
        pr.closedAt && readMarker(pr.body)?.digest === digest
        && now.getTime() - Date.parse(pr.closedAt) < cfg.closedCooldownDays * DAY_MS);
      if (refusal) {
        const until = new Date(Date.parse(refusal.closedAt!) + cfg.closedCooldownDays * DAY_MS).toISOString().slice(0, 10);
        const change: IgnoredChange = { group: group.key, branch: group.branch, number: refusal.number, url: refusal.url, workloads: group.recommendations.map(r => r.id), until };
        if (asked.proposeAgain.includes(ignoredKey(change))) {
          log(`${group.branch}: proposing the change closed in #${refusal.number} again, as ticked on the dashboard`);
          proposedAgain.set(group.key, change);
        } else {
          ignored.push(change);
          entry('skipped', { number: refusal.number, url: refusal.url, reason: `the same change was closed without merge in #${refusal.number}; not proposed again before ${until}` });
          continue;
        }
      }
    }

    // 2. What the branch holds, and whose it is.
    const remoteSha = await git.fetchBranch(group.branch);
    const remote = remoteSha ? await git.commitInfo(remoteSha) : undefined;
    if (remote) {
      const ahead = await git.countCommits(baseRef, remote.sha);
      const foreign = foreignReason(group.branch, options.baseBranch, remote, ahead, identity);
      if (foreign) {
        if (open && github && !dryRun) {
          const already = (await github.commentBodies(open.number)).some(b => b.includes(HANDS_OFF_MARKER));
          if (!already) await github.comment(open.number, redactor.redact(handsOffComment(group.branch, foreign)));
        }
        entry('skipped', { ...(open ? { number: open.number, url: open.url } : {}), reason: foreign });
        continue;
      }
    }

    // 3. The change, regenerated on the current base head.
    const files: Record<string, string> = {};
    const before: Record<string, string> = {};
    let conflict: string | undefined;
    for (const edit of group.edits) {
      const bytes = await git.readBytes(baseSha, edit.path);
      if (bytes === undefined) { conflict = `${edit.path} no longer exists on ${options.baseBranch}`; break; }
      const encoding = notUtf8(edit.path, bytes);
      if (encoding) { conflict = encoding.message; break; }
      const current = bytes.toString('utf8');
      const next = current === edit.oldText || current === edit.newText ? edit.newText : await git.mergeText(current, edit.oldText, edit.newText);
      if (next === undefined) { conflict = `${edit.path} changed on ${options.baseBranch} where rightsizer edits it; run the plan again`; break; }
      if (next !== current) { files[edit.path] = next; before[edit.path] = current; }
    }
    if (conflict) { entry('skipped', { ...(open ? { number: open.number, url: open.url } : {}), reason: conflict }); continue; }
    if (Object.keys(files).length === 0) {
      entry('skipped', { ...(open ? { number: open.number, url: open.url } : {}), reason: `${options.baseBranch} already has these values` });
      continue;
    }

    const { commit, tree } = await git.buildCommit({ parent: baseSha, files, message: tree => commitMessage(group, digest, tree), author: identity, committer: identity, date: now });

    // 4. The scope guard: only the plan's files, only the values accepted recommendations asked for.
    const problems = await checkScope({ git, base: baseSha, commit, group, before, after: files, repoDir: options.repoDir });
    if (problems.length > 0) {
      throw new UserError(`refusing to push ${group.branch}: the change goes beyond what the accepted recommendations asked for:\n  - ${problems.join('\n  - ')}`);
    }

    const needPush = remote?.tree !== tree;
    if (!open && (limited(cfg.maxPullRequestsPerRun, createdThisRun) || limited(cfg.maxOpenPullRequests, openBotPulls))) {
      const which = limited(cfg.maxPullRequestsPerRun, createdThisRun) ? `maxPullRequestsPerRun (${cfg.maxPullRequestsPerRun})` : `maxOpenPullRequests (${cfg.maxOpenPullRequests})`;
      entry('skipped', { reason: `limit reached: ${which}` });
      continue;
    }

    const title = redactor.redact(plan.revert ? revertTitle(group, plan.revert.pr) : group.title);
    // The ledger block (src/loop/ledger.ts) is what later runs rebuild the record of merged
    // changes from: it is never summarised, the readable part gives way to it.
    const ledger = renderLedgerBlock(ledgerBlock(group.recommendations, plan, plan.revert ? { kind: 'revert', reverts: plan.revert.pr } : {}));
    const rendered = renderPullRequestBody(group, plan, { maxLength: DEFAULT_MAX_BODY_LENGTH - ledger.length - 1 });
    // The marker carries the PR's Slack message forward, so the next run edits it in place.
    const body = bodyWithMarker(`${redactor.redact(rendered).trimEnd()}\n\n${ledger}`, title, group.key, digest, open ? readMarker(open.body)?.slack : undefined);

    if (dryRun) {
      // Nothing is pushed or posted: the caller prints the preview (stdout), progress stays in the log.
      const diff = needPush ? Object.keys(files).map(p => unifiedDiff(p, before[p], files[p])).join('') : '';
      const draft = isDraft(group, cfg.draftBelowConfidence) && !open;
      const slack = options.slack
        ? slackMessage({ action: open ? 'updated' : 'opened', group, pr: { number: open?.number ?? 'new', url: open?.url ?? `(the new pull request from ${group.branch})`, title }, attention: needsAttention(plan.recommendations) })
        : undefined;
      const action: DeliveryAction = open ? (needPush ? 'would update' : 'unchanged') : 'would create';
      entry(action, { ...(open ? { number: open.number, url: open.url } : {}), reason: 'dry run: nothing was pushed or posted', preview: { diff, title, body, draft, ...(slack ? { slack } : {}) } });
      continue;
    }
    const gh = github!;

    // 5. Push only when the tree differs from what the branch has.
    if (needPush) {
      if (cfg.signCommits) {
        const baseTree = (await git.commitInfo(baseSha)).tree;
        const blobs = [];
        for (const p of Object.keys(files).sort()) blobs.push({ path: p, mode: await git.fileMode(baseSha, p), sha: await gh.createBlob(files[p]) });
        const apiTree = await gh.createTree(baseTree, blobs);
        if (apiTree !== tree) throw new UserError(`GitHub built tree ${apiTree} for ${group.branch}, but the checked change is tree ${tree}; nothing was pushed`);
        const signed = await gh.createCommit({ message: commitMessage(group, digest, apiTree), tree: apiTree, parent: baseSha, author: { ...identity, date: now.toISOString() } });
        log(`pushing signed commit ${signed.slice(0, 12)} to ${group.branch} through the GitHub API`);
        await gh.setBranch(group.branch, signed, remoteSha);
        await git.fetchBranch(group.branch);
      } else {
        await git.pushWithLease(commit, group.branch, remoteSha);
      }
    } else {
      log(`${group.branch} already holds this change (tree ${tree.slice(0, 12)}): nothing to push`);
    }

    // 6. The pull request.
    let pull: PullSummary;
    let action: DeliveryAction;
    let existing = open;
    if (!existing) {
      const created = await gh.createPull({ title, body, head: group.branch, base: options.baseBranch, draft: isDraft(group, cfg.draftBelowConfidence) });
      pull = created.pull;
      if (created.existed) {
        log(`${group.branch}: a pull request already exists (#${pull.number}); updating it`);
        existing = pull;
      } else {
        createdThisRun++;
        openBotPulls++;
        await gh.addLabels(pull.number, cfg.labels);
        await gh.requestReviewers(pull.number, cfg.reviewers);
        await gh.addAssignees(pull.number, cfg.assignees);
        action = 'created';
      }
    }
    if (existing) {
      pull = existing;
      const marker = readMarker(existing.body);
      const respectHuman = editedByHuman(existing) && marker?.digest === digest;
      const fields: { title?: string; body?: string } = {};
      if (!respectHuman) {
        if (existing.title !== title) fields.title = title;
        if (bodyWithoutMarker(existing.body) !== bodyWithoutMarker(body) || marker?.digest !== digest || !marker?.written) fields.body = body;
      } else {
        log(`${group.branch}: #${existing.number} was edited by a person; its title and body are kept`);
      }
      if (Object.keys(fields).length > 0) pull = await gh.updatePull(existing.number, fields);
      action = needPush || Object.keys(fields).length > 0 ? 'updated' : 'unchanged';
    }
    entry(action!, { number: pull!.number, url: pull!.url });

    // 7. Slack: a notification, never a reason to fail the run.
    if (options.slack && (action! === 'created' || action! === 'updated')) {
      try {
        const event = {
          action: action! === 'created' ? 'opened' as const : 'updated' as const, group, pr: { number: pull!.number, url: pull!.url, title: pull!.title || title }, attention: needsAttention(plan.recommendations),
          ...(plan.revert ? { note: `Undo of #${plan.revert.pr} after a regression:\n${plan.revert.evidence.map(e => `• ${e}`).join('\n')}` } : {}),
        };
        // Unless the caller keeps the Slack state, it lives in the PR body's hidden marker.
        const known = readMarker(pull!.body ?? '')?.slack;
        const state = options.slackState ?? memorySlackState(known ? { [slackStateKey(event)]: known } : {});
        const r = await notifySlack(event, options.slack, { log, state, ...(options.fetch ? { fetch: options.fetch } : {}) });
        const now = options.slackState ? undefined : state.get(slackStateKey(event));
        if (now && (now.channel !== known?.channel || now.ts !== known?.ts)) {
          const withRef = bodyWithSlackRef(pull!.body ?? '', now);
          if (withRef) await gh.updatePull(pull!.number, { body: withRef });
        }
        result.slack.push(r.error === undefined ? { ok: r.ok } : { ok: r.ok, error: redactor.redact(r.error) });
      } catch (err) {
        result.slack.push({ ok: false, error: redactor.redact(err instanceof Error ? err.message : String(err)) });
      }
    }
  }
  if (dashboard) {
    // A change asked for again but not delivered this run (a limit, a conflict) stays ticked.
    for (const [key, change] of proposedAgain) {
      if (result.pullRequests.some(p => p.group === key && p.action === 'skipped')) ignored.push(change);
    }
    await dashboard.finish(plan, result, github, ignored, asked);
  }
  return result;
}

/**
 * The dashboard issue of one run: found (by its label, else by its title through search, and
 * always by the hidden marker) and read before delivery, written after it. Never a reason to
 * fail the run: a failure is logged and reported in the result.
 */
class DashboardRun {
  private issue?: IssueSummary;
  private readonly options: DeliverOptions;
  private readonly redactor: Redactor;
  private readonly log: (line: string) => void;
  private readonly config: DashboardConfig;
  private failed?: string;

  constructor(options: DeliverOptions, redactor: Redactor, log: (line: string) => void) {
    this.options = options;
    this.redactor = redactor;
    this.log = log;
    this.config = options.dashboard!;
  }

  private fail(err: unknown): void {
    this.failed = this.redactor.redact(err instanceof Error ? err.message : String(err));
    this.log(`warning: dashboard: ${this.failed}`);
  }

  async read(github: GitHubRepo): Promise<DashboardRequests> {
    const none: DashboardRequests = { proposeAgain: [], runAgain: false };
    try {
      const mine = (issues: IssueSummary[]) => issues.filter(i => i.body.includes(DASHBOARD_MARKER)).sort((a, b) => (a.state === b.state ? a.number - b.number : a.state === 'open' ? -1 : 1));
      this.issue = mine(await github.issuesWithLabel(this.config.label))[0]
        // Someone removed the label: search finds it by title (search lags writes, the label list does not).
        ?? mine(await github.searchIssues(`in:title "${this.config.title.replace(/"/g, '')}"`))[0];
      if (!this.issue) return none;
      const asked = readDashboard(this.issue.body);
      if (asked.runAgain) this.log(`dashboard #${this.issue.number}: "run again" is ticked`);
      for (const key of asked.proposeAgain) this.log(`dashboard #${this.issue.number}: "propose again" is ticked for ${decodeURIComponent(key)}`);
      return asked;
    } catch (err) {
      this.fail(err);
      return none;
    }
  }

  async finish(plan: Plan, result: DeliveryResult, github: GitHubRepo | undefined, ignored: IgnoredChange[], asked?: DashboardRequests): Promise<void> {
    const dryRun = this.options.dryRun === true;
    if (!github && !dryRun) return;
    try {
      if (github && !asked) asked = await this.read(github);
      // Not knowing whether the issue exists, writing one could make a second: leave it.
      if (this.failed) { result.dashboard = { action: 'failed', error: this.failed }; return; }
      if (asked?.runAgain) result.runAgain = true;
      const prefix = sanitiseBranchPrefix(this.options.pullRequests.branchPrefix);
      const open = github ? await github.openBotPulls(prefix) : [];
      const body = this.redactor.redact(renderDashboard({
        openPulls: open.map(p => ({ number: p.number, url: p.url, title: p.title, branch: p.headRef, draft: p.draft })),
        plan,
        ignored,
        proposeAgain: new Set(asked?.proposeAgain ?? []),
        ...this.options.dashboardExtras,
      }));
      const title = this.redactor.redact(this.config.title);
      const issue = this.issue;
      const same = issue && issue.body.replace(/\r\n/g, '\n') === body && issue.title === title && issue.state === 'open' && issue.labels.includes(this.config.label);
      if (dryRun || !github) {
        result.dashboard = { action: same ? 'unchanged' : issue ? 'would update' : 'would create', ...(issue ? { number: issue.number, url: issue.url } : {}), body };
        return;
      }
      if (same) {
        result.dashboard = { action: 'unchanged', number: issue.number, url: issue.url };
      } else if (issue) {
        const labels = issue.labels.includes(this.config.label) ? undefined : [...issue.labels, this.config.label];
        const updated = await github.updateIssue(issue.number, { title, body, ...(issue.state !== 'open' ? { state: 'open' as const } : {}), ...(labels ? { labels } : {}) });
        result.dashboard = { action: 'updated', number: updated.number, url: updated.url };
      } else {
        const created = await github.createIssue({ title, body, labels: [this.config.label] });
        result.dashboard = { action: 'created', number: created.number, url: created.url };
      }
      this.log(`dashboard: ${result.dashboard.action} #${result.dashboard.number}`);
    } catch (err) {
      this.fail(err);
    }
    if (this.failed && !result.dashboard) result.dashboard = { action: 'failed', error: this.failed };
  }
}
