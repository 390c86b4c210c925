// The GitHub Action: reads `INPUT_*` like the runner sets them, builds the same options the
// CLI builds and calls the same pipeline, then writes outputs, a job summary and annotations.

import { appendFileSync, globSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, UserError } from '../core/errors.ts';
import { failedSourcesError, monthlyTotalText, type Plan } from '../core/plan.ts';
import { plural } from '../core/text.ts';
import { workloadIdText } from '../core/workload-id.ts';
import { buildPlan, pullRequestBodies } from '../cli/commands/plan.ts';
import { recommendationTable } from '../cli/render-plan.ts';
import { formatMoney } from '../core/money.ts';
import { formatJson } from '../cli/output.ts';
import { deliverFromPlan } from '../cli/commands/pr.ts';
import type { DeliveredPullRequest } from '../deliver/index.ts';
import { redact, redactor, redactStreams } from '../deliver/redact.ts';

type Env = Record<string, string | undefined>;

/** The runner passes input `dry-run` as `INPUT_DRY-RUN`: upper case, spaces to underscores, hyphens kept. */
export function getInput(name: string, env: Env = process.env): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

export function getBooleanInput(name: string, env: Env = process.env): boolean {
  const v = getInput(name, env).toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  throw new UserError(`input ${name} must be true or false (got "${v}")`);
}

/** Workflow command text must escape %, CR and LF (and , : in properties). */
function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function setOutput(name: string, value: string, env: Env = process.env): void {
  const file = env.GITHUB_OUTPUT;
  if (!file) return;
  const delimiter = `rightsizer_${Math.random().toString(36).slice(2)}`;
  appendFileSync(file, `${name}<<${delimiter}${os.EOL}${redact(value)}${os.EOL}${delimiter}${os.EOL}`);
}

function mask(secret: string): void {
  for (const line of secret.split(/\r?\n/)) if (line.trim()) process.stdout.write(`::add-mask::${escapeData(line.trim())}\n`);
}

export function annotate(err: unknown): string {
  if (err instanceof InputError) {
    const props = [`file=${escapeProperty(err.file)}`, err.line ? `line=${err.line}` : '', err.column ? `col=${err.column}` : ''].filter(Boolean).join(',');
    return `::error ${props}::${escapeData(err.message)}\n`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const hint = err instanceof UserError && err.hint ? ` (${err.hint})` : '';
  return `::error title=rightsizer::${escapeData(message + hint)}\n`;
}

export function jobSummary(plan: Plan, prUrls: string[]): string {
  const edited = new Set(plan.edits.flatMap(e => e.recommendations));
  const rows = plan.recommendations.filter(r => r.status === 'ok').map(r => {
    const c = r.containers.map(x => x.container).join(', ');
    const cost = r.cost ? formatMoney(r.cost.monthly, r.cost.currency) : 'not priced';
    return `| ${workloadIdText(r.ref)} | ${c} | ${cost} | ${r.confidence} | ${r.policy?.verdict ?? ''} |`;
  });
  return [
    '## rightsizer',
    '',
    `**${monthlyTotalText(plan.totals, plan.recommendations.filter(r => edited.has(r.id)))}** across ${plural(plan.totals.workloads, 'workload')} (${plan.totals.clouds.join(', ') || 'no clouds'}), realised when nodes scale down.`,
    '',
    '| workload | containers | monthly Δ | confidence | policy |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ...prUrls.map(u => `Pull request: ${u}`),
    ...(plan.failedSources ?? []).map(f => `**Failed source** \`${f.source}\`: ${f.error}`),
    '',
    '<details><summary>Recommendations (text)</summary>',
    '',
    '```',
    recommendationTable(plan, false).trimEnd(),
    '```',
    '</details>',
    '',
  ].join('\n');
}

const MODES = ['plan', 'pr', 'review', 'report', 'collect', 'merge', 'verify'];

/** Input `snapshots`: files or glob patterns, one per line or space-separated, relative to the workspace. */
export function snapshotFiles(input: string, workspace: string): string[] {
  const patterns = input.split(/\s+/).filter(Boolean);
  if (patterns.length === 0) throw new UserError('mode merge needs input snapshots (files or patterns, e.g. snapshot-*.json)');
  const files: string[] = [];
  for (const pattern of patterns) {
    const found = globSync(pattern, { cwd: workspace }).sort().map(f => path.resolve(workspace, f));
    if (found.length === 0) throw new UserError(`input snapshots: ${pattern} matches no file in ${workspace}`, { hint: 'download the collect jobs\' artifacts first' });
    files.push(...found.filter(f => !files.includes(f)));
  }
  return files;
}

/** The GitHub repository and credentials the inputs (or the runner) give. */
function githubInputs(env: Env) {
  return {
    githubRepo: getInput('github-repo', env) || env.GITHUB_REPOSITORY,
    githubApiUrl: getInput('github-api-url', env) || env.GITHUB_API_URL,
    token: getInput('github-token', env) || undefined,
    appId: getInput('app-id', env) || undefined,
    appPrivateKey: getInput('app-private-key', env) || undefined,
    env: { ...process.env, ...env },
  };
}

/** The pull request a `review` run is about: input pr-number, else the pull_request event's. */
export function pullRequestNumber(env: Env): number {
  const input = getInput('pr-number', env);
  if (input) {
    const n = Number(input);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`input pr-number must be a pull request number (got "${input}")`);
    return n;
  }
  const event = env.GITHUB_EVENT_PATH;
  let number: unknown;
  try { number = event ? (JSON.parse(readFileSync(event, 'utf8')) as { pull_request?: { number?: unknown } }).pull_request?.number : undefined; } catch { number = undefined; }
  if (typeof number !== 'number') {
    throw new UserError(`mode review needs a pull request: run it on pull_request events (this is ${env.GITHUB_EVENT_NAME ?? 'no event'}) or set input pr-number`);
  }
  return number;
}

export async function run(env: Env = process.env): Promise<number> {
  const secrets = ['github-token', 'app-private-key', 'slack-webhook-url'].map(n => getInput(n, env)).filter(Boolean);
  secrets.forEach(mask);
  // After the masks are registered with the runner: from here every output goes through the redactor.
  for (const secret of secrets) redactor.add(secret);
  redactStreams();
  try {
    const mode = getInput('mode', env) || 'plan';
    if (!MODES.includes(mode)) throw new UserError(`input mode must be ${MODES.slice(0, -1).join(', ')} or ${MODES.at(-1)} (got "${mode}")`);
    const demo = getBooleanInput('demo', env);
    const dryRun = getBooleanInput('dry-run', env);
    const config = getInput('config', env) || 'rightsizer.yaml';
    const repoDir = getInput('repo-dir', env) || undefined;
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const snapshotInput = getInput('snapshot', env);
    const opts = { demo, config: path.resolve(workspace, config), repoDir, quiet: false, snapshot: snapshotInput ? path.resolve(workspace, snapshotInput) : undefined };
    if (mode === 'collect') {
      const { collect, nothingRead } = await import('../pipeline.ts');
      const { snapshot } = await collect({ configPath: opts.config, demo, shard: getInput('shard', env) || undefined, log });
      const out = path.resolve(workspace, getInput('snapshot-out', env) || 'snapshot.json');
      writeFileSync(out, redact(`${JSON.stringify(snapshot)}\n`));
      setOutput('snapshot-file', out, env);
      const nothing = nothingRead(snapshot);
      if (nothing) throw new UserError(nothing);
      return 0;
    }
    if (mode === 'merge') {
      const files = snapshotFiles(getInput('snapshots', env), workspace);
      const { mergeSnapshots, readSnapshot } = await import('../snapshot/index.ts');
      const merged = mergeSnapshots(await Promise.all(files.map(readSnapshot)));
      const out = path.resolve(workspace, getInput('snapshot-out', env) || 'snapshot.json');
      writeFileSync(out, `${JSON.stringify(merged)}\n`);
      log(`merged ${files.length} snapshots into ${out}: ${merged.profiles.length} workloads`);
      setOutput('snapshot-file', out, env);
      return 0;
    }
    if (mode === 'review') {
      const { reviewPullRequest } = await import('../cli/commands/review.ts');
      const result = await reviewPullRequest({
        pr: pullRequestNumber(env), demo, config: opts.config, repoDir: repoDir ?? workspace, snapshot: opts.snapshot, dryRun,
        ...githubInputs(env),
        log,
      });
      log(`review: ${result.action}${result.url ? ` ${result.url}` : ''}${result.reason ? ` (${result.reason})` : ''}`);
      setOutput('review-comment-url', result.url ?? '', env);
      if (result.body && env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redact(result.body));
      return 0;
    }
    if (mode === 'report') {
      const { reportFor } = await import('../cli/commands/report.ts');
      const { renderMarkdown } = await import('../report/render-markdown.ts');
      // The ledger of merged changes (predicted and realised savings) is read with the token the Action is given.
      const reportToken = getInput('github-token', env);
      if (reportToken) process.env.GITHUB_TOKEN ??= reportToken;
      const report = await reportFor({ demo, config: opts.config, snapshot: opts.snapshot, quiet: false }, log);
      const reportFile = path.join(env.RUNNER_TEMP ?? os.tmpdir(), 'rightsizer-report.json');
      writeFileSync(reportFile, redact(formatJson(report)));
      setOutput('report-file', reportFile, env);
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redact(renderMarkdown(report)));
      for (const f of report.sources.failed) process.stdout.write(`::warning title=rightsizer::${escapeData(`source ${f.source} failed: ${f.error ?? ''}`)}\n`);
      return 0;
    }
    if (mode === 'verify') {
      const slackWebhookUrl = getInput('slack-webhook-url', env);
      if (slackWebhookUrl) process.env.RIGHTSIZER_SLACK_WEBHOOK_URL = slackWebhookUrl;
      const { runVerify, verifyText } = await import('../cli/commands/verify.ts');
      const result = await runVerify({
        config: opts.config, repoDir: repoDir ?? workspace, dryRun,
        githubRepo: getInput('github-repo', env) || env.GITHUB_REPOSITORY,
        githubApiUrl: getInput('github-api-url', env) || env.GITHUB_API_URL,
        token: getInput('github-token', env) || undefined,
        appId: getInput('app-id', env) || undefined,
        appPrivateKey: getInput('app-private-key', env) || undefined,
        env: { ...process.env, ...env },
        log,
      });
      const verifyFile = path.join(env.RUNNER_TEMP ?? os.tmpdir(), 'rightsizer-verify.json');
      writeFileSync(verifyFile, redact(formatJson(result)));
      setOutput('verify-file', verifyFile, env);
      if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redact(`## rightsizer verify\n\n\`\`\`\n${verifyText(result)}\`\`\`\n`));
      const opened = result.reverts.find(r => r.url);
      if (opened) {
        setOutput('pr-url', opened.url!, env);
        setOutput('pr-number', String(opened.number ?? ''), env);
      }
      for (const c of result.changes.filter(c => c.state === 'drift' || c.regressions.length > 0)) process.stdout.write(`::warning title=rightsizer verify::${escapeData(c.summary)}\n`);
      if (result.failedSources?.length) throw new UserError(`${result.failedSources.map(f => f.source).join(', ')} could not be read: the merged changes there are unknown this run`, { hint: result.failedSources.map(f => `${f.source}: ${f.error}`).join('; ') });
      return 0;
    }
    const plan = await buildPlan(opts, log);

    const planFile = path.join(env.RUNNER_TEMP ?? os.tmpdir(), 'rightsizer-plan.json');
    writeFileSync(planFile, redact(formatJson(plan)));
    setOutput('plan-file', planFile, env);
    setOutput('recommendations', String(plan.recommendations.filter(r => r.status === 'ok').length), env);
    setOutput('monthly-savings', (-plan.totals.monthly).toFixed(2), env);

    const prUrls: string[] = [];
    if (mode === 'pr' && !dryRun) {
      // The webhook input reaches Slack through the variable the configuration names.
      const slackWebhookUrl = getInput('slack-webhook-url', env);
      if (slackWebhookUrl) process.env.RIGHTSIZER_SLACK_WEBHOOK_URL = slackWebhookUrl;
      const result = await deliverFromPlan(plan, {
        demo, config: opts.config, repoDir: repoDir ?? workspace,
        ...githubInputs(env),
        log,
      });
      const opened = result.pullRequests.filter((p: DeliveredPullRequest) => p.url);
      prUrls.push(...opened.map((p: DeliveredPullRequest) => p.url!));
      if (opened[0]) {
        setOutput('pr-url', opened[0].url!, env);
        setOutput('pr-number', String(opened[0].number ?? ''), env);
      }
      if (result.dashboard?.url) setOutput('dashboard-url', result.dashboard.url, env);
      setOutput('run-again', String(result.runAgain === true), env);
      if (result.dashboard?.error) process.stdout.write(`::warning title=rightsizer dashboard::${escapeData(result.dashboard.error)}\n`);
    } else {
      for (const b of await pullRequestBodies(plan, opts)) log(`would open ${b.branch}: ${b.title}`);
    }
    if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, redact(jobSummary(plan, prUrls)));
    if (plan.failedSources?.length) {
      for (const f of plan.failedSources) process.stdout.write(`::error title=rightsizer: ${escapeProperty(f.source)}::${escapeData(f.error)}\n`);
      throw new UserError(failedSourcesError(plan.failedSources));
    }
    return 0;
  } catch (err) {
    process.stdout.write(annotate(err));
    return 1;
  }
}
