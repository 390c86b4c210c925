// CPU request from a decaying usage histogram (VPA-style): a percentile of recent-weighted
// usage, plus a margin that widens when history is short. The percentile moves towards 1 for
// classes whose bursts matter (spiky services, batch jobs that need their CPU when they run).

import type { WorkloadClass } from '../../core/types.ts';
import { formatCpu } from '../../core/quantity.ts';
import type { DecayingHistogram } from '../model/decaying-histogram.ts';
import type { HistoryAssessment } from './history.ts';
import { days } from './history.ts';
import { roundCpu } from './rounding.ts';

export interface CpuRules {
  /** Share of the gap between the configured percentile and 1 that each class closes. */
  percentileShift: Record<WorkloadClass, number>;
  /** For batch workloads, take the percentile over the time the job runs (idle samples left out). */
  batchActiveOnly: boolean;
  /** Margin added to every estimate (VPA uses 15% on a P90; on a P95 less is needed). */
  baseMargin: number;
  /** Smallest request ever proposed, cores. */
  floorCores: number;
}

export const CPU_RULES: CpuRules = {
  percentileShift: { steady: 0, 'daily-seasonal': 0, spiky: 0, batch: 0 },
  batchActiveOnly: true,
  baseMargin: 0,
  floorCores: 0.01,
};

export interface CpuEstimate {
  /** Recommended request, cores, rounded to whole millicores. */
  cores: number;
  percentile: number;
  /** The percentile's value before the margin, cores. */
  value: number;
  peak: number;
  margin: number;
  why: string;
  /** Why the value is not smaller, for the evidence. */
  notSmallerBecause: string[];
}

export function cpuPercentileFor(configured: number, workloadClass: WorkloadClass, rules: CpuRules = CPU_RULES): number {
  const shift = rules.percentileShift[workloadClass] ?? 0;
  return configured + (1 - configured) * shift;
}

export function estimateCpu(
  usage: DecayingHistogram,
  options: { percentile: number; workloadClass: WorkloadClass; history: HistoryAssessment; idleShare?: number },
  rules: CpuRules = CPU_RULES,
): CpuEstimate {
  const percentile = cpuPercentileFor(options.percentile, options.workloadClass, rules);
  // A batch job needs its CPU while it runs: the percentile is taken over the running time,
  // i.e. at idle + (1 - idle) × p of the whole histogram.
  const idle = options.workloadClass === 'batch' && rules.batchActiveOnly ? Math.min(0.99, options.idleShare ?? 0) : 0;
  const value = usage.quantile(idle + (1 - idle) * percentile);
  const margin = rules.baseMargin + options.history.extraMargin;
  const raw = value * (1 + margin);
  const notSmallerBecause: string[] = [];
  let cores = roundCpu(raw);
  if (cores < rules.floorCores) {
    cores = rules.floorCores;
    notSmallerBecause.push(`floor of ${formatCpu(rules.floorCores)}`);
  }
  const pct = `P${+(percentile * 100).toFixed(1)}` + (idle > 0 ? ' of the running time' : '');
  const halfLife = days(usage.halfLifeSeconds);
  if (percentile !== options.percentile) notSmallerBecause.push(`${options.workloadClass} workload: ${pct} instead of P${+(options.percentile * 100).toFixed(1)}`);
  if (options.history.extraMargin > 0) notSmallerBecause.push(`short history (${days(options.history.seconds)}): +${Math.round(options.history.extraMargin * 100)}% margin`);
  const why = `${pct} of CPU usage weighted to the last days (half-life ${halfLife}) is ${formatCpu(value)}` +
    (margin > 0 ? `, plus ${Math.round(margin * 100)}% margin` : '') + `; peak ${formatCpu(usage.maxValue)}`;
  return { cores, percentile, value, peak: usage.maxValue, margin, why, notSmallerBecause };
}
