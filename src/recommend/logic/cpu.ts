// CPU request: a percentile of usage over the whole window (every sample alike, as KRR does),
// never worse than a flat 14-day P95 by construction. Two data-driven exceptions, each named in
// the evidence:
// - a level shift: when the last days' usage clearly left the level of the rest of the window
//   (their interquartile ranges do not overlap), the percentile of the last days is used for a
//   drop, and the larger of the two for a rise;
// - uneven pods: when one long-running pod's own percentile is well above the pooled one, the
//   request covers that pod, so the busiest pods are not throttled.
// Older snapshots without the window sketch fall back to the recency-weighted histogram.

import type { WorkloadClass } from '../../core/types.ts';
import { formatCpu } from '../../core/quantity.ts';
import type { DecayingHistogram } from '../model/decaying-histogram.ts';
import type { HistoryAssessment } from './history.ts';
import { days } from './history.ts';

export interface CpuRules {
  /** Share of the gap between the configured percentile and 1 that each class closes. */
  percentileShift: Record<WorkloadClass, number>;
  /** For batch workloads, take the percentile over the time the job runs (idle samples left out). */
  batchActiveOnly: boolean;
  /** Margin added to every estimate (VPA uses 15% on a P90; on a P95 less is needed). */
  baseMargin: number;
  /** Smallest request ever proposed, cores. */
  floorCores: number;
  /** Level shift: use the recent days only when their quartiles do not overlap the rest's. */
  levelShift: boolean;
  /** Uneven pods: a pod counts when it has at least this share of the busiest-sampled pod's samples. */
  podMinShare: number;
  /** Uneven pods: the hottest pod's percentile must exceed the pooled one by this share. */
  podUneven: number;
}

export const CPU_RULES: CpuRules = {
  percentileShift: { steady: 0, 'daily-seasonal': 0, spiky: 0, batch: 0 },
  batchActiveOnly: true,
  baseMargin: 0,
  floorCores: 0.01,
  levelShift: true,
  podMinShare: 0.1,
  podUneven: 0.1,
};

/** CPU throttled in at least this share of CFS periods is sustained throttling (kubernetes-mixin's CPUThrottlingHigh alerts at 25%). */
export const SUSTAINED_THROTTLING = 0.25;

export interface CpuEstimate {
  /** Recommended request, cores, to the nearest millicore. */
  cores: number;
  percentile: number;
  /** The percentile's value before the margin, cores. */
  value: number;
  peak: number;
  margin: number;
  /** Which statistic made the value: 'window', 'recent level (drop)', 'recent level (rise)', 'hottest pod', 'recency-weighted'. */
  statistic: string;
  why: string;
  /** Why the value is not smaller, for the evidence. */
  notSmallerBecause: string[];
}

export interface CpuSketches {
  /** Recency-weighted histogram (always there). */
  decayed: DecayingHistogram;
  /** Whole window, unweighted; absent in older snapshots. */
  window?: DecayingHistogram;
  /** Last days of the window, unweighted. */
  recent?: DecayingHistogram;
  recentSeconds?: number;
  pods?: Array<{ pod: string; cpu: DecayingHistogram }>;
}

export function cpuPercentileFor(configured: number, workloadClass: WorkloadClass, rules: CpuRules = CPU_RULES): number {
  const shift = rules.percentileShift[workloadClass] ?? 0;
  return configured + (1 - configured) * shift;
}

/** Quantile of a histogram at p, over the running time only when `idle` > 0. */
function at(h: DecayingHistogram, p: number, idle: number): number {
  return h.quantile(idle + (1 - idle) * p);
}

/** Recent vs older usage: 'drop' or 'rise' when their interquartile ranges do not overlap. */
export function levelShift(recent: DecayingHistogram, older: DecayingHistogram): 'drop' | 'rise' | undefined {
  if (recent.isEmpty() || older.isEmpty()) return undefined;
  if (recent.quantile(0.75) < older.quantile(0.25)) return 'drop';
  if (recent.quantile(0.25) > older.quantile(0.75)) return 'rise';
  return undefined;
}

export function estimateCpu(
  sketches: CpuSketches | DecayingHistogram,
  options: { percentile: number; workloadClass: WorkloadClass; history: HistoryAssessment; idleShare?: number },
  rules: CpuRules = CPU_RULES,
): CpuEstimate {
  const s: CpuSketches = 'decayed' in sketches ? sketches : { decayed: sketches };
  const percentile = cpuPercentileFor(options.percentile, options.workloadClass, rules);
  // A batch job needs its CPU while it runs: the percentile is taken over the running time,
  // i.e. at idle + (1 - idle) × p of the whole histogram.
  const idle = options.workloadClass === 'batch' && rules.batchActiveOnly ? Math.min(0.99, options.idleShare ?? 0) : 0;
  const pct = `P${+(percentile * 100).toFixed(1)}` + (idle > 0 ? ' of the running time' : '');
  const notSmallerBecause: string[] = [];
  const basis = s.window && !s.window.isEmpty() ? s.window : s.decayed;
  let value = at(basis, percentile, idle);
  let statistic: string;
  let why: string;
  if (basis === s.decayed) {
    statistic = 'recency-weighted';
    why = `${pct} of CPU usage weighted to the last days (half-life ${days(s.decayed.halfLifeSeconds)}) is ${formatCpu(value)}`;
  } else {
    statistic = 'window';
    why = `${pct} of CPU usage over the window (every sample alike) is ${formatCpu(value)}`;
    const recentDays = days(s.recentSeconds ?? 0);
    const shift = rules.levelShift && s.recent && s.recent.samples > 0 && s.recent.samples < basis.samples ? levelShift(s.recent, basis.without(s.recent)) : undefined;
    if (shift === 'drop') {
      value = at(s.recent!, percentile, idle);
      statistic = 'recent level (drop)';
      why = `usage of the last ${recentDays} dropped below the rest of the window (their quartiles do not overlap): ${pct} of the last ${recentDays} is ${formatCpu(value)}`;
    } else if (shift === 'rise') {
      const recent = at(s.recent!, percentile, idle);
      if (recent > value) {
        value = recent;
        statistic = 'recent level (rise)';
        notSmallerBecause.push(`CPU usage of the last ${recentDays} rose above the rest of the window: ${pct} of the last ${recentDays}`);
        why = `usage of the last ${recentDays} rose above the rest of the window (their quartiles do not overlap): ${pct} of the last ${recentDays} is ${formatCpu(value)}`;
      }
    } else if (s.pods && s.pods.length > 1) {
      const most = Math.max(...s.pods.map(p => p.cpu.samples));
      const counted = s.pods.filter(p => p.cpu.samples >= rules.podMinShare * most);
      let hottest: { pod: string; value: number } | undefined;
      for (const p of counted) {
        const v = at(p.cpu, percentile, idle);
        if (!hottest || v > hottest.value) hottest = { pod: p.pod, value: v };
      }
      if (hottest && hottest.value > value * (1 + rules.podUneven)) {
        const pooled = value;
        value = hottest.value;
        statistic = 'hottest pod';
        notSmallerBecause.push(`pods are uneven: the busiest pod ${hottest.pod} needs ${formatCpu(hottest.value)} at ${pct}, the pods pooled ${formatCpu(pooled)}`);
        why = `pods are uneven (the busiest of ${counted.length} long-running pods is ${Math.round((hottest.value / pooled - 1) * 100)}% above the pooled ${pct} of ${formatCpu(pooled)}): ${pct} of pod ${hottest.pod} is ${formatCpu(value)}, so the busiest pods are not throttled`;
      }
    }
  }
  const margin = rules.baseMargin + options.history.extraMargin;
  const raw = value * (1 + margin);
  // To the nearest millicore (the finest a request can say): rounding up would add half a
  // millicore on average to every request, a bias a flat-percentile baseline does not have.
  let cores = Math.round(raw * 1000) / 1000;
  if (cores < rules.floorCores) {
    cores = rules.floorCores;
    notSmallerBecause.push(`floor of ${formatCpu(rules.floorCores)}`);
  }
  if (percentile !== options.percentile) notSmallerBecause.push(`${options.workloadClass} workload: ${pct} instead of P${+(options.percentile * 100).toFixed(1)}`);
  if (options.history.extraMargin > 0) notSmallerBecause.push(`short history (${days(options.history.seconds)}): +${Math.round(options.history.extraMargin * 100)}% margin`);
  why += (margin > 0 ? `, plus ${Math.round(margin * 100)}% margin` : '') + `; peak ${formatCpu(s.decayed.maxValue)}`;
  return { cores, percentile, value, peak: s.decayed.maxValue, margin, statistic, why, notSmallerBecause };
}
