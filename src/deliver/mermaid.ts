// Mermaid `xychart-beta` charts of the new requests against usage, for the PR body.
//
// xychart-beta has no legend and no side-by-side bars: bar series are drawn on top of each
// other at the same x, and a line joins all its points. So that a chart never misleads:
// - Like with like: every container is drawn as a share of its own request today (100 %), so
//   a 71m sidecar and an 8-core server sit on one scale and a cut reads as a short bar.
// - The only line is the constant 100 % of today's request; usage is a bar, never a line that
//   would join unrelated workloads.
// - No bar hides another: within a chart the larger series is drawn first (behind). Points
//   where usage is above the new request (rare) go to a chart of their own, drawn the other way.
// - Labels do not run together: at most POINTS_PER_CHART points per chart, each label at most
//   LABEL_MAX characters (the container name, or `workload/container` shortened).

import type { Recommendation } from '../core/types.ts';

export interface ChartPoint {
  label: string;
  /** New request, % of today's. */
  new: number;
  /** Usage (CPU at the recommendation percentile, memory at its peak), % of today's request. */
  usage: number;
}

/** Points per chart: six labels of LABEL_MAX characters fit the chart's default 700 px width. */
export const POINTS_PER_CHART = 6;
/** Characters per x-axis label (~7 px each at Mermaid's default font, ~110 px per point). */
export const LABEL_MAX = 14;

/** Labels go inside double quotes; Mermaid has no escape for them, so drop what could break out. */
function label(text: string): string {
  const clean = text.replace(/["\\\n\r`\[\],]/g, '').trim();
  return clean.length > LABEL_MAX ? `${clean.slice(0, LABEL_MAX - 1)}…` : clean;
}

/** Short numbers keep the chart source small and stable: whole percent, no exponent. */
function num(v: number): string {
  if (!Number.isFinite(v)) return '0';
  return String(Math.round(v));
}

function chart(title: string, points: ChartPoint[], usageInFront: boolean): string {
  const top = Math.max(100, ...points.flatMap(p => [p.new, p.usage]));
  const ceiling = Math.ceil((top * 1.1) / 10) * 10;
  const newBar = `    bar [${points.map(p => num(p.new)).join(', ')}]`;
  const usageBar = `    bar [${points.map(p => num(p.usage)).join(', ')}]`;
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title.replace(/["\\\n\r`]/g, '')}"`,
    `    x-axis [${points.map(p => `"${label(p.label)}"`).join(', ')}]`,
    `    y-axis "% of today's request" 0 --> ${ceiling}`,
    ...(usageInFront ? [newBar, usageBar] : [usageBar, newBar]),
    `    line [${points.map(() => '100').join(', ')}]`,
    '```',
  ].join('\n');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Container names when they are unique across the charted workloads, else `workload/container`. */
function labeller(recs: Recommendation[]): (rec: Recommendation, container: string) => string {
  const names = recs.flatMap(r => r.containers.map(c => c.container));
  const unique = new Set(names).size === names.length;
  return (rec, container) => (unique ? container : `${rec.ref.name}/${container}`);
}

const pct = (value: number, today: number) => (today > 0 ? (value / today) * 100 : 0);

/** CPU: new request and usage at the recommendation percentile, as % of today's request. */
export function cpuPoints(recs: Recommendation[]): ChartPoint[] {
  const name = labeller(recs);
  return recs.flatMap(rec => rec.containers.flatMap(c => {
    const e = c.evidence.cpu;
    const from = c.cpuRequest?.from, to = c.cpuRequest?.to;
    if (!e || from === undefined || to === undefined || !(from > 0) || from === to) return [];
    return [{ label: name(rec, c.container), new: pct(to, from), usage: pct(e.value, from) }];
  }));
}

/** Memory: new request and peak working set, as % of today's request. */
export function memoryPoints(recs: Recommendation[]): ChartPoint[] {
  const name = labeller(recs);
  return recs.flatMap(rec => rec.containers.flatMap(c => {
    const e = c.evidence.memory;
    const from = c.memoryRequest?.from, to = c.memoryRequest?.to;
    if (!e || from === undefined || to === undefined || !(from > 0) || from === to) return [];
    return [{ label: name(rec, c.container), new: pct(to, from), usage: pct(e.peak, from) }];
  }));
}

function charts(what: string, points: ChartPoint[]): string[] {
  const below = points.filter(p => p.usage <= p.new);
  const above = points.filter(p => p.usage > p.new);
  const out: string[] = [];
  for (const [list, usageInFront, note] of [[below, true, ''], [above, false, ', usage above the new request']] as const) {
    const parts = chunks(list, POINTS_PER_CHART);
    parts.forEach((part, i) => {
      const n = parts.length > 1 ? ` (${i + 1}/${parts.length})` : '';
      out.push(chart(`${what}: new request and usage, % of today's request${note}${n}`, part, usageInFront));
    });
  }
  return out;
}

/** The charts section body (without heading); empty when no container has the numbers to plot. */
export function usageCharts(recs: Recommendation[]): string {
  const parts = [...charts('CPU', cpuPoints(recs)), ...charts('Memory', memoryPoints(recs))];
  if (parts.length === 0) return '';
  parts.push('Bars: the new request and the usage it is sized from (CPU at the recommendation percentile, memory at its peak), the wider bar behind · line: today\'s request (100 %).');
  return parts.join('\n\n');
}
