// `rightsizer pr`: the whole pipeline, then delivery: one branch, one commit and one pull
// request per group, updated in place on later runs. `--dry-run` prints what it would push and
// post and writes nothing.

import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { PLAN_SCHEMA_VERSION, failedSourcesError, type Plan } from '../../core/plan.ts';
import { colorDiff, formatJson, paint, useColor } from '../output.ts';
import { buildPlan, preflightConfig } from './plan.ts';
import type { DeliveredPullRequest, DeliveryResult } from '../../deliver/index.ts';
import type { SlackConfig } from '../../config/types.ts';

export interface PrCommandOptions {
  demo?: boolean;
  snapshot?: string;
  plan?: string;
  repoDir?: string;
  githubRepo?: string;
  githubApiUrl?: string;
  base?: string;
  dryRun?: boolean;
  output?: string;
  config?: string;
  quiet?: boolean;
  color?: boolean;
}

/** GitHub App credentials from the environment: the key inline or in a file. */
export async function appFromEnv(env: NodeJS.ProcessEnv): Promise<{ appId: string; privateKey: string } | undefined> {
  const appId = env.RIGHTSIZER_GITHUB_APP_ID;
  if (!appId) return undefined;
  let privateKey = env.RIGHTSIZER_GITHUB_APP_PRIVATE_KEY;
  if (!privateKey && env.RIGHTSIZER_GITHUB_APP_PRIVATE_KEY_FILE) privateKey = await readFile(env.RIGHTSIZER_GITHUB_APP_PRIVATE_KEY_FILE, 'utf8');
  if (!privateKey) throw new UserError('RIGHTSIZER_GITHUB_APP_ID is set but no private key: set RIGHTSIZER_GITHUB_APP_PRIVATE_KEY or RIGHTSIZER_GITHUB_APP_PRIVATE_KEY_FILE', { exitCode: EXIT.usage });
  return { appId, privateKey: privateKey.replace(/\\n/g, '\n') };
}

async function readPlan(file: string): Promise<Plan> {
  let plan: Plan;
  try {
    plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
  } catch (err) {
    throw new UserError(`${file}: not a plan file (${(err as Error).message})`, { exitCode: EXIT.usage, hint: 'write one with `rightsizer plan --output json > plan.json`' });
  }
  if (plan?.schemaVersion !== PLAN_SCHEMA_VERSION || !Array.isArray(plan.edits) || !Array.isArray(plan.recommendations)) {
    throw new UserError(`${file}: not a rightsizer plan of schema version ${PLAN_SCHEMA_VERSION}`, { exitCode: EXIT.usage, hint: 'write one with `rightsizer plan --output json > plan.json`' });
  }
  return plan;
}

/** The token passed in (the Action's inputs) or GITHUB_TOKEN; else a GitHub App from the inputs or the environment. */
export async function githubCredentials(opts: { token?: string; appId?: string; appPrivateKey?: string }, env: NodeJS.ProcessEnv): Promise<{ token?: string; app?: { appId: string; privateKey: string } }> {
  const token = opts.token || env.GITHUB_TOKEN || undefined;
  if (token) return { token };
  if (opts.appId && opts.appPrivateKey) return { app: { appId: opts.appId, privateKey: opts.appPrivateKey.replace(/\\n/g, '\n') } };
  return { app: await appFromEnv(env) };
}

/** Without a webhookUrlEnv or botTokenEnv, Slack is reached through RIGHTSIZER_SLACK_WEBHOOK_URL when it is set. */
export function slackSettings(slack: SlackConfig | undefined, env: NodeJS.ProcessEnv): SlackConfig | undefined {
  const fallback = env.RIGHTSIZER_SLACK_WEBHOOK_URL ? 'RIGHTSIZER_SLACK_WEBHOOK_URL' : undefined;
  if (slack?.webhookUrlEnv || slack?.botTokenEnv) return slack;
  return fallback ? { ...slack, webhookUrlEnv: fallback } : slack;
}

export interface DeliverFromPlanOptions {
  demo?: boolean;
  snapshot?: string;
  config?: string;
  repoDir?: string;
  githubRepo?: string;
  githubApiUrl?: string;
  base?: string;
  dryRun?: boolean;
  quiet?: boolean;
  /** Credentials passed in (the Action's inputs); otherwise read from the environment. */
  token?: string;
  appId?: string;
  appPrivateKey?: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/**
 * Delivers a plan (or builds one first when `plan` is undefined): the one path the CLI's `pr`
 * command and the GitHub Action share.
 */
export async function deliverFromPlan(plan: Plan | undefined, opts: DeliverFromPlanOptions): Promise<DeliveryResult> {
  const env = opts.env ?? process.env;
  await preflightConfig(opts);
  const { DEMO } = await import('../../pipeline.ts');
  const { loadConfig } = await import('../../config/load.ts');
  const { deliverPullRequests } = await import('../../deliver/index.ts');
  const config = await loadConfig(opts.demo ? DEMO.config : (opts.config ?? 'rightsizer.yaml'), opts.demo ? { vars: { DEMO_URL: 'http://127.0.0.1:0' } } : {});
  const repoDir = opts.repoDir ? path.resolve(opts.repoDir) : opts.demo ? undefined : path.dirname(config.file);
  if (!repoDir) throw new UserError('--demo needs --repo-dir: a git clone of the demo GitOps repository to push from', { exitCode: EXIT.usage, hint: 'or run `rightsizer plan --demo` to see the plan and the pull request body' });
  const githubRepo = opts.githubRepo ?? config.repository.github;
  if (!githubRepo) throw new UserError('which GitHub repository? pass --github-repo OWNER/NAME or set repository.github in the configuration', { exitCode: EXIT.usage });

  let toDeliver = plan ?? await buildPlan({ demo: opts.demo, snapshot: opts.snapshot, repoDir, config: opts.config, quiet: opts.quiet }, opts.log);
  if (toDeliver.failedSources?.length) {
    // A partial plan would drop the missing clusters' changes from open pull requests.
    throw new UserError(`no pull request was changed: ${failedSourcesError(toDeliver.failedSources)}`, { hint: toDeliver.failedSources.map(f => `${f.source}: ${f.error}`).join('; ') });
  }
  const { token, app } = await githubCredentials(opts, env);
  // The merged changes (src/loop): a workload undone after a regression is not lowered again
  // during closedCooldownDays, and the dashboard lists drift, verified and reverted changes.
  // Reading them is a warning when it fails, never a failure.
  let dashboardExtras;
  if (token || app) {
    let ledger;
    const { GitHubRepo } = await import('../../deliver/github.ts');
    const { redactor } = await import('../../deliver/redact.ts');
    const { fetchLedger, loopDashboard } = await import('../../loop/verify.ts');
    const github = new GitHubRepo({ repo: githubRepo, apiUrl: opts.githubApiUrl ?? env.GITHUB_API_URL, token, app, redactor, log: opts.log });
    try {
      ledger = await fetchLedger(github, config, new Date());
    } catch (err) {
      opts.log(`warning: merged changes could not be read (undos are not held back, the dashboard lists none): ${(err as Error).message}`);
    }
    if (ledger) {
      const { holdBackUndone, undoneWorkloads } = await import('../../loop/undo.ts');
      const held = undoneWorkloads(ledger, new Date(), config.pullRequests.closedCooldownDays);
      if (held.size > 0) {
        const { planEdits, readRepoFiles } = await import('../../gitops/index.ts');
        const files = await readRepoFiles(repoDir, { include: config.repository.include, exclude: config.repository.exclude });
        const before = toDeliver.edits.length;
        toDeliver = holdBackUndone(toDeliver, held, recs => planEdits(files, recs, { repository: config.repository, clusters: config.clusters }));
        for (const u of toDeliver.unplaced.filter(x => x.reason.startsWith('undone in #'))) opts.log(`${u.recommendation}: ${u.reason}`);
        if (toDeliver.edits.length !== before) opts.log(`held back by undos: ${before - toDeliver.edits.length} of ${before} file edits`);
      }
      if (config.dashboard?.enabled) {
        try {
          dashboardExtras = await loopDashboard(github, ledger, toDeliver, new Date());
        } catch (err) {
          opts.log(`warning: dashboard: merged changes could not be read: ${(err as Error).message}`);
        }
      }
    }
  }
  return deliverPullRequests(toDeliver, {
    repoDir,
    githubRepo,
    githubApiUrl: opts.githubApiUrl ?? env.GITHUB_API_URL,
    token,
    app,
    baseBranch: opts.base ?? config.repository.baseBranch ?? 'main',
    pullRequests: config.pullRequests,
    slack: slackSettings(config.slack, env),
    dashboard: config.dashboard,
    ...(dashboardExtras ? { dashboardExtras } : {}),
    dryRun: opts.dryRun,
    log: opts.log,
  });
}

/** A dry run's preview on stdout: the diff it would push, the PR it would write, the Slack message it would post. */
export function previewText(pr: DeliveredPullRequest, color: boolean): string {
  const p = pr.preview!;
  const out = ['', p.diff ? `Diff it would push to ${pr.branch}:\n\n${colorDiff(p.diff, color)}` : `${pr.branch} already holds this change: nothing to push.\n`];
  out.push(`Pull request it ${pr.action === 'would create' ? `would create${p.draft ? ' (draft)' : ''}` : `would update (#${pr.number})`}: ${p.title}\n\n${p.body.trimEnd()}\n`);
  out.push(p.slack ? `Slack message it would post:\n\n${JSON.stringify(p.slack, null, 2)}\n` : 'Slack: not configured; nothing would be posted.\n');
  return `${out.join('\n')}\n`;
}

export function register(program: Command): void {
  program.command('pr')
    .description('open or update the pull requests of the plan (one branch and one commit per group)')
    .option('--demo', 'deliver the bundled demo plan (needs --repo-dir: a git clone to push from)')
    .option('--snapshot <file>', 'plan from a saved snapshot instead of collecting')
    .option('--plan <file>', 'deliver a saved plan (`rightsizer plan --output json`) exactly as reviewed')
    .option('--repo-dir <dir>', 'the git checkout of the GitOps repository (default: the folder of the configuration file)')
    .option('--github-repo <owner/name>', 'the repository on GitHub (default: repository.github in the configuration)')
    .option('--github-api-url <url>', 'GitHub API URL, for GitHub Enterprise Server (default: $GITHUB_API_URL or https://api.github.com)')
    .option('--base <branch>', 'the branch pull requests target (default: repository.baseBranch, else main)')
    .option('--dry-run', 'print what would be pushed and posted; push and post nothing')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText('after', `
Credentials come from the environment, never from flags: GITHUB_TOKEN, or a GitHub App with
RIGHTSIZER_GITHUB_APP_ID and RIGHTSIZER_GITHUB_APP_PRIVATE_KEY (or ..._PRIVATE_KEY_FILE).

Examples:
  $ GITHUB_TOKEN=... rightsizer pr --config rightsizer.yaml
  $ rightsizer pr --config rightsizer.yaml --dry-run
  $ rightsizer pr --demo --repo-dir ./clone --github-repo example/platform-gitops --github-api-url http://127.0.0.1:8080`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as PrCommandOptions;
      if (opts.output !== 'text' && opts.output !== 'json') throw new UserError(`--output must be text or json (got "${opts.output}")`, { exitCode: EXIT.usage });
      const color = opts.color !== false && useColor(process.stderr);
      const log = (line: string) => { if (!opts.quiet) process.stderr.write(`${paint('›', 'dim', color)} ${line}\n`); };

      const plan = opts.plan ? await readPlan(opts.plan) : undefined;
      const result = await deliverFromPlan(plan, {
        demo: opts.demo, snapshot: opts.snapshot, config: opts.config, repoDir: opts.repoDir,
        githubRepo: opts.githubRepo, githubApiUrl: opts.githubApiUrl, base: opts.base,
        dryRun: opts.dryRun, quiet: opts.quiet, log,
      });
      if (opts.output === 'json') {
        process.stdout.write(formatJson(result));
        return;
      }
      if (result.pullRequests.length === 0) process.stdout.write('No file would change: no pull request.\n');
      const stdoutColor = opts.color !== false && useColor();
      for (const pr of result.pullRequests) {
        const what = `${pr.action}${pr.number ? ` #${pr.number}` : ''}`;
        process.stdout.write(`${pr.branch}: ${what}${pr.url ? ` ${pr.url}` : ''}${pr.reason ? ` (${pr.reason})` : ''}\n`);
        if (pr.preview) process.stdout.write(previewText(pr, stdoutColor));
      }
      const d = result.dashboard;
      if (d) {
        process.stdout.write(`dashboard: ${d.action}${d.number ? ` #${d.number}` : ''}${d.url ? ` ${d.url}` : ''}${d.error ? ` (${d.error})` : ''}\n`);
        if (d.body) process.stdout.write(`\nDashboard issue it ${d.action === 'would create' ? 'would create' : `would write (#${d.number})`}:\n\n${d.body.trimEnd()}\n`);
      }
      if (result.runAgain) process.stdout.write('run again: ticked on the dashboard\n');
      for (const s of result.slack) if (!s.ok) process.stderr.write(`warning: Slack: ${s.error}\n`);
    });
}
