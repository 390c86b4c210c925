// `rightsizer verify`: only the check after the merge. Rebuilds the ledger from the merged
// rightsizer pull requests, reads what runs for their workloads (a few instant queries), and
// reports each change as live, pending, drift or regressed; a regression opens an undo pull
// request through the normal delivery path, with a Slack alert. Cheap enough for an hourly job.

import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { formatJson, paint, useColor } from '../output.ts';
import { preflightConfig } from './plan.ts';
import { githubCredentials, slackSettings } from './pr.ts';
import type { VerifyResult } from '../../loop/verify.ts';

interface Shared {
  config?: string;
  repoDir?: string;
  githubRepo?: string;
  githubApiUrl?: string;
  base?: string;
  dryRun?: boolean;
}

export interface VerifyCommandOptions extends Shared {
  now?: string;
  output?: string;
  quiet?: boolean;
  color?: boolean;
}

export interface RunVerifyOptions extends Shared {
  now?: Date;
  token?: string;
  appId?: string;
  appPrivateKey?: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

/** The one path the CLI's `verify` and the Action's `mode: verify` share. */
export async function runVerify(opts: RunVerifyOptions): Promise<VerifyResult> {
  const env = opts.env ?? process.env;
  await preflightConfig(opts);
  const { loadConfig } = await import('../../config/load.ts');
  const { verify } = await import('../../loop/verify.ts');
  const configPath = opts.config ?? 'rightsizer.yaml';
  const config = await loadConfig(configPath);
  const { token, app } = await githubCredentials(opts, env);
  return verify({
    configPath, repoDir: opts.repoDir ? path.resolve(opts.repoDir) : undefined,
    githubRepo: opts.githubRepo, githubApiUrl: opts.githubApiUrl ?? env.GITHUB_API_URL, token, app,
    baseBranch: opts.base, slack: slackSettings(config.slack, env), dryRun: opts.dryRun, now: opts.now, log: opts.log,
  });
}

/** The text report: one line per merged change, then what verify did. */
export function verifyText(result: VerifyResult): string {
  const out: string[] = [];
  if (result.changes.length === 0) out.push('No merged rightsizer change in the ledger window.');
  for (const c of result.changes) {
    out.push(`#${c.pr} ${c.kind === 'revert' ? 'undo ' : ''}${c.state.toUpperCase()}: ${c.summary}`);
    for (const a of c.argo) out.push(`    ${a}`);
    for (const d of c.drift) out.push(`    drift: ${d.workload}${d.container ? ` ${d.container}` : ''} ${d.field}: Git ${d.git}, live ${d.live ?? 'unset'}`);
    for (const r of c.regressions) out.push(`    regression: ${r.evidence}`);
  }
  for (const f of result.failedSources ?? []) out.push(`failed: ${f.source}: ${f.error}`);
  for (const r of result.reverts) out.push(`undo ${r.branch}: ${r.action}${r.number ? ` #${r.number}` : ''}${r.url ? ` ${r.url}` : ''}${r.reason ? ` (${r.reason})` : ''}`);
  return `${out.join('\n')}\n`;
}

export function register(program: Command): void {
  program.command('verify')
    .description('check merged changes: running or drift, regressions after them, and undo pull requests for those that regressed')
    .option('--repo-dir <dir>', 'the git checkout of the GitOps repository (default: the folder of the configuration file)')
    .option('--github-repo <owner/name>', 'the repository on GitHub (default: repository.github in the configuration)')
    .option('--github-api-url <url>', 'GitHub API URL, for GitHub Enterprise Server (default: $GITHUB_API_URL or https://api.github.com)')
    .option('--base <branch>', 'the branch undo pull requests target (default: repository.baseBranch, else main)')
    .option('--dry-run', 'report only: no comment, no undo pull request, no Slack message')
    .option('--now <time>', 'judge as of this ISO time instead of now (replays, tests)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText('after', `
Only instant queries for the workloads of merged rightsizer pull requests: cheap enough for an
hourly schedule. Thresholds: the verify section of rightsizer.yaml (docs/DELIVERY.md).
Credentials as for \`pr\`: GITHUB_TOKEN, or RIGHTSIZER_GITHUB_APP_ID and ..._PRIVATE_KEY(_FILE).

Exit status: 0 when every change runs as merged, 1 when there is drift, a regression, or a
Prometheus that could not be read (its changes are reported unknown, never undone).

Examples:
  $ GITHUB_TOKEN=... rightsizer verify --config rightsizer.yaml
  $ rightsizer verify --config rightsizer.yaml --dry-run --output json
  $ rightsizer verify --github-repo example/platform-gitops --now 2026-11-20T06:00:00Z`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as VerifyCommandOptions;
      if (opts.output !== 'text' && opts.output !== 'json') throw new UserError(`--output must be text or json (got "${opts.output}")`, { exitCode: EXIT.usage });
      let now: Date | undefined;
      if (opts.now !== undefined) {
        now = new Date(opts.now);
        if (Number.isNaN(now.getTime())) throw new UserError(`--now "${opts.now}" is not an ISO time (e.g. 2026-11-20T06:00:00Z)`, { exitCode: EXIT.usage });
      }
      const color = opts.color !== false && useColor(process.stderr);
      const log = (line: string) => { if (!opts.quiet) process.stderr.write(`${paint('›', 'dim', color)} ${line}\n`); };
      const result = await runVerify({ config: opts.config, repoDir: opts.repoDir, githubRepo: opts.githubRepo, githubApiUrl: opts.githubApiUrl, base: opts.base, dryRun: opts.dryRun, now, log });
      process.stdout.write(opts.output === 'json' ? formatJson(result) : verifyText(result));
      for (const s of result.slack) if (!s.ok) process.stderr.write(`warning: Slack: ${s.error}\n`);
      if (result.failedSources?.length || result.changes.some(c => c.state === 'drift' || c.regressions.length > 0)) process.exitCode = 1;
    });
}
