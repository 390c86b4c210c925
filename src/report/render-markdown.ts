// The report as GitHub-flavoured Markdown (for a job summary, an issue or a PR comment).

import type { Dimension } from '../cost/daily-series.ts';
import type { Report } from './build.ts';
import { attentionText } from '../recommend/attention.ts';
import { workloadIdText } from '../core/workload-id.ts';
import {
  anomalyDates, anomalySubject, cloudLabel, dimensionLabel, formatMoney, groupAnomalies, KIND_LABEL, percent,
  priceSourceLabel, signedPercent, unitMoney,
} from './format.ts';
import { plural } from '../core/text.ts';

export interface MarkdownOptions {
  /** Rows per spend table (default 10). */
  topN?: number;
  /** Anomaly groups listed (default 20). */
  maxAnomalies?: number;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const sep = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map(r => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const topN = options.topN ?? 10;
  const out: string[] = [];
  const period = report.period ? `${report.period.start} → ${report.period.end} (${report.period.days} days, end exclusive)` : 'no cost data';
  out.push('# Cost report', '');
  out.push(`As of ${report.asOf.slice(0, 10)} · cost data ${period} · ${report.measure === 'EffectiveCost' ? 'effective cost (amortised, net of discounts)' : 'billed cost'}`, '');

  if (report.sources.failed.length > 0) {
    out.push('> [!WARNING]');
    out.push(`> ${report.sources.failed.length === 1 ? 'One source' : `${report.sources.failed.length} sources`} failed; the report covers the rest.`);
    for (const f of report.sources.failed) out.push(`> - **${f.source}**: ${f.error ?? 'failed'}`);
    out.push('');
  }

  // Summary.
  out.push('## Summary', '');
  const summary: string[][] = [];
  for (const t of report.totals) summary.push([`Spend in the period (${t.currency})`, formatMoney(t.amount, t.currency)]);
  for (const f of report.forecast.total) {
    summary.push([`Forecast for ${f.monthStart.slice(0, 7)}`, `${formatMoney(f.mean, f.currency)} (90 %: ${formatMoney(f.low, f.currency)} – ${formatMoney(f.high, f.currency)})`]);
  }
  summary.push(['Anomalies', String(groupAnomalies(report.anomalies).length)]);
  if (report.savings.available) {
    for (const s of report.savings.totals) summary.push([`Savings of open recommendations (${plural(s.workloads, 'workload')})`, `${formatMoney(s.monthlySaving, s.currency)} / month`]);
  } else summary.push(['Savings', report.savings.reason ?? 'not available']);
  out.push(table(['', ''], summary, ['l', 'r']), '');

  // Spend.
  out.push('## Spend', '');
  const dims: Dimension[] = ['provider', 'service', 'cluster', 'team'];
  for (const d of dims) {
    const lines = report.spend[d];
    if (lines.length === 0) continue;
    out.push(`### By ${dimensionLabel(d)}`, '');
    const rows = lines.slice(0, topN).map(l => [d === 'provider' ? cloudLabel(l.key) : l.key, formatMoney(l.amount, l.currency), percent(l.share)]);
    out.push(table([dimensionLabel(d), 'spend', 'share'], rows, ['l', 'r', 'r']));
    if (lines.length > topN) out.push('', `…and ${lines.length - topN} more.`);
    out.push('');
  }

  // Anomalies.
  out.push('## Anomalies', '');
  const groups = groupAnomalies(report.anomalies);
  if (groups.length === 0) out.push('No anomalies in the period.', '');
  else {
    const max = options.maxAnomalies ?? 20;
    const rows = groups.slice(0, max).map(g => [
      anomalyDates(g.lead), KIND_LABEL[g.lead.kind], anomalySubject(g.lead),
      `${formatMoney(g.lead.observed, g.lead.currency)}/day`, `${formatMoney(g.lead.expected, g.lead.currency)}/day`,
      signedPercent(g.lead.observed, g.lead.expected), g.alsoIn.map(anomalySubject).join(', '),
    ]);
    out.push(table(['date', 'kind', 'where', 'observed', 'expected', 'change', 'also seen in'], rows, ['l', 'l', 'l', 'r', 'r', 'r', 'l']));
    if (groups.length > max) out.push('', `…and ${groups.length - max} more.`);
    out.push('');
  }

  // Forecast.
  out.push('## Month-end forecast', '');
  const fc = [...report.forecast.total, ...report.forecast.byProvider];
  if (fc.length === 0) out.push('No forecast: no cost data before the as-of date.', '');
  else {
    out.push(table(['', 'month', 'to date', 'forecast', '90 % interval'], fc.map(f => [
      f.key === 'all clouds' ? '**all clouds**' : cloudLabel(f.key), f.monthStart.slice(0, 7), formatMoney(f.actualToDate, f.currency),
      formatMoney(f.mean, f.currency), `${formatMoney(f.low, f.currency)} – ${formatMoney(f.high, f.currency)}`,
    ]), ['l', 'l', 'r', 'r', 'r']), '');
    out.push(`Method: ${report.forecast.total[0]?.method ?? fc[0].method}.`, '');
  }
  if (report.forecast.fromClouds.length > 0) {
    out.push('Forecasts from the clouds themselves:', '');
    out.push(table(['cloud', 'period', 'forecast', 'interval', 'source'], report.forecast.fromClouds.map(f => [
      cloudLabel(f.key), `${f.periodStart} → ${f.periodEnd}`, formatMoney(f.mean, f.currency),
      f.low !== undefined && f.high !== undefined ? `${formatMoney(f.low, f.currency)} – ${formatMoney(f.high, f.currency)}` : '', f.source,
    ]), ['l', 'l', 'r', 'r', 'l']), '');
  }

  // Unit prices.
  out.push('## Unit prices per cluster', '');
  if (report.prices.length === 0) out.push('No unit prices.', '');
  else {
    out.push(table(['cluster', 'node pool', 'cloud', 'vCPU-hour', 'GiB-hour', 'GPU-hour', 'source', 'detail'], report.prices.map(p => [
      p.cluster, p.nodePool ?? '', cloudLabel(p.cloud), unitMoney(p.perVcpuHour, p.currency), unitMoney(p.perGibHour, p.currency),
      Object.entries(p.perGpuHour).map(([m, v]) => `${m} ${unitMoney(v, p.currency)}`).join(', '), priceSourceLabel(p.source), p.detail,
    ]), ['l', 'l', 'l', 'r', 'r', 'r', 'l', 'l']), '');
  }

  // Savings.
  out.push('## Savings from open recommendations', '');
  if (!report.savings.available) out.push(report.savings.reason ?? 'Not available.', '');
  else {
    const pr = report.savings.inPullRequests;
    if (pr) out.push(`The planned pull requests carry ${formatMoney(pr.monthlySaving, pr.currency)} / month over ${plural(pr.workloads, 'workload')}.`, '');
    out.push(table(['workload', 'saving / month', 'confidence', 'policy'], report.savings.byWorkload.slice(0, 25).map(w => [
      workloadIdText(w), formatMoney(w.monthlySaving, w.currency), w.confidence, w.verdict,
    ]), ['l', 'r', 'l', 'l']), '');
    if (report.savings.byWorkload.length > 25) out.push(`…and ${report.savings.byWorkload.length - 25} more.`, '');
  }

  // Merged changes.
  out.push('## Merged changes: predicted and realised savings', '');
  if (!report.ledger.available) out.push(report.ledger.reason ?? 'Not available.', '');
  else {
    for (const t of report.ledger.totals) out.push(`Predicted ${formatMoney(t.predictedMonthlySaving, t.currency)} / month; realised ${formatMoney(t.realisedMonthlySaving, t.currency)} / month from the bill (${t.measured} of ${t.changes} measured).`, '');
    out.push(table(['merged', 'change', 'cluster', 'predicted / month', 'realised / month', 'confidence'], report.ledger.changes.map(c => [
      c.merged, `[#${c.pr}](${c.url})${c.kind === 'revert' ? ' (undo)' : ''}`, c.cluster, formatMoney(c.predictedMonthlySaving, c.currency),
      c.realisedMonthlySaving === undefined ? '—' : formatMoney(c.realisedMonthlySaving, c.currency), `${c.confidence}: ${c.why}`,
    ]), ['l', 'l', 'l', 'r', 'r', 'l']), '');
  }

  out.push(...attentionMarkdown(report));

  // Sources.
  out.push('## Sources', '');
  const sources = [...report.sources.failed.map(s => ({ ...s, state: '❌ failed' })), ...report.sources.ok.map(s => ({ ...s, state: '✅ ok' }))];
  if (sources.length === 0) out.push('No sources recorded.', '');
  else out.push(table(['source', 'state', 'detail'], sources.map(s => [s.source, s.state, s.ok ? s.detail ?? '' : s.error ?? ''])), '');

  if (report.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of report.notes) out.push(`- ${n}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Protected or frozen workloads in trouble: not edited, so the report must say so. */
function attentionMarkdown(report: Report): string[] {
  const items = report.attention ?? [];
  if (items.length === 0) return [];
  return ['## Needs attention (protected or frozen, not edited)', '', ...items.map(a => {
    const t = attentionText(a);
    return `- \`${a.id}\`: ${t.trouble}. Fix: ${t.fix}. Not edited: ${t.heldBy}`;
  }), ''];
}
