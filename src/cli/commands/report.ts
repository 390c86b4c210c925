// `rightsizer report`: spend by cloud, service, cluster and team, cost anomalies, the month-end
// forecast, unit prices with their sources, failed sources, and the savings of the open
// recommendations; as a terminal table, Markdown, JSON (the Report object) or one HTML file.

import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { preflightConfig } from './plan.ts';
import { EXIT, UserError } from '../../core/errors.ts';
import type { Plan } from '../../core/plan.ts';
import type { ClusterTag } from '../../cost/daily-series.ts';
import type { Snapshot } from '../../snapshot/types.ts';
import type { Report } from '../../report/build.ts';
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
  const { buildReport } = await import('../../report/build.ts');
  return buildReport(snapshot, plan, { planUnavailable, clusterTags, anomalies: holidays ? { holidays } : undefined });
}

export function register(program: Command): void {
  program.command('report')
    .description('cost report: spend by cloud/service/cluster/team, anomalies, month-end forecast, unit prices, savings')
    .option('-o, --output <format>', 'table, markdown, json, yaml, csv or html (default: table on a terminal, else markdown)')
    .option('--snapshot <file>', 'report on a saved snapshot instead of collecting')
    .option('--demo', 'report on the bundled demo (replayed billing and Prometheus data)')
    .option('--out <file>', 'write the report here instead of stdout')
    .option('--holidays <dates>', 'comma-separated YYYY-MM-DD days on which lower spend is expected (not an anomaly)')
    .addHelpText('after', `
Examples:
  $ rightsizer report --demo
  $ rightsizer report --demo --output html --out report.html
  $ rightsizer collect --out snap.json && rightsizer report --snapshot snap.json --output json`)
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
