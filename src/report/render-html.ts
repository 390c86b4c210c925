// The report as one self-contained HTML file: inline CSS, inline SVG charts, system fonts, no
// scripts and no link to anything outside the file, so it can be mailed, attached to a CI run
// or opened offline.

import type { Dimension } from '../cost/daily-series.ts';
import type { Report } from './build.ts';
import { attentionText } from '../recommend/attention.ts';
import {
  anomalyDates, anomalySubject, cloudLabel, dimensionLabel, formatMoney, groupAnomalies, KIND_LABEL, percent,
  priceSourceLabel, signedPercent, unitMoney,
} from './format.ts';
import { plural } from '../core/text.ts';
import { barChart, escapeXml as esc, forecastChart, KIND_COLOR, predictedRealisedChart, shortDate, stackedDailyChart } from './svg.ts';

export const CLOUD_COLOR: Record<string, string> = { aws: '#f59f00', gcp: '#37b24d', azure: '#1c7ed6', 'on-prem': '#845ef7' };
const FALLBACK_COLORS = ['#15aabf', '#e64980', '#fab005', '#868e96'];

const CSS = `
:root { --ink: #1c2733; --muted: #5c6570; --line: #e9ecef; --bg: #f6f7f9; --card: #fff; --accent: #364fc7; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 24px 48px; }
header h1 { font-size: 24px; margin: 0 0 4px; letter-spacing: -0.01em; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 13px; margin: 0 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin-top: 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin-top: 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 24px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card .sub { color: var(--muted); font-size: 12px; }
.card.bad { border-color: #ffa8a8; background: #fff5f5; }
.alert { margin-top: 18px; border: 1px solid #ffa8a8; background: #fff5f5; border-radius: 10px; padding: 12px 16px; }
.alert strong { color: #c92a2a; }
.alert ul { margin: 6px 0 0; padding-left: 18px; }
.legend { display: flex; gap: 16px; flex-wrap: wrap; margin: 4px 0 8px; color: var(--muted); font-size: 12px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; background: var(--c); }
.legend .tri::before { width: 0; height: 0; border-radius: 0; background: none; border-left: 5px solid transparent; border-right: 5px solid transparent; border-top: 9px solid var(--c); }
svg { width: 100%; height: auto; display: block; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px 28px; }
@media (max-width: 760px) { .grid2 { grid-template-columns: 1fr; } }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr:last-child td { border-bottom: none; }
.bar { width: 22%; padding-left: 12px; }
.bar i { display: block; height: 8px; background: #748ffc; border-radius: 4px; min-width: 2px; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; color: #fff; background: var(--c); white-space: nowrap; }
.ok { color: #2b8a3e; font-weight: 600; }
.fail { color: #c92a2a; font-weight: 600; }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
.small { font-size: 12px; }
footer { color: var(--muted); font-size: 12px; margin-top: 22px; }
`;

export function renderHtml(report: Report): string {
  const groups = groupAnomalies(report.anomalies);
  const primary = report.totals[0]?.currency ?? 'USD';
  const total = report.forecast.total.find(f => f.currency === primary);
  const b: string[] = [];
  b.push('<!doctype html><html lang="en"><head><meta charset="utf-8">');
  b.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  b.push(`<title>Cost report · ${esc(report.asOf.slice(0, 10))}</title><style>${CSS}</style></head><body><main>`);

  const period = report.period ? `${report.period.start} → ${report.period.end} (${report.period.days} days)` : 'no cost data';
  b.push(`<header><h1>Cost report</h1><p>As of ${esc(report.asOf.slice(0, 10))} · cost data ${esc(period)} · ${report.measure === 'EffectiveCost' ? 'effective cost, amortised and net of discounts' : 'billed cost'}</p></header>`);

  // Headline cards.
  b.push('<div class="cards">');
  for (const t of report.totals) b.push(card(`Spend in period${report.totals.length > 1 ? ` (${t.currency})` : ''}`, formatMoney(t.amount, t.currency), report.period ? `${report.period.days} days` : ''));
  if (total) b.push(card(`Forecast ${monthName(total.monthStart)}`, formatMoney(total.mean, total.currency), `90 %: ${formatMoney(total.low, total.currency)} – ${formatMoney(total.high, total.currency)}`));
  b.push(card('Anomalies', String(groups.length), groups[0] ? `latest ${groups[0].lead.date}` : 'none in the period'));
  const saving = report.savings.totals.find(s => s.currency === primary) ?? report.savings.totals[0];
  b.push(saving
    ? card('Savings available', `${formatMoney(saving.monthlySaving, saving.currency)}/mo`, `${plural(saving.workloads, 'open recommendation')}`)
    : card('Savings available', '—', report.savings.reason ?? ''));
  if (report.sources.failed.length > 0) b.push(card('Failed sources', String(report.sources.failed.length), report.sources.failed.map(f => f.source).join(', '), true));
  b.push('</div>');

  if (report.sources.failed.length > 0) {
    b.push(`<div class="alert" role="alert"><strong>${report.sources.failed.length === 1 ? 'A source failed' : `${report.sources.failed.length} sources failed`}</strong> — the report covers everything else.<ul>`);
    for (const f of report.sources.failed) b.push(`<li><b>${esc(f.source)}</b>: ${esc(f.error ?? 'failed')}</li>`);
    b.push('</ul></div>');
  }

  // Daily spend by cloud with anomaly markers.
  const colorOf = (key: string, i: number) => CLOUD_COLOR[key] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length];
  const stack = report.daily.byProvider.map((s, i) => ({ label: cloudLabel(s.key), color: colorOf(s.key, i), values: s.values }));
  b.push('<section><h2>Daily spend by cloud</h2><div class="legend">');
  for (const s of stack) b.push(`<span style="--c:${s.color}">${esc(s.label)}</span>`);
  const kindsShown = [...new Set(groups.map(g => g.lead.kind))];
  for (const k of kindsShown) b.push(`<span class="tri" style="--c:${KIND_COLOR[k]}">${esc(KIND_LABEL[k])}</span>`);
  b.push('</div>');
  b.push(stackedDailyChart({
    dates: report.daily.dates, series: stack, currency: primary,
    markers: groups.map(g => ({ date: g.lead.date, kind: g.lead.kind, title: `${KIND_LABEL[g.lead.kind]} · ${g.lead.message}` })),
  }));
  if (report.totals.length > 1) b.push(`<p class="muted small">Chart in ${esc(primary)} only; other currencies are in the tables.</p>`);
  b.push('</section>');

  // Forecast.
  b.push('<section><h2>Month-end forecast</h2>');
  if (total) {
    const sum = report.daily.dates.map((_, i) => report.daily.byProvider.reduce((s, p) => s + (p.values[i] ?? 0), 0));
    b.push(`<p class="muted small">Month to date ${esc(formatMoney(total.actualToDate, total.currency))}. Forecast: ${esc(total.method)}; the band is a 90 % interval.</p>`);
    b.push(forecastChart({ monthStart: total.monthStart, monthEnd: total.monthEnd, dates: report.daily.dates, daily: sum, mean: total.mean, low: total.low, high: total.high, currency: total.currency }));
    b.push('<table><thead><tr><th></th><th class="num">to date</th><th class="num">forecast</th><th class="num">90 % interval</th><th>cloud\'s own forecast of the rest of the period</th></tr></thead><tbody>');
    for (const f of [...report.forecast.total, ...report.forecast.byProvider]) {
      const own = report.forecast.fromClouds.filter(c => c.key === f.key && c.currency === f.currency)
        .map(c => `${formatMoney(c.mean, c.currency)} for ${c.periodStart} → ${c.periodEnd} (${c.source})`).join('; ');
      b.push(`<tr><td>${f.key === 'all clouds' ? '<b>All clouds</b>' : esc(cloudLabel(f.key))}</td><td class="num">${esc(formatMoney(f.actualToDate, f.currency))}</td><td class="num"><b>${esc(formatMoney(f.mean, f.currency))}</b></td><td class="num">${esc(formatMoney(f.low, f.currency))} – ${esc(formatMoney(f.high, f.currency))}</td><td class="small muted">${esc(own)}</td></tr>`);
    }
    b.push('</tbody></table>');
  } else b.push('<p class="muted">No forecast: no cost data before the as-of date.</p>');
  b.push('</section>');

  // Anomalies.
  b.push('<section><h2>Anomalies</h2>');
  if (groups.length === 0) b.push('<p class="muted">No anomalies in the period.</p>');
  else {
    b.push('<table><thead><tr><th>date</th><th>kind</th><th>where</th><th class="num">observed</th><th class="num">expected</th><th class="num">change</th><th>also seen in</th></tr></thead><tbody>');
    for (const g of groups.slice(0, 40)) {
      const a = g.lead;
      b.push(`<tr><td style="white-space:nowrap">${esc(anomalyDates(a))}</td><td><span class="pill" style="--c:${KIND_COLOR[a.kind]}">${esc(KIND_LABEL[a.kind])}</span></td><td title="${esc(a.message)}">${esc(anomalySubject(a))}</td><td class="num">${esc(formatMoney(a.observed, a.currency))}/day</td><td class="num">${esc(formatMoney(a.expected, a.currency))}/day</td><td class="num">${esc(signedPercent(a.observed, a.expected))}</td><td class="small muted">${esc(g.alsoIn.map(anomalySubject).join(', '))}</td></tr>`);
    }
    b.push('</tbody></table>');
    if (groups.length > 40) b.push(`<p class="muted small">…and ${groups.length - 40} more in the JSON output.</p>`);
  }
  b.push('</section>');

  // Spend tables.
  b.push('<section><h2>Where the money goes</h2><div class="grid2">');
  const dims: Dimension[] = ['provider', 'cluster', 'service', 'team'];
  for (const d of dims) {
    const lines = report.spend[d];
    b.push(`<div><h3>By ${esc(dimensionLabel(d))}</h3>`);
    if (lines.length === 0) { b.push('<p class="muted">No data.</p></div>'); continue; }
    const max = Math.max(...lines.map(l => l.share));
    b.push('<table><tbody>');
    for (const l of lines.slice(0, 8)) {
      const name = d === 'provider' ? cloudLabel(l.key) : l.key;
      b.push(`<tr><td>${esc(name)}</td><td class="num">${esc(formatMoney(l.amount, l.currency))}</td><td class="bar"><i style="width:${((l.share / (max || 1)) * 100).toFixed(1)}%"></i></td><td class="num muted">${esc(percent(l.share))}</td></tr>`);
    }
    b.push('</tbody></table>');
    if (lines.length > 8) b.push(`<p class="muted small">…and ${lines.length - 8} more.</p>`);
    b.push('</div>');
  }
  b.push('</div></section>');

  b.push(attentionHtml(report));

  // Savings by workload.
  b.push('<section><h2>Savings from open recommendations</h2>');
  if (!report.savings.available) b.push(`<p class="muted">${esc(report.savings.reason ?? 'Not available.')}</p>`);
  else {
    const pr = report.savings.inPullRequests;
    const totals = report.savings.totals.map(t => `${formatMoney(t.monthlySaving, t.currency)} / month over ${plural(t.workloads, 'workload')}`).join('; ');
    b.push(`<p class="muted small">All open recommendations: ${esc(totals)}.${pr ? ` The planned pull requests carry ${esc(formatMoney(pr.monthlySaving, pr.currency))} / month (${plural(pr.workloads, 'workload')}).` : ''} Green saves money, red adds cost (usually a workload that needs more).</p>`);
    const items = report.savings.byWorkload.slice(0, 20).map(w => ({
      label: `${w.cluster} · ${w.namespace}/${w.name}`, value: w.monthlySaving,
      title: `${w.id}: ${formatMoney(w.monthlySaving, w.currency)}/month, ${w.confidence} confidence, policy ${w.verdict}`,
    }));
    b.push(barChart({ items, currency: primary }));
    if (report.savings.byWorkload.length > 20) b.push(`<p class="muted small">Top 20 of ${report.savings.byWorkload.length}.</p>`);
  }
  b.push('</section>');

  // Merged changes: predicted and realised.
  b.push('<section><h2>Merged changes: predicted and realised savings</h2>');
  if (!report.ledger.available) b.push(`<p class="muted">${esc(report.ledger.reason ?? 'Not available.')}</p>`);
  else {
    const totals = report.ledger.totals.map(t => `predicted ${formatMoney(t.predictedMonthlySaving, t.currency)} / month, realised ${formatMoney(t.realisedMonthlySaving, t.currency)} / month (${t.measured} of ${t.changes} measured)`).join('; ');
    b.push(`<p class="muted small">${esc(totals)}. Realised: the cluster's mean daily spend in the 14 days before the merge minus the days after, per month, shared between changes merged in the same cluster and window; the confidence says how far it can be put down to the change.</p>`);
    b.push(predictedRealisedChart({
      currency: report.ledger.changes[0]?.currency ?? primary,
      rows: report.ledger.changes.map(c => ({
        label: `${shortDate(c.merged)} · #${c.pr}${c.kind === 'revert' ? ' (undo)' : ''} · ${c.cluster}`, predicted: c.predictedMonthlySaving,
        ...(c.realisedMonthlySaving !== undefined ? { realised: c.realisedMonthlySaving } : {}),
        title: `#${c.pr} in ${c.cluster}: predicted ${formatMoney(c.predictedMonthlySaving, c.currency)}/month, ${c.realisedMonthlySaving === undefined ? 'not measured' : `realised ${formatMoney(c.realisedMonthlySaving, c.currency)}/month`}, ${c.confidence} confidence: ${c.why}`,
      })),
    }));
    b.push('<table><thead><tr><th>merged</th><th>change</th><th>cluster</th><th class="num">predicted / month</th><th class="num">realised / month</th><th>confidence</th></tr></thead><tbody>');
    for (const c of report.ledger.changes) {
      b.push(`<tr><td class="nowrap">${esc(c.merged)}</td><td><a href="${esc(c.url)}">#${c.pr}</a>${c.kind === 'revert' ? ' (undo)' : ''}<div class="small muted">${plural(c.workloads, 'workload')}</div></td><td>${esc(c.cluster)}</td><td class="num">${esc(formatMoney(c.predictedMonthlySaving, c.currency))}</td><td class="num">${c.realisedMonthlySaving === undefined ? '—' : esc(formatMoney(c.realisedMonthlySaving, c.currency))}</td><td>${esc(c.confidence)}<div class="small muted">${esc(c.why)}</div></td></tr>`);
    }
    b.push('</tbody></table>');
  }
  b.push('</section>');

  // Unit prices.
  b.push('<section><h2>Unit prices per cluster</h2>');
  if (report.prices.length === 0) b.push('<p class="muted">No unit prices.</p>');
  else {
    b.push('<table><thead><tr><th>cluster</th><th>cloud</th><th class="num">vCPU-hour</th><th class="num">GiB-hour</th><th class="num">GPU-hour</th><th>source</th></tr></thead><tbody>');
    for (const p of report.prices) {
      const gpu = Object.entries(p.perGpuHour).map(([m, v]) => `${m} ${unitMoney(v, p.currency)}`).join(', ') || '—';
      b.push(`<tr><td class="nowrap"><b>${esc(p.cluster)}</b>${p.nodePool ? `<div class="small muted">${esc(p.nodePool)}</div>` : ''}</td><td>${esc(cloudLabel(p.cloud))}${p.region ? `<div class="small muted">${esc(p.region)}</div>` : ''}</td><td class="num">${esc(unitMoney(p.perVcpuHour, p.currency))}</td><td class="num">${esc(unitMoney(p.perGibHour, p.currency))}</td><td class="num">${esc(gpu)}</td><td>${esc(priceSourceLabel(p.source))}<div class="small muted">${esc(p.detail)}</div></td></tr>`);
    }
    b.push('</tbody></table>');
  }
  b.push('</section>');

  // Sources and notes.
  b.push('<section><h2>Sources</h2><table><tbody>');
  for (const s of report.sources.failed) b.push(`<tr><td><b>${esc(s.source)}</b></td><td class="fail">failed</td><td>${esc(s.error ?? '')}</td></tr>`);
  for (const s of report.sources.ok) b.push(`<tr><td>${esc(s.source)}</td><td class="ok">ok</td><td class="muted">${esc(s.detail ?? '')}</td></tr>`);
  if (report.sources.failed.length + report.sources.ok.length === 0) b.push('<tr><td class="muted">No sources recorded.</td></tr>');
  b.push('</tbody></table>');
  if (report.notes.length > 0) {
    b.push('<h3 style="margin-top:14px">Notes</h3><ul class="small">');
    for (const n of report.notes) b.push(`<li>${esc(n)}</li>`);
    b.push('</ul>');
  }
  b.push('</section>');
  b.push('<footer>Generated by rightsizer report. Anomalies: day-by-day baseline on log spend with a weekly pattern and a robust (MAD) spread; spikes ≥ 6σ, level shifts and drifts by CUSUM and a four-week level comparison.</footer>');
  b.push('</main></body></html>\n');
  return b.join('\n');
}

function card(label: string, value: string, sub: string, bad = false): string {
  return `<div class="card${bad ? ' bad' : ''}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="sub">${esc(sub)}</div></div>`;
}

function monthName(monthStart: string): string {
  const names = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${names[Number(monthStart.slice(5, 7)) - 1]} ${monthStart.slice(0, 4)}`;
}

/** Protected or frozen workloads in trouble: not edited, so the report must say so. */
function attentionHtml(report: Report): string {
  const items = report.attention ?? [];
  if (items.length === 0) return '';
  const li = items.map(a => {
    const t = attentionText(a);
    return `<li><code>${esc(a.id)}</code>: ${esc(t.trouble)}. Fix: ${esc(t.fix)}. <span class="muted small">Not edited: ${esc(t.heldBy)}</span></li>`;
  });
  return `<section><h2>Needs attention (protected or frozen, not edited)</h2><ul>${li.join('')}</ul></section>`;
}
