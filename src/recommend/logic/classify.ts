// Workload classes from the data. The CPU sketch has no time order, so its shape says "spiky"
// or "batch"; the hourly memory peaks keep time order, so they say "daily-seasonal".

import type { WorkloadClass, WorkloadKind } from '../../core/types.ts';
import type { DecayingHistogram } from '../model/decaying-histogram.ts';

export interface ClassMetrics {
  /** P99 / P50 of CPU usage. */
  cpuSpread: number;
  /** Share of (decayed) time CPU stays at or below IDLE_FRACTION of its P99: idle between runs. */
  idleShare: number;
  /** The CPU level counted as idle, cores. */
  idleCores: number;
  /** Autocorrelation of hourly memory peaks at a 24-hour lag (-1..1); 0 when too short. */
  dailyCorrelation: number;
  /** Coefficient of variation of hourly memory peaks. */
  memoryVariation: number;
}

export const CLASS_RULES = {
  /** CPU at or below this share of its P99 counts as idle (a job between runs, not a quiet service). */
  idleFraction: 0.02,
  /** Idle at least this share of the time, with bursts: batch. */
  batchIdleShare: 0.6,
  /** P99 at least this multiple of the median: spiky. */
  spikySpread: 3,
  /** 24-hour autocorrelation at least this (and visible variation): daily-seasonal. */
  seasonalCorrelation: 0.5,
  seasonalMinVariation: 0.05,
};

export function autocorrelation(values: number[], lag: number): number {
  const n = values.length;
  if (n < lag * 2) return 0;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    den += d * d;
    if (i + lag < n) num += d * (values[i + lag] - mean);
  }
  return den > 0 ? num / den : 0;
}

export function classMetrics(cpu: DecayingHistogram, hourlyMemoryPeaks: number[]): ClassMetrics {
  const p50 = cpu.quantile(0.5), p99 = cpu.quantile(0.99);
  const cpuSpread = p50 > 0 ? p99 / p50 : p99 > 0 ? Infinity : 1;
  const idleCores = p99 * CLASS_RULES.idleFraction;
  const idleShare = p99 > 0 ? cpu.shareAtOrBelow(idleCores) : 0;
  let mean = 0;
  for (const v of hourlyMemoryPeaks) mean += v;
  mean = hourlyMemoryPeaks.length ? mean / hourlyMemoryPeaks.length : 0;
  let sq = 0;
  for (const v of hourlyMemoryPeaks) sq += (v - mean) ** 2;
  const memoryVariation = mean > 0 ? Math.sqrt(sq / hourlyMemoryPeaks.length) / mean : 0;
  return { cpuSpread, idleShare, idleCores, dailyCorrelation: autocorrelation(hourlyMemoryPeaks, 24), memoryVariation };
}

export function classify(metrics: ClassMetrics, kind?: WorkloadKind): WorkloadClass {
  if (kind === 'CronJob' || kind === 'Job') return 'batch';
  if (metrics.idleShare >= CLASS_RULES.batchIdleShare) return 'batch';
  if (metrics.cpuSpread >= CLASS_RULES.spikySpread) return 'spiky';
  if (metrics.dailyCorrelation >= CLASS_RULES.seasonalCorrelation && metrics.memoryVariation >= CLASS_RULES.seasonalMinVariation) return 'daily-seasonal';
  return 'steady';
}

export function describeClass(c: WorkloadClass, m: ClassMetrics): string {
  switch (c) {
    case 'batch': return `batch: CPU idles (≤${Math.round(CLASS_RULES.idleFraction * 100)}% of its P99) ${Math.round(m.idleShare * 100)}% of the time`;
    case 'spiky': return `spiky: CPU P99 is ${m.cpuSpread.toFixed(1)}× its median`;
    case 'daily-seasonal': return `daily-seasonal: hourly memory peaks repeat every 24 h (autocorrelation ${m.dailyCorrelation.toFixed(2)})`;
    default: return `steady: CPU P99 is ${Number.isFinite(m.cpuSpread) ? m.cpuSpread.toFixed(1) : '∞'}× its median, no daily pattern`;
  }
}
