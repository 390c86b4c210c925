// The report as aligned plain-text tables for a terminal; colour only when asked.

import type { Dimension } from '../cost/daily-series.ts';
import type { Report } from './build.ts';
import { attentionText } from '../recommend/attention.ts';
import {
  anomalyDates, anomalySubject, cloudLabel, dimensionLabel, formatMoney, groupAnomalies, KIND_LABEL, percent,
  priceSourceLabel, signedPercent, unitMoney,
} from './format.ts';
import { plural } from '../core/text.ts';

type Paint = (text: string, style: 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan') => string;

/** Terminal tables fit this many columns: the last (free-text) column is cut with an ellipsis. */
export const TERMINAL_WIDTH = 120;

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Words wrapped to `width` columns; continuation lines start with `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && [...line].length + 1 + [...word].length > width) { lines.push(line); line = indent + word; }
    else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map(l => cut(l, width)).join('\n');
}

function columns(rows: string[][], right: number[] = [], maxWidth = TERMINAL_WIDTH): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => [...(r[i] ?? '')].length)));
  const last = widths.length - 1;
  const before = widths.slice(0, last).reduce((s, w) => s + w + 2, 0);
  if (before + widths[last] > maxWidth && !right.includes(last)) widths[last] = Math.max(10, maxWidth - before);
  return rows.map(r => r.map((c, i) => {
    const text = i === last ? cut(c, widths[i]) : c;
    const pad = ' '.repeat(Math.max(0, widths[i] - [...text].length));
    return right.includes(i) ? pad + text : text + pad;
  }).join('  ').trimEnd()).join('\n');
}

export function renderTerminal(report: Report, options: { paint?: Paint; topN?: number } = {}): string {
  const paint: Paint = options.paint ?? (t => t);
  const topN = options.topN ?? 8;
  const out: string[] = [];
  const period = report.period ? `${report.period.start} → ${report.period.end} (${report.period.days} days)` : 'no cost data';
  out.push(paint('Cost report', 'bold') + paint(`  as of ${report.asOf.slice(0, 10)} · ${period}`, 'dim'), '');

  for (const f of report.sources.failed) out.push(paint(`✖ source ${f.source} failed: ${f.error ?? ''}`, 'red'));
  if (report.sources.failed.length > 0) out.push('');

  const head: string[][] = [];
  for (const t of report.totals) head.push(['Spend in period', formatMoney(t.amount, t.currency)]);
  for (const f of report.forecast.total) head.push([`Forecast ${f.monthStart.slice(0, 7)}`, `${formatMoney(f.mean, f.currency)}  (90 %: ${formatMoney(f.low, f.currency)} – ${formatMoney(f.high, f.currency)})`]);
  for (const s of report.savings.totals) head.push(['Savings available', `${formatMoney(s.monthlySaving, s.currency)}/month over ${plural(s.workloads, 'workload')}`]);
  if (!report.savings.available) head.push(['Savings', report.savings.reason ?? 'not available']);
  if (head.length > 0) out.push(columns(head), '');

  const dims: Dimension[] = ['provider', 'cluster', 'service', 'team'];
  for (const d of dims) {
    const lines = report.spend[d];
    if (lines.length === 0) continue;
    out.push(paint(`Spend by ${dimensionLabel(d)}`, 'bold'));
    out.push(columns(lines.slice(0, topN).map(l => ['  ' + (d === 'provider' ? cloudLabel(l.key) : l.key), formatMoney(l.amount, l.currency), percent(l.share)]), [1, 2]));
    if (lines.length > topN) out.push(paint(`  …and ${lines.length - topN} more`, 'dim'));
    out.push('');
  }

  const groups = groupAnomalies(report.anomalies);
  out.push(paint(`Anomalies (${groups.length})`, 'bold'));
  if (groups.length === 0) out.push('  none');
  else {
    out.push(columns([
      ['  date', 'kind', 'where', 'observed/day', 'expected/day', 'change'],
      ...groups.slice(0, 15).map(g => ['  ' + anomalyDates(g.lead), KIND_LABEL[g.lead.kind], anomalySubject(g.lead) + (g.alsoIn.length ? ` (+${g.alsoIn.length})` : ''),
        formatMoney(g.lead.observed, g.lead.currency), formatMoney(g.lead.expected, g.lead.currency), signedPercent(g.lead.observed, g.lead.expected)]),
    ], [3, 4, 5]));
    if (groups.length > 15) out.push(paint(`  …and ${groups.length - 15} more`, 'dim'));
  }
  out.push('');

  if (report.forecast.byProvider.length > 0) {
    out.push(paint('Month-end forecast', 'bold'));
    out.push(columns([
      ['  ', 'to date', 'forecast', '90 % interval'],
      ...[...report.forecast.total, ...report.forecast.byProvider].map(f => ['  ' + (f.key === 'all clouds' ? 'all clouds' : cloudLabel(f.key)),
        formatMoney(f.actualToDate, f.currency), formatMoney(f.mean, f.currency), `${formatMoney(f.low, f.currency)} – ${formatMoney(f.high, f.currency)}`]),
    ], [1, 2, 3]));
    if (report.forecast.total.length > 0) out.push(paint('  all clouds = the sum of the clouds below (each forecast on its own level and weekly pattern)', 'dim'));
    out.push('');
  }

  if (report.prices.length > 0) {
    out.push(paint('Unit prices per cluster', 'bold'));
    out.push(columns([
      ['  cluster', 'vCPU-h', 'GiB-h', 'source'],
      ...report.prices.map(p => ['  ' + p.cluster + (p.nodePool ? `/${p.nodePool}` : ''), unitMoney(p.perVcpuHour, p.currency), unitMoney(p.perGibHour, p.currency), `${priceSourceLabel(p.source)}: ${p.detail}`]),
    ], [1, 2]), '');
  }

  if (report.savings.byWorkload.length > 0) {
    out.push(paint('Savings by workload (per month)', 'bold'));
    out.push(columns(report.savings.byWorkload.slice(0, 10).map(w => ['  ' + w.id, formatMoney(w.monthlySaving, w.currency), w.verdict]), [1]), '');
  }
  if (report.ledger.available) {
    out.push(paint('Merged changes: predicted and realised savings (per month)', 'bold'));
    out.push(columns([
      ['  merged', 'change', 'cluster', 'predicted', 'realised', 'confidence'],
      ...report.ledger.changes.map(c => ['  ' + c.merged, `#${c.pr}${c.kind === 'revert' ? ' (undo)' : ''}`, c.cluster, formatMoney(c.predictedMonthlySaving, c.currency), c.realisedMonthlySaving === undefined ? '—' : formatMoney(c.realisedMonthlySaving, c.currency), c.confidence]),
    ], [3, 4]));
    for (const t of report.ledger.totals) out.push(`  total: predicted ${formatMoney(t.predictedMonthlySaving, t.currency)}, realised ${formatMoney(t.realisedMonthlySaving, t.currency)} (${t.measured} of ${t.changes} measured)`);
    out.push('');
  }
  out.push(...attentionTerminal(report, paint));
  for (const n of report.notes) out.push(paint(wrap(`note: ${n}`, TERMINAL_WIDTH, '      '), 'yellow'));
  return `${out.join('\n').trimEnd()}\n`;
}

/** Protected or frozen workloads in trouble, with the raise that would fix them. */
function attentionTerminal(report: Report, paint: Paint): string[] {
  const items = report.attention ?? [];
  if (items.length === 0) return [];
  return [paint('Needs attention (protected or frozen, not edited)', 'bold'), ...items.map(a => {
    const t = attentionText(a);
    return paint(`  ${a.id}: ${t.trouble}. Fix: ${t.fix}. Not edited: ${t.heldBy}`, 'yellow');
  }), ''];
}
