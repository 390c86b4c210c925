// `rightsizer review`: the cost review of a person's pull request. Reads the pull request's
// base and head from git, finds the resource, replica and HPA settings it changes (the locator
// on both sides), prices and explains them from a snapshot (src/review), and keeps one comment
// on the pull request up to date: created on the first push that changes such a setting, edited
// in place on every later push, never a second one.

import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { formatJson, paint, useColor } from '../output.ts';
import { preflightConfig } from './plan.ts';
import { appFromEnv } from './pr.ts';
import type { Review } from '../../review/index.ts';

export interface ReviewOptions {
  pr?: number;
  /** Review two git refs of the checkout instead of a pull request (no GitHub needed). */
  base?: string;
  head?: string;
  snapshot?: string;
  demo?: boolean;
  config?: string;
  repoDir?: string;
  githubRepo?: string;
  githubApiUrl?: string;
  dryRun?: boolean;
  quiet?: boolean;
  token?: string;
  appId?: string;
  appPrivateKey?: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface ReviewResult {
  /** created / updated / unchanged: the comment; skipped: why not; would …: dry run. */
  action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'would create' | 'would update';
  reason?: string;
  review?: Review;
  /** The comment as written (or as it would be). */
  body?: string;
  url?: string;
}

const YAML = /\.ya?ml$/i;

/** Reviews one pull request (or two refs) and writes, updates or previews its comment. Shared with the Action. */
export async function reviewPullRequest(opts: ReviewOptions): Promise<ReviewResult> {
  const env = opts.env ?? process.env;
  const log = opts.log;
  await preflightConfig(opts);
  const { DEMO, collect, policyContext, recommendFor, repositoryPolicies } = await import('../../pipeline.ts');
  const { loadConfig } = await import('../../config/load.ts');
  const { readSnapshot } = await import('../../snapshot/index.ts');
  const { saneProfiles } = await import('../../snapshot/sanity.ts');
  const { GitRepo } = await import('../../deliver/git.ts');
  const { GitHubRepo } = await import('../../deliver/github.ts');
  const { redactor } = await import('../../deliver/redact.ts');
  const { decodeRepoFile, repoPathFilter } = await import('../../gitops/repo-files.ts');
  const { locateDetailed } = await import('../../gitops/locate.ts');
  const { changedSettings, reviewChanges } = await import('../../review/index.ts');
  const { REVIEW_MARKER, renderNoLongerComment, renderReviewComment } = await import('../../review/comment.ts');

  const config = await loadConfig(opts.demo ? DEMO.config : (opts.config ?? 'rightsizer.yaml'), opts.demo ? { vars: { DEMO_URL: 'http://127.0.0.1:0' } } : {});
  const repoDir = opts.repoDir ? path.resolve(opts.repoDir) : opts.demo ? undefined : path.dirname(config.file);
  if (!repoDir) throw new UserError('--demo needs --repo-dir: a git clone of the GitOps repository with the pull request', { exitCode: EXIT.usage });
  if (opts.pr === undefined && !(opts.base && opts.head)) throw new UserError('which pull request? pass --pr NUMBER (or --base REF and --head REF to review two git refs)', { exitCode: EXIT.usage });

  const token = opts.token || env.GITHUB_TOKEN || undefined;
  const app = token ? undefined : opts.appId && opts.appPrivateKey ? { appId: opts.appId, privateKey: opts.appPrivateKey } : await appFromEnv(env);
  redactor.add(token);
  redactor.add(app?.privateKey);
  const githubRepo = opts.githubRepo ?? config.repository.github;
  const needGitHub = opts.pr !== undefined;
  if (needGitHub && !githubRepo) throw new UserError('which GitHub repository? pass --github-repo OWNER/NAME or set repository.github in the configuration', { exitCode: EXIT.usage });
  if (needGitHub && !token && !app) throw new UserError('no GitHub credentials: set GITHUB_TOKEN (or configure a GitHub App) to read the pull request and comment on it', { exitCode: EXIT.usage, hint: 'or review two refs of the checkout with --base REF --head REF --dry-run' });
  const github = needGitHub ? new GitHubRepo({ repo: githubRepo!, apiUrl: opts.githubApiUrl ?? env.GITHUB_API_URL, token, app, redactor, log }) : undefined;

  try {
    const git = new GitRepo({ dir: repoDir, token: github ? await github.gitToken() : undefined, redactor, log });
    await git.check();

    // 1. The two sides of the pull request.
    let baseSha: string | undefined, headSha: string | undefined;
    if (github && opts.pr !== undefined) {
      const pull = await github.getPull(opts.pr);
      const prefix = config.pullRequests.branchPrefix;
      if (pull.headRef.startsWith(prefix)) return { action: 'skipped', reason: `#${pull.number} is rightsizer's own pull request (branch ${pull.headRef}); its body already has the evidence` };
      if (pull.state !== 'open') return { action: 'skipped', reason: `#${pull.number} is ${pull.mergedAt ? 'merged' : 'closed'}` };
      baseSha = await git.fetchBranch(pull.baseRef ?? config.repository.baseBranch ?? 'main');
      headSha = await git.fetchPullHead(pull.number, pull.headRef);
      if (!baseSha || !headSha) throw new UserError(`could not fetch the ${baseSha ? 'head' : 'base'} of #${pull.number} from ${await git.remoteUrlForDisplay()}`);
      baseSha = await git.mergeBase(baseSha, headSha);
    } else {
      baseSha = await git.mergeBase(opts.base!, opts.head!);
      headSha = opts.head!;
    }
    // The configuration's folder may be a subfolder of the repository: paths are taken from there, as the plan takes them.
    const prefix = await git.prefix();
    const inScope = repoPathFilter(config.repository);
    const ours = (files: string[]) => files.filter(f => f.startsWith(prefix) && YAML.test(f) && inScope(f.slice(prefix.length)));
    const changed = ours(await git.changedPaths(baseSha, headSha));
    log(`${changed.length} YAML file${changed.length === 1 ? '' : 's'} changed between ${baseSha.slice(0, 12)} and ${headSha.slice(0, 12)}`);

    // 2. The settings they change: the whole tree on both sides (overlays and Argo CD value files tie files to workloads).
    let changes: ReturnType<typeof changedSettings> = [];
    if (changed.length > 0) {
      const read = async (commit: string, files: string[]) => [...(await git.readMany(commit, files))].map(([file, bytes]) => decodeRepoFile(file.slice(prefix.length), bytes));
      const headFiles = await read(headSha, ours(await git.listFiles(headSha)));
      const changedSet = new Set(changed.map(f => f.slice(prefix.length)));
      // Unchanged files are the same on both sides: only the changed ones are read again.
      const baseFiles = [...headFiles.filter(f => !changedSet.has(f.path)), ...await read(baseSha, changed)];
      const clusters = { clusters: config.clusters };
      changes = changedSettings(locateDetailed(baseFiles, clusters).spots, locateDetailed(headFiles, clusters).spots, changedSet);
    }
    log(`${changes.length} resource, replica or HPA setting${changes.length === 1 ? '' : 's'} changed`);

    // 3. The comment already there, if any.
    const existing = github ? (await github.comments(opts.pr!)).find(c => c.body.includes(REVIEW_MARKER)) : undefined;
    if (changes.length === 0) {
      if (!existing) return { action: 'skipped', reason: 'the pull request changes no resource, replica or HPA setting' };
      const body = renderNoLongerComment();
      if (existing.body === body) return { action: 'unchanged', body, url: existing.url };
      if (opts.dryRun) return { action: 'would update', body, url: existing.url };
      return { action: 'updated', body, url: (await github!.updateComment(existing.id, body)).url };
    }

    // 4. Priced and explained from the snapshot the scheduled run saved (or a fresh collection).
    const collected = opts.snapshot ? await readSnapshot(opts.snapshot) : (await collect({ configPath: opts.config, demo: opts.demo, quiet: opts.quiet, log })).snapshot;
    const sane = saneProfiles(collected.profiles);
    for (const w of sane.warnings) log(`warning: ${w}`);
    const snapshot = { ...collected, profiles: sane.profiles };
    const review = reviewChanges({
      changes, snapshot, clusters: config.clusters,
      policies: await repositoryPolicies(config, repoDir), policyContext: policyContext(snapshot),
      recommend: profile => recommendFor(profile, config),
    });
    const label = opts.snapshot ? `the snapshot ${path.basename(opts.snapshot)}` : 'a fresh collection';
    const body = redactor.redact(renderReviewComment(review, label));
    if (!github) return { action: 'would create', review, body };
    if (existing?.body === body) return { action: 'unchanged', review, body, url: existing.url };
    if (opts.dryRun) return { action: existing ? 'would update' : 'would create', review, body, ...(existing ? { url: existing.url } : {}) };
    const written = existing ? await github.updateComment(existing.id, body) : await github.comment(opts.pr!, body);
    return { action: existing ? 'updated' : 'created', review, body, url: written.url };
  } catch (err) {
    throw redactor.error(err);
  }
}

export function register(program: Command): void {
  program.command('review')
    .description('comment the monthly cost, usage evidence and policy verdict of a pull request that changes resources, replicas or HPA bounds')
    .option('--pr <number>', 'the pull request to review', v => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new UserError(`--pr must be a pull request number (got "${v}")`, { exitCode: EXIT.usage });
      return n;
    })
    .option('--base <ref>', 'with --head: review the changes between two git refs of the checkout (no GitHub needed; implies printing)')
    .option('--head <ref>', 'the ref with the changes (with --base)')
    .option('--snapshot <file>', 'price and explain from this snapshot (the scheduled run\'s) instead of collecting')
    .option('--demo', 'use the bundled demo configuration and data (needs --repo-dir)')
    .option('--repo-dir <dir>', 'the git checkout of the GitOps repository (default: the folder of the configuration file)')
    .option('--github-repo <owner/name>', 'the repository on GitHub (default: repository.github in the configuration)')
    .option('--github-api-url <url>', 'GitHub API URL, for GitHub Enterprise Server (default: $GITHUB_API_URL or https://api.github.com)')
    .option('--dry-run', 'print the comment; write nothing')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText('after', `
One comment per pull request, edited in place on every push (a hidden marker finds it again).
No comment when the pull request changes no resource, replica or HPA setting, and none on
rightsizer's own pull requests. Credentials as for \`pr\`: GITHUB_TOKEN, or a GitHub App with
RIGHTSIZER_GITHUB_APP_ID and RIGHTSIZER_GITHUB_APP_PRIVATE_KEY (or ..._PRIVATE_KEY_FILE).

Examples:
  $ GITHUB_TOKEN=... rightsizer review --pr 42 --snapshot snapshot.json
  $ rightsizer review --pr 42 --snapshot snapshot.json --dry-run
  $ rightsizer review --base origin/main --head HEAD --snapshot snapshot.json`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as Omit<ReviewOptions, 'log'> & { output?: string; color?: boolean };
      if (opts.output !== 'text' && opts.output !== 'json') throw new UserError(`--output must be text or json (got "${opts.output}")`, { exitCode: EXIT.usage });
      const color = opts.color !== false && useColor(process.stderr);
      const log = (line: string) => { if (!opts.quiet) process.stderr.write(`${paint('›', 'dim', color)} ${line}\n`); };
      const result = await reviewPullRequest({ ...opts, dryRun: opts.dryRun || (opts.pr === undefined), log });
      if (opts.output === 'json') { process.stdout.write(formatJson(result)); return; }
      process.stdout.write(`review: ${result.action}${result.url ? ` ${result.url}` : ''}${result.reason ? ` (${result.reason})` : ''}\n`);
      if (result.body && result.action.startsWith('would')) process.stdout.write(`\nComment it ${result.action}:\n\n${result.body.trimEnd()}\n`);
    });
}
