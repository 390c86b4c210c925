// The sample budget: how a query is cut so that Prometheus never holds more than
// `prometheus.maxQuerySamples` samples at once for it — by time (fewer steps per query), by pods
// (a batch of whole workloads per query), and, when the server's own --query.max-samples still
// refuses, by halving the time range and asking again.

import { PrometheusQueryError } from './client.ts';
import { splitRange } from './queries.ts';

export const DEFAULT_SAMPLE_BUDGET = 100_000;

/**
 * Samples Prometheus 2 holds per output point of our range queries: the inner rate/…_over_time
 * matrix and the aggregation's output, side by side while `or` and `label_replace` combine them.
 * Measured with `stats` (peakSamples / (series × steps)): a little over 2; 3 leaves room.
 */
export const PEAK_PER_POINT = 3;

export interface Piece { start: number; end: number; points: number }

/** Slices of (start, end] at `step` such that `series` series stay within the budget (and ≤ 11,000 points). */
export function budgetSlices(start: number, end: number, step: number, series: number, budget: number): Piece[] {
  const points = Math.max(1, Math.min(11_000, Math.floor(budget / (Math.max(1, series) * PEAK_PER_POINT))));
  return splitRange(start, end, step, points);
}

/**
 * Batches of pods whose series fit the budget at `minPoints` steps per query. A workload's pods
 * stay together (its per-step sums need all of them in one answer). One batch without a pod
 * list when everything fits.
 */
export function podBatches(workloads: Array<{ pods: string[]; series: number }>, budget: number, minPoints = 24): Array<{ pods?: string[]; series: number }> {
  const maxSeries = Math.max(1, Math.floor(budget / (PEAK_PER_POINT * minPoints)));
  const total = workloads.reduce((s, w) => s + w.series, 0);
  if (total <= maxSeries) return [{ series: total }];
  const out: Array<{ pods: string[]; series: number }> = [];
  let cur: { pods: string[]; series: number } = { pods: [], series: 0 };
  for (const w of workloads) {
    if (cur.series > 0 && cur.series + w.series > maxSeries) { out.push(cur); cur = { pods: [], series: 0 }; }
    cur.pods.push(...w.pods);
    cur.series += w.series;
  }
  if (cur.series > 0) out.push(cur);
  return out;
}

/**
 * Runs `run` on the piece; when Prometheus answers that the query would load too many samples
 * (--query.max-samples), runs it on each half of the time range instead, in order. `onSplit`
 * is told each time, for a warning.
 */
export async function splitOnTooManySamples(piece: Piece, step: number, run: (p: Piece) => Promise<void>, onSplit?: (p: Piece) => void): Promise<void> {
  try {
    await run(piece);
  } catch (err) {
    if (!(err instanceof PrometheusQueryError && err.tooManySamples) || piece.points <= 1) throw err;
    onSplit?.(piece);
    const half = Math.ceil(piece.points / 2);
    await splitOnTooManySamples({ start: piece.start, end: piece.start + (half - 1) * step, points: half }, step, run, onSplit);
    await splitOnTooManySamples({ start: piece.start + half * step, end: piece.end, points: piece.points - half }, step, run, onSplit);
  }
}
