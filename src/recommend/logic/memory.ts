// Memory request = limit from peaks per interval. Memory is not compressible: the question is
// not "which percentile" but "how far above the highest peak seen can next week's peak go".
// The highest peak of the whole window is always covered (a weekly job may come back), but the
// headroom depends on how recent the level is: the highest peak of the last `recentDays` gets
// the full headroom, an older peak that was not reached again gets a smaller one. A clear
// upward trend (a leak) is projected one cadence ahead. Without an OOM kill the value is not
// raised above the current limit; after one it is at least the memory at the kill × 1.2 and
// + 100 MiB, and never lower than the current limit.

import type { OomEvent, WorkloadClass } from '../../core/types.ts';
import { describeBytes } from '../../core/quantity.ts';
import type { PeakSeries } from '../model/peak-series.ts';
import { RECENT_SECONDS } from '../model/decaying-histogram.ts';
import { DAY, days, type HistoryAssessment } from './history.ts';
import { roundMemory } from './rounding.ts';

const MIB = 2 ** 20;

export interface MemoryRules {
  /** Headroom above the highest peak of the last `recentDays` (the level the workload reaches now). */
  recentHeadroom: number;
  /** Headroom above an older peak of the window that was not reached again in the last `recentDays`. */
  olderHeadroom: number;
  /** Days counted as recent (RECENT_SECONDS, as for CPU): the level the workload reaches now. */
  recentDays: number;
  /** Trend projection: R² of a line through daily peaks at least this, and the horizon ahead. */
  leakMinR2: number;
  leakHorizonSeconds: number;
  /** OOM bump: at least memory at the kill × factor, and + extra bytes. */
  oomFactor: number;
  oomExtraBytes: number;
  floorBytes: number;
}

export const MEMORY_RULES: MemoryRules = {
  recentHeadroom: 0.15,
  olderHeadroom: 0.1,
  recentDays: RECENT_SECONDS / DAY,
  leakMinR2: 0.8,
  leakHorizonSeconds: 7 * DAY,
  oomFactor: 1.2,
  oomExtraBytes: 100 * MIB,
  floorBytes: 64 * MIB,
};

export interface MemoryEstimate {
  /** Recommended request and limit, bytes, rounded. */
  bytes: number;
  peak: number;
  /** Highest peak of the last `recentDays`. */
  recentPeak: number;
  /** Headroom over the highest peak that the value gives (value / peak - 1, before rounding and caps). */
  headroom: number;
  /** (peak - median daily peak) / peak: how far the highest peak stands above a typical day. */
  volatility: number;
  /** Mean ratio of the next week's peak to all earlier peaks, over the second half of the window (1 = peaks never grew). Evidence only. */
  growth: number;
  /** Projected peak when a leak-like trend was found. */
  trendPeak?: number;
  oomKills: number;
  why: string;
  notSmallerBecause: string[];
}

/** Daily peaks (oldest first) of the intervals in [since, until), days aligned to `until`. 0 = no data that day. */
export function dailyPeaks(series: PeakSeries, since: number, until: number): number[] {
  const n = Math.max(1, Math.ceil((until - since) / DAY));
  const out = new Array<number>(n).fill(0);
  for (const [start, peak] of series.entries()) {
    if (start < since || start >= until) continue;
    const fromEnd = Math.floor((until - 1 - start) / DAY);
    const i = n - 1 - fromEnd;
    if (i >= 0 && peak > out[i]) out[i] = peak;
  }
  return out;
}

/**
 * Replays the forecast inside the history: for every split day s from `firstDay` on, how far did
 * the highest peak of the next `horizon` days exceed the highest peak before s? Returns the mean
 * ratio over the splits (1 = the past maximum was never exceeded). Averaging over splits keeps a
 * single spike from counting as a trend, while growth that recurs raises it.
 */
export function recordGrowth(peaks: number[], firstDay: number, horizon = 7): number {
  let sum = 0, splits = 0;
  let before = 0;
  for (let s = 0; s < peaks.length; s++) {
    if (s >= firstDay && before > 0) {
      let ahead = 0;
      for (let d = s; d < Math.min(peaks.length, s + horizon); d++) if (peaks[d] > ahead) ahead = peaks[d];
      if (ahead > 0) {
        sum += Math.max(1, ahead / before);
        splits++;
      }
    }
    if (peaks[s] > before) before = peaks[s];
  }
  return splits ? sum / splits : 1;
}

/** Least-squares line through the non-empty daily peaks: slope per day, value at the last day, R². */
export function peakTrend(peaks: number[]): { slopePerDay: number; last: number; r2: number } {
  const xs: number[] = [], ys: number[] = [];
  peaks.forEach((v, i) => { if (v > 0) { xs.push(i); ys.push(v); } });
  const n = xs.length;
  if (n < 4) return { slopePerDay: 0, last: 0, r2: 0 };
  const mx = xs.reduce((a, b) => a + b, 0) / n, my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) ** 2; syy += (ys[i] - my) ** 2; }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
  return { slopePerDay: slope, last: my + slope * (peaks.length - 1 - mx), r2 };
}

function median(values: number[]): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

export function estimateMemory(
  peaks: PeakSeries,
  options: {
    now: number;
    windowSeconds: number;
    history: HistoryAssessment;
    oomKills: OomEvent[];
    /** Current memory limit, bytes (undefined without one). */
    current?: number;
    workloadClass?: WorkloadClass;
  },
  rules: MemoryRules = MEMORY_RULES,
): MemoryEstimate {
  const since = options.now - options.windowSeconds;
  const daily = dailyPeaks(peaks, since, options.now + 1);
  let peak = 0;
  for (const v of daily) if (v > peak) peak = v;
  const seen = daily.filter(v => v > 0);
  const volatility = peak > 0 ? (peak - median(seen)) / peak : 0;
  const growth = recordGrowth(daily, Math.floor(daily.length / 2));
  const notSmallerBecause: string[] = [];
  const whyParts: string[] = [`highest hourly peak ${describeBytes(peak)} over ${days(options.windowSeconds)}`];

  let recentPeak = 0;
  for (let i = Math.max(0, daily.length - rules.recentDays); i < daily.length; i++) if (daily[i] > recentPeak) recentPeak = daily[i];
  const extra = options.history.extraMargin;
  if (growth > 1.005) notSmallerBecause.push(`peaks grew up to ${Math.round((growth - 1) * 100)}% above all earlier peaks within the window`);
  if (extra > 0) notSmallerBecause.push(`short history (${days(options.history.seconds)}): +${Math.round(extra * 100)}% headroom`);

  // The recent level: the last days' peak, or a leak-like trend projected one cadence ahead.
  let recentBasis = recentPeak;
  let trendPeak: number | undefined;
  const trend = peakTrend(daily);
  if (trend.slopePerDay > 0 && trend.r2 >= rules.leakMinR2) {
    trendPeak = trend.last + trend.slopePerDay * (rules.leakHorizonSeconds / DAY);
    if (trendPeak > recentBasis) {
      recentBasis = trendPeak;
      notSmallerBecause.push(`peaks rise steadily (${describeBytes(trend.slopePerDay)}/day, R² ${trend.r2.toFixed(2)}): projected to ${describeBytes(trendPeak)} in ${days(rules.leakHorizonSeconds)}`);
    }
  }
  const fromRecent = recentBasis * (1 + rules.recentHeadroom + extra);
  const fromOlder = peak * (1 + rules.olderHeadroom + extra);
  let target = Math.max(fromRecent, fromOlder);
  const headroom = peak > 0 ? target / peak - 1 : rules.recentHeadroom + extra;
  if (fromOlder > fromRecent) {
    whyParts.push(`an older peak not reached in the last ${rules.recentDays} days +${Math.round((rules.olderHeadroom + extra) * 100)}% (the last ${rules.recentDays} days peaked at ${describeBytes(recentPeak)})`);
  } else {
    whyParts.push(`+${Math.round((rules.recentHeadroom + extra) * 100)}% headroom over the ${trendPeak !== undefined && recentBasis === trendPeak ? 'projected' : `last ${rules.recentDays} days'`} peak`);
  }

  const kills = options.oomKills.filter(k => k.time >= since && k.time <= options.now + DAY);
  if (kills.length) {
    for (const k of kills) {
      const bump = Math.max(k.memoryBytes * rules.oomFactor, k.memoryBytes + rules.oomExtraBytes);
      if (bump > target) {
        target = bump;
        notSmallerBecause.push(`OOM kill at ${describeBytes(k.memoryBytes)}: at least ×${rules.oomFactor} and +${describeBytes(rules.oomExtraBytes)}`);
      }
    }
    if (options.current !== undefined && options.current > target) {
      target = options.current;
      notSmallerBecause.push('an OOM kill in this window: memory is not lowered in the same run');
    }
    whyParts.push(`${kills.length} OOM kill${kills.length > 1 ? 's' : ''} in the window`);
  } else if (options.current !== undefined && options.current > 0 && target > options.current) {
    // The workload lived within its current limit without being killed: there is no evidence
    // that it needs more, and raising it cannot prevent a kill the limit did not cause.
    target = options.current;
    whyParts.push('not raised above the current limit: no OOM kill in the window');
  }
  if (target < rules.floorBytes) {
    target = rules.floorBytes;
    notSmallerBecause.push(`floor of ${describeBytes(rules.floorBytes)}`);
  }
  return {
    bytes: roundMemory(target), peak, recentPeak, headroom, volatility, growth, trendPeak, oomKills: kills.length,
    why: whyParts.join(', '), notSmallerBecause,
  };
}
