// The report as one CSV table for a spreadsheet: a row per figure, in long form, so spend, the
// forecast, the clouds' own forecasts and the savings share one header.

import type { Report } from './build.ts';

export const REPORT_CSV_HEADER = ['section', 'dimension', 'key', 'currency', 'amount', 'low', 'high', 'share', 'detail'];

export function reportCsvRows(report: Report): Array<Array<string | number | undefined>> {
  const rows: Array<Array<string | number | undefined>> = [];
  for (const t of report.totals) rows.push(['total', '', 'all', t.currency, t.amount, undefined, undefined, 1, report.period ? `${report.period.start}..${report.period.end}` : '']);
  for (const [dimension, lines] of Object.entries(report.spend)) {
    for (const l of lines) rows.push(['spend', dimension, l.key, l.currency, l.amount, undefined, undefined, l.share, '']);
  }
  for (const f of [...report.forecast.total, ...report.forecast.byProvider]) {
    rows.push(['forecast', 'provider', f.key, f.currency, f.mean, f.low, f.high, undefined, `${f.monthStart}..${f.monthEnd}; to date ${f.actualToDate}`]);
  }
  for (const f of report.forecast.fromClouds) {
    rows.push(['cloud forecast', 'provider', f.key, f.currency, f.mean, f.low, f.high, undefined, `${f.periodStart}..${f.periodEnd} (${f.source})`]);
  }
  for (const a of report.anomalies) rows.push(['anomaly', a.dimension, a.key, a.currency, a.observed, undefined, undefined, undefined, `${a.kind} ${a.date}${a.endDate ? `..${a.endDate}` : ''}: expected ${a.expected}`]);
  for (const c of report.ledger.changes) rows.push(['realised', 'change', `#${c.pr} ${c.cluster}`, c.currency, c.realisedMonthlySaving, undefined, undefined, undefined, `merged ${c.merged}; predicted ${c.predictedMonthlySaving} per month; ${c.confidence} confidence: ${c.why}`]);
  for (const w of report.savings.byWorkload) rows.push(['saving', 'workload', w.id, w.currency, w.monthlySaving, undefined, undefined, undefined, `per month; ${w.confidence} confidence; policy ${w.verdict}`]);
  return rows;
}
