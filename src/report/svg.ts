// Small inline SVG charts for the HTML report, drawn by hand: no scripts, no fonts, no network.
// Each function returns one <svg> element sized by its viewBox, so it scales with the page.

import type { AnomalyKind } from '../cost/anomalies.ts';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** $1.2k, $45k, $1.5M: axis labels that fit. */
export function compactMoney(value: number, currency: string): string {
  const symbol = ({ USD: '$', EUR: '€', GBP: '£' } as Record<string, string>)[currency] ?? '';
  const abs = Math.abs(value);
  const sign = value < 0 ? '−' : '';
  let text: string;
  if (abs >= 1e6) text = `${trim(abs / 1e6)}M`;
  else if (abs >= 1e3) text = `${trim(abs / 1e3)}k`;
  else text = abs >= 10 ? abs.toFixed(0) : trim(abs);
  return symbol ? `${sign}${symbol}${text}` : `${sign}${text} ${currency}`;
}

function trim(v: number): string {
  return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)).replace(/\.?0+$/, '') || '0';
}

/** Round tick steps (1, 2, 2.5, 5 × 10ⁿ) covering 0..max in about `count` steps. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function shortDate(day: string): string {
  return `${MONTHS[Number(day.slice(5, 7)) - 1]} ${Number(day.slice(8, 10))}`;
}

export const KIND_COLOR: Record<AnomalyKind, string> = { spike: '#d6336c', dip: '#7048e8', 'level-shift': '#e8590c', drift: '#f08c00' };

const AXIS = 'fill="#5c6570" font-size="11"';

export interface StackSeries {
  label: string;
  color: string;
  values: number[];
}

export interface Marker {
  date: string;
  kind: AnomalyKind;
  title: string;
}

/** Daily spend as stacked bars, one colour per series, with anomaly markers above the bars. */
export function stackedDailyChart(input: { dates: string[]; series: StackSeries[]; markers: Marker[]; currency: string; width?: number; height?: number }): string {
  const W = input.width ?? 960, H = input.height ?? 300;
  const m = { top: 26, right: 12, bottom: 26, left: 56 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const n = input.dates.length;
  if (n === 0) return emptyChart(W, 120, 'No daily spend to draw.');
  const totals = input.dates.map((_, i) => input.series.reduce((s, x) => s + Math.max(0, x.values[i] ?? 0), 0));
  const ticks = niceTicks(Math.max(...totals));
  const top = ticks[ticks.length - 1];
  const y = (v: number) => m.top + ph - (v / top) * ph;
  const slot = pw / n;
  const bw = Math.max(1, slot * 0.78);
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Daily spend stacked by cloud">`);
  for (const t of ticks) {
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${m.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" ${AXIS}>${escapeXml(compactMoney(t, input.currency))}</text>`);
  }
  for (let i = 0; i < n; i++) {
    let base = 0;
    const x = m.left + i * slot + (slot - bw) / 2;
    for (const s of input.series) {
      const v = Math.max(0, s.values[i] ?? 0);
      if (v <= 0) continue;
      const y0 = y(base), y1 = y(base + v);
      parts.push(`<rect x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${shortDate(input.dates[i])} · ${s.label}: ${compactMoney(v, input.currency)}`)}</title></rect>`);
      base += v;
    }
  }
  // x labels: about eight, on Mondays when the range is long enough.
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i++) {
    const monday = new Date(`${input.dates[i]}T00:00:00Z`).getUTCDay() === 1;
    const show = n > 21 ? monday && Math.round(i / 7) % Math.max(1, Math.round(every / 7)) === 0 : i % every === 0;
    if (!show) continue;
    const x = m.left + i * slot + slot / 2;
    parts.push(`<text x="${x.toFixed(1)}" y="${H - 8}" text-anchor="middle" ${AXIS}>${shortDate(input.dates[i])}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(0)}" y2="${y(0)}" stroke="#adb5bd"/>`);
  // Anomaly markers: a triangle above the day's bar; several on one day are stacked upwards.
  const perDay = new Map<number, number>();
  for (const mk of input.markers) {
    const i = input.dates.indexOf(mk.date);
    if (i < 0) continue;
    const k = perDay.get(i) ?? 0;
    perDay.set(i, k + 1);
    const cx = m.left + i * slot + slot / 2;
    const cy = Math.max(10, y(totals[i]) - 9 - k * 11);
    parts.push(`<path d="M${(cx - 5).toFixed(1)} ${(cy - 5).toFixed(1)} L${(cx + 5).toFixed(1)} ${(cy - 5).toFixed(1)} L${cx.toFixed(1)} ${(cy + 4).toFixed(1)} Z" fill="${KIND_COLOR[mk.kind]}" stroke="#fff" stroke-width="1"><title>${escapeXml(mk.title)}</title></path>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * The month so far as a cumulative line, then the forecast to month end: a dashed line to the
 * mean and a band widening to the interval at the last day.
 */
export function forecastChart(input: {
  monthStart: string; monthEnd: string; dates: string[]; daily: number[]; mean: number; low: number; high: number; currency: string;
  width?: number; height?: number;
}): string {
  const W = input.width ?? 960, H = input.height ?? 260;
  const m = { top: 18, right: 150, bottom: 26, left: 56 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const monthDays = Math.round((Date.parse(input.monthEnd) - Date.parse(input.monthStart)) / 86_400_000);
  const dayOf = (d: string) => Math.round((Date.parse(d) - Date.parse(input.monthStart)) / 86_400_000);
  const points: Array<[number, number]> = [[0, 0]];
  let cum = 0;
  input.dates.forEach((d, i) => {
    const k = dayOf(d);
    if (k < 0 || k >= monthDays) return;
    cum += input.daily[i];
    points.push([k + 1, cum]);
  });
  const last = points[points.length - 1];
  const ticks = niceTicks(Math.max(input.high, cum));
  const top = ticks[ticks.length - 1];
  const x = (day: number) => m.left + (day / monthDays) * pw;
  const y = (v: number) => m.top + ph - (v / top) * ph;
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Month-to-date spend and month-end forecast">`);
  for (const t of ticks) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${m.left - 8}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" ${AXIS}>${escapeXml(compactMoney(t, input.currency))}</text>`);
  }
  for (const d of [1, 8, 15, 22, 29].filter(d => d <= monthDays)) {
    const day = `${input.monthStart.slice(0, 8)}${String(d).padStart(2, '0')}`;
    parts.push(`<text x="${x(d - 0.5).toFixed(1)}" y="${H - 8}" text-anchor="middle" ${AXIS}>${shortDate(day)}</text>`);
  }
  // Band and mean line from the last actual point to month end.
  parts.push(`<path d="M${x(last[0]).toFixed(1)} ${y(last[1]).toFixed(1)} L${x(monthDays).toFixed(1)} ${y(input.high).toFixed(1)} L${x(monthDays).toFixed(1)} ${y(input.low).toFixed(1)} Z" fill="#4c6ef5" fill-opacity="0.16"/>`);
  parts.push(`<line x1="${x(last[0]).toFixed(1)}" y1="${y(last[1]).toFixed(1)}" x2="${x(monthDays).toFixed(1)}" y2="${y(input.mean).toFixed(1)}" stroke="#4c6ef5" stroke-width="2" stroke-dasharray="6 4"/>`);
  parts.push(`<polyline points="${points.map(([d, v]) => `${x(d).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}" fill="none" stroke="#1c2733" stroke-width="2.5"/>`);
  parts.push(`<circle cx="${x(last[0]).toFixed(1)}" cy="${y(last[1]).toFixed(1)}" r="3.5" fill="#1c2733"><title>${escapeXml(`to date: ${compactMoney(last[1], input.currency)}`)}</title></circle>`);
  parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(0)}" y2="${y(0)}" stroke="#adb5bd"/>`);
  const lx = x(monthDays) + 8;
  parts.push(`<text x="${lx.toFixed(1)}" y="${(y(input.mean) + 4).toFixed(1)}" font-size="13" font-weight="600" fill="#364fc7">${escapeXml(compactMoney(input.mean, input.currency))}</text>`);
  parts.push(`<text x="${lx.toFixed(1)}" y="${(y(input.mean) + 19).toFixed(1)}" ${AXIS}>${escapeXml(`90 %: ${compactMoney(input.low, input.currency)}–${compactMoney(input.high, input.currency)}`)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars from a zero line (negative values to the left), a label per bar. */
export function barChart(input: { items: Array<{ label: string; value: number; title?: string }>; currency: string; width?: number; positive?: string; negative?: string }): string {
  const W = input.width ?? 960;
  const rowH = 24;
  const labelW = 330;
  const m = { top: 8, right: 80, bottom: 8, left: labelW };
  const n = input.items.length;
  if (n === 0) return emptyChart(W, 60, 'Nothing to draw.');
  const H = m.top + m.bottom + n * rowH;
  const maxPos = Math.max(0, ...input.items.map(i => i.value));
  const maxNeg = Math.max(0, ...input.items.map(i => -i.value));
  const pw = W - m.left - m.right;
  const span = maxPos + maxNeg || 1;
  const zero = m.left + (maxNeg / span) * pw;
  const scale = pw / span;
  const parts: string[] = [`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Bar chart">`];
  input.items.forEach((it, i) => {
    const yTop = m.top + i * rowH;
    const w = Math.abs(it.value) * scale;
    const x0 = it.value >= 0 ? zero : zero - w;
    const color = it.value >= 0 ? (input.positive ?? '#2f9e44') : (input.negative ?? '#e03131');
    const label = it.label.length > 48 ? `${it.label.slice(0, 47)}…` : it.label;
    parts.push(`<text x="${m.left - 10}" y="${yTop + rowH / 2 + 4}" text-anchor="end" font-size="12" fill="#343a40">${escapeXml(label)}</text>`);
    parts.push(`<rect x="${x0.toFixed(1)}" y="${yTop + 4}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 8}" rx="2" fill="${color}"><title>${escapeXml(it.title ?? `${it.label}: ${compactMoney(it.value, input.currency)}`)}</title></rect>`);
    // The amount sits right of the bar, or right of the zero line for a negative bar, so it
    // never runs into the row label on the left.
    const tx = it.value >= 0 ? x0 + w + 6 : zero + 6;
    parts.push(`<text x="${tx.toFixed(1)}" y="${yTop + rowH / 2 + 4}" text-anchor="start" font-size="12" fill="${it.value >= 0 ? '#495057' : '#c92a2a'}">${escapeXml(compactMoney(it.value, input.currency))}</text>`);
  });
  parts.push(`<line x1="${zero.toFixed(1)}" x2="${zero.toFixed(1)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#adb5bd"/>`);
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Predicted against realised, one row per merged change in merge order (time runs down): two
 * bars from a zero line, predicted hatched grey-blue, realised green (or red when the bill rose).
 * A row without a realised figure shows the predicted bar only, with the reason in its title.
 */
export function predictedRealisedChart(input: { rows: Array<{ label: string; predicted: number; realised?: number; title: string }>; currency: string; width?: number }): string {
  const W = input.width ?? 960;
  const rowH = 34;
  const m = { top: 28, right: 80, bottom: 8, left: 330 };
  const n = input.rows.length;
  if (n === 0) return emptyChart(W, 60, 'No merged change to draw.');
  const H = m.top + m.bottom + n * rowH;
  const values = input.rows.flatMap(r => [r.predicted, r.realised ?? 0]);
  const maxPos = Math.max(0, ...values), maxNeg = Math.max(0, ...values.map(v => -v));
  const pw = W - m.left - m.right;
  const span = maxPos + maxNeg || 1;
  const zero = m.left + (maxNeg / span) * pw;
  const scale = pw / span;
  const parts: string[] = [`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Predicted and realised monthly savings of merged changes">`];
  parts.push(`<rect x="${m.left}" y="6" width="12" height="10" fill="#748ffc"/><text x="${m.left + 18}" y="15" font-size="11" fill="#343a40">predicted</text>`);
  parts.push(`<rect x="${m.left + 100}" y="6" width="12" height="10" fill="#2f9e44"/><text x="${m.left + 118}" y="15" font-size="11" fill="#343a40">realised (from the bill)</text>`);
  input.rows.forEach((r, i) => {
    const yTop = m.top + i * rowH;
    const label = r.label.length > 48 ? `${r.label.slice(0, 47)}…` : r.label;
    parts.push(`<text x="${m.left - 10}" y="${yTop + rowH / 2 + 4}" text-anchor="end" font-size="12" fill="#343a40">${escapeXml(label)}<title>${escapeXml(r.title)}</title></text>`);
    const bar = (v: number, y: number, color: string) => {
      const w = Math.abs(v) * scale;
      const x0 = v >= 0 ? zero : zero - w;
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${Math.max(1, w).toFixed(1)}" height="11" rx="2" fill="${color}"><title>${escapeXml(r.title)}</title></rect>`);
      parts.push(`<text x="${(v >= 0 ? x0 + w + 6 : zero + 6).toFixed(1)}" y="${y + 10}" font-size="11" fill="#495057">${escapeXml(compactMoney(v, input.currency))}</text>`);
    };
    bar(r.predicted, yTop + 4, '#748ffc');
    if (r.realised !== undefined) bar(r.realised, yTop + 18, r.realised >= 0 ? '#2f9e44' : '#e03131');
    else parts.push(`<text x="${(zero + 6).toFixed(1)}" y="${yTop + 28}" font-size="11" fill="#868e96">not measured yet</text>`);
  });
  parts.push(`<line x1="${zero.toFixed(1)}" x2="${zero.toFixed(1)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#adb5bd"/>`);
  parts.push('</svg>');
  return parts.join('');
}

function emptyChart(W: number, H: number, message: string): string {
  return `<svg viewBox="0 0 ${W} ${H}"><text x="${W / 2}" y="${H / 2}" text-anchor="middle" ${AXIS}>${escapeXml(message)}</text></svg>`;
}
