// `rightsizer report`: spend by cloud, service, cluster and team, cost anomalies, the month-end
// forecast, unit prices with their sources, failed sources, and the savings of the open
// recommendations; as a terminal table, Markdown, JSON (the Report object) or one HTML file.

import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { preflightConfig } from './plan.ts';
import { EXIT, UserError } from '../../core/errors.ts';
import type { Plan } from '../../core/plan.ts';
import type { ClusterTag } from '../../cost/daily-series.ts';
import type { Snapshot } from '../../snapshot/types.ts';
import type { Report } from '../../report/build.ts';
import type { LedgerEntry } from '../../loop/ledger.ts';
import { formatCsv, formatJson, formatYaml, paint, useColor } from '../output.ts';
import { redact } from '../../deliver/redact.ts';

export type ReportFormat = 'table' | 'markdown' | 'json' | 'html' | 'yaml' | 'csv';
const FORMATS: readonly ReportFormat[] = ['table', 'markdown', 'json', 'html', 'yaml', 'csv'];

export interface ReportCommandOptions {
  output?: string;
  snapshot?: string;
  demo?: boolean;
  out?: string;
  config?: string;
  quiet?: boolean;
  color?: boolean;
  holidays?: string;
  ledger?: string;
}

/** The default: a table on a terminal, Markdown when piped or written to a file. */
export function reportFormat(value: string | undefined, tty: boolean, out?: string): ReportFormat {
  const v = value ?? (out?.endsWith('.html') ? 'html' : out?.endsWith('.json') ? 'json' : out?.endsWith('.csv') ? 'csv' : /\.ya?ml$/.test(out ?? '') ? 'yaml' : tty && !out ? 'table' : 'markdown');
  if (!FORMATS.includes(v as ReportFormat)) throw new UserError(`--output must be one of ${FORMATS.join(', ')} (got "${v}")`, { exitCode: EXIT.usage });
  return v as ReportFormat;
}

/** Snapshot and plan for the report: from a file, or collected by the pipeline (demo or live). */
async function gather(opts: ReportCommandOptions, log: (line: string) => void): Promise<{ snapshot: Snapshot; plan?: Plan; planUnavailable?: string; clusterTags?: ClusterTag[] }> {
  // The pipeline is loaded only when needed, so a saved snapshot reports without it.
  let snapshot: Snapshot;
  let config: { clusters: Array<{ name: string; billingTag?: { key: string; value: string } }> } | undefined;
  if (opts.snapshot) {
    const { readSnapshot } = await import('../../snapshot/index.ts');
    snapshot = await readSnapshot(opts.snapshot);
  } else {
    await preflightConfig(opts);
    const { collect } = await import('../../pipeline.ts');
    const collected = await collect({ configPath: opts.config, demo: opts.demo, quiet: opts.quiet, log });
    snapshot = collected.snapshot;
    config = (collected as { config?: typeof config }).config;
    await collected.close();
  }
  // Savings need a plan, and a plan needs the configuration and the GitOps checkout.
  const configPath = opts.config ?? 'rightsizer.yaml';
  if (!opts.demo && !existsSync(configPath)) {
    return { snapshot, planUnavailable: `no plan: ${configPath} not found (give --config, or --demo), so the recommendations are not priced` };
  }
  try {
    const { planFromSnapshot } = await import('../../pipeline.ts');
    const plan = await planFromSnapshot(snapshot, { configPath: opts.config, demo: opts.demo });
    const clusterTags = config?.clusters.filter(c => c.billingTag).map(c => ({ cluster: c.name, key: c.billingTag!.key, value: c.billingTag!.value }));
    return { snapshot, plan, ...(clusterTags?.length ? { clusterTags } : {}) };
  } catch (err) {
    log(`warning: no savings in the report: planning failed: ${(err as Error).message}`);
    return { snapshot, planUnavailable: `planning failed: ${(err as Error).message}` };
  }
}

/** The report of a snapshot or a fresh collection: the one path of the CLI and the Action. */
export async function reportFor(opts: ReportCommandOptions, log: (line: string) => void, holidays?: string[]): Promise<Report> {
  const { snapshot, plan, planUnavailable, clusterTags } = await gather(opts, log);
  const { ledger, ledgerUnavailable } = await ledgerFor(opts, snapshot, log);
  const { buildReport } = await import('../../report/build.ts');
  return buildReport(snapshot, plan, { planUnavailable, clusterTags, anomalies: holidays ? { holidays } : undefined, ...(ledger ? { ledger } : {}), ...(ledgerUnavailable ? { ledgerUnavailable } : {}) });
}

/** A ledger file: what `rightsizer verify --output json` prints (its `ledger`), or the entries alone. */
async function readLedgerFile(file: string): Promise<LedgerEntry[]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not a ledger file (${(err as Error).message})`, { exitCode: EXIT.usage, hint: 'write one with `rightsizer verify --output json > ledger.json`' });
  }
  const entries = Array.isArray(data) ? data : (data as { ledger?: unknown })?.ledger;
  const valid = Array.isArray(entries) && entries.every((e, i) => {
    const ok = e && typeof e.pr === 'number' && typeof e.mergedAt === 'string' && !Number.isNaN(Date.parse(e.mergedAt)) && e.block && Array.isArray(e.block.workloads);
    if (!ok) throw new UserError(`${file}: entry ${i} of the ledger needs pr, mergedAt and block.workloads`, { exitCode: EXIT.usage, hint: 'write the file with `rightsizer verify --output json`' });
    return ok;
  });
  if (!valid) throw new UserError(`${file}: no ledger in it (an array of entries, or an object with "ledger")`, { exitCode: EXIT.usage, hint: 'write one with `rightsizer verify --output json > ledger.json`' });
  return entries as LedgerEntry[];
}

/**
 * The merged changes and the bill around them: from --ledger FILE, the demo's, or GitHub (with
 * GITHUB_TOKEN and repository.github). Never fails the report: without them the section says why.
 */
async function ledgerFor(opts: ReportCommandOptions, snapshot: Snapshot, log: (line: string) => void): Promise<{ ledger?: { entries: LedgerEntry[]; costs: Snapshot['costs']; until: string }; ledgerUnavailable?: string }> {
  const { DEMO, collectCostRows } = await import('../../pipeline.ts');
  let entries: LedgerEntry[];
  // The bill is complete up to yesterday; the demo's runs to its recorded end.
  const until = opts.demo ? DEMO.ledgerUntil : new Date().toISOString().slice(0, 10);
  if (opts.ledger) entries = await readLedgerFile(opts.ledger);
  else if (opts.demo) entries = await readLedgerFile(DEMO.ledger);
  else {
    const configPath = opts.config ?? 'rightsizer.yaml';
    if (!existsSync(configPath)) return { ledgerUnavailable: `no ledger: ${configPath} not found, and no --ledger FILE` };
    const { loadConfig } = await import('../../config/load.ts');
    const config = await loadConfig(configPath);
    const token = process.env.GITHUB_TOKEN;
    const repo = config.repository.github ?? process.env.GITHUB_REPOSITORY;
    if (!token || !repo) return { ledgerUnavailable: 'no ledger: merged rightsizer pull requests are read from GitHub with GITHUB_TOKEN and repository.github, or give --ledger FILE (from `rightsizer verify --output json`)' };
    try {
      const { GitHubRepo } = await import('../../deliver/github.ts');
      const { redactor } = await import('../../deliver/redact.ts');
      const { fetchLedger } = await import('../../loop/verify.ts');
      entries = await fetchLedger(new GitHubRepo({ repo, apiUrl: process.env.GITHUB_API_URL, token, redactor, log }), config, new Date());
    } catch (err) {
      log(`warning: no ledger in the report: ${(err as Error).message}`);
      return { ledgerUnavailable: `no ledger: reading merged pull requests failed: ${(err as Error).message}` };
    }
  }
  if (entries.length === 0) return { ledger: { entries, costs: [], until } };
  // The bill from 14 days before the first merge to 15 days after the last (or today).
  const { addDay } = await import('../../cost/daily-series.ts');
  const { REALISED_WINDOW_DAYS } = await import('../../loop/realised.ts');
  const merges = entries.map(e => e.mergedAt.slice(0, 10)).sort();
  const start = addDay(merges[0], -REALISED_WINDOW_DAYS);
  const end = [addDay(merges.at(-1)!, REALISED_WINDOW_DAYS + 1), until].sort()[0];
  const days = snapshot.costs.map(r => r.ChargePeriodStart.slice(0, 10)).sort();
  if (days.length > 0 && days[0] <= start && addDay(days.at(-1)!, 1) >= end) return { ledger: { entries, costs: snapshot.costs, until } };
  log(`reading the bill from ${start} to ${end} for the realised savings of ${entries.length} merged ${entries.length === 1 ? 'change' : 'changes'}`);
  const { rows, sources } = await collectCostRows({ start, end }, { configPath: opts.config, demo: opts.demo, log });
  for (const s of sources.filter(x => !x.ok)) log(`warning: ${s.source}: ${s.error ?? 'failed'}; realised savings of its clusters are missing`);
  return { ledger: { entries, costs: rows, until } };
}

export function register(program: Command): void {
  program.command('report')
    .description('cost report: spend by cloud/service/cluster/team, anomalies, month-end forecast, unit prices, savings')
    .option('-o, --output <format>', 'table, markdown, json, yaml, csv or html (default: table on a terminal, else markdown)')
    .option('--snapshot <file>', 'report on a saved snapshot instead of collecting')
    .option('--demo', 'report on the bundled demo (replayed billing and Prometheus data)')
    .option('--out <file>', 'write the report here instead of stdout')
    .option('--holidays <dates>', 'comma-separated YYYY-MM-DD days on which lower spend is expected (not an anomaly)')
    .option('--ledger <file>', 'merged changes to show predicted and realised savings for (`rightsizer verify --output json`); default: read from GitHub')
    .addHelpText('after', `
Examples:
  $ rightsizer report --demo
  $ rightsizer report --demo --output html --out report.html
  $ rightsizer collect --out snap.json && rightsizer report --snapshot snap.json --output json
  $ rightsizer verify --output json > ledger.json && rightsizer report --ledger ledger.json`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as ReportCommandOptions;
      const format = reportFormat(opts.output, Boolean(process.stdout.isTTY), opts.out);
      const holidays = parseHolidays(opts.holidays);
      const log = (line: string) => { if (!opts.quiet) process.stderr.write(`› ${line}\n`); };
      const report = await reportFor(opts, log, holidays);
      let text: string;
      if (format === 'json') text = formatJson(report);
      else if (format === 'yaml') text = await formatYaml(report);
      else if (format === 'csv') {
        const { REPORT_CSV_HEADER, reportCsvRows } = await import('../../report/render-csv.ts');
        text = formatCsv(REPORT_CSV_HEADER, reportCsvRows(report));
      }
      else if (format === 'markdown') text = (await import('../../report/render-markdown.ts')).renderMarkdown(report);
      else if (format === 'html') text = (await import('../../report/render-html.ts')).renderHtml(report);
      else {
        const color = opts.color !== false && useColor() && !opts.out;
        text = (await import('../../report/render-terminal.ts')).renderTerminal(report, { paint: (t, s) => paint(t, s, color) });
      }
      if (opts.out) {
        await writeFile(opts.out, redact(text));
        log(`wrote ${opts.out} (${format})`);
      } else process.stdout.write(text);
      for (const f of report.sources.failed) process.stderr.write(`warning: source ${f.source} failed: ${f.error ?? ''}\n`);
    });
}

function parseHolidays(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const days = text.split(',').map(s => s.trim()).filter(Boolean);
  for (const d of days) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(d))) {
      throw new UserError(`--holidays: "${d}" is not a YYYY-MM-DD date`, { exitCode: EXIT.usage });
    }
  }
  return days;
}
