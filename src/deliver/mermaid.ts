// Mermaid `xychart-beta` charts of usage against old and new requests, for the PR body.
// GitHub renders ```mermaid blocks. xychart-beta draws several bar series on top of each other
// (no legend, no side-by-side bars), so the old request is drawn first (behind), the new
// request in front, and usage as a line; a legend line under each chart says which is which.

import type { Recommendation } from '../core/types.ts';

export interface ChartPoint {
  label: string;
  old: number;
  new: number;
  usage: number;
}

/** Containers per chart: beyond this the x-axis labels overlap. */
export const POINTS_PER_CHART = 8;

/** Labels go inside double quotes; Mermaid has no escape for them, so drop what could break out. */
function label(text: string): string {
  const clean = text.replace(/["\\\n\r`]/g, '').trim();
  return clean.length > 24 ? `${clean.slice(0, 23)}…` : clean;
}

/** Short numbers keep the chart source small and stable: at most 3 decimals, no exponent. */
function num(v: number): string {
  if (!Number.isFinite(v)) return '0';
  return String(Math.round(v * 1000) / 1000);
}

function chart(title: string, unit: string, points: ChartPoint[]): string {
  const top = Math.max(1, ...points.flatMap(p => [p.old, p.new, p.usage]));
  const ceiling = Number((top * 1.1).toPrecision(2));
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title.replace(/["\\\n\r`]/g, '')}"`,
    `    x-axis [${points.map(p => `"${label(p.label)}"`).join(', ')}]`,
    `    y-axis "${unit}" 0 --> ${num(ceiling)}`,
    `    bar [${points.map(p => num(p.old)).join(', ')}]`,
    `    bar [${points.map(p => num(p.new)).join(', ')}]`,
    `    line [${points.map(p => num(p.usage)).join(', ')}]`,
    '```',
  ].join('\n');
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function pointLabel(rec: Recommendation, container: string, many: boolean): string {
  return many ? `${rec.ref.name}/${container}` : container;
}

/** CPU points in millicores: percentile usage vs old and new request. */
export function cpuPoints(recs: Recommendation[]): ChartPoint[] {
  const many = recs.length > 1;
  return recs.flatMap(rec => rec.containers.flatMap(c => {
    const e = c.evidence.cpu;
    if (!e || c.cpuRequest?.from === undefined || c.cpuRequest.to === undefined) return [];
    return [{ label: pointLabel(rec, c.container, many), old: c.cpuRequest.from * 1000, new: c.cpuRequest.to * 1000, usage: e.value * 1000 }];
  }));
}

/** Memory points in MiB: peak working set vs old and new request. */
export function memoryPoints(recs: Recommendation[]): ChartPoint[] {
  const many = recs.length > 1;
  const mib = (b: number) => b / 2 ** 20;
  return recs.flatMap(rec => rec.containers.flatMap(c => {
    const e = c.evidence.memory;
    if (!e || c.memoryRequest?.from === undefined || c.memoryRequest.to === undefined) return [];
    return [{ label: pointLabel(rec, c.container, many), old: mib(c.memoryRequest.from), new: mib(c.memoryRequest.to), usage: mib(e.peak) }];
  }));
}

/** The charts section body (without heading); empty when no container has the numbers to plot. */
export function usageCharts(recs: Recommendation[]): string {
  const cpu = cpuPoints(recs);
  const memory = memoryPoints(recs);
  const parts: string[] = [];
  const cpuChunks = chunks(cpu, POINTS_PER_CHART);
  cpuChunks.forEach((points, i) => {
    const part = cpuChunks.length > 1 ? ` (${i + 1}/${cpuChunks.length})` : '';
    parts.push(chart(`CPU request vs usage, millicores${part}`, 'millicores', points));
  });
  const memChunks = chunks(memory, POINTS_PER_CHART);
  memChunks.forEach((points, i) => {
    const part = memChunks.length > 1 ? ` (${i + 1}/${memChunks.length})` : '';
    parts.push(chart(`Memory request vs peak usage, MiB${part}`, 'MiB', points));
  });
  if (parts.length === 0) return '';
  parts.push('Back bar: old request · front bar: new request · line: usage (CPU at the recommendation percentile, memory at its peak).');
  return parts.join('\n\n');
}
