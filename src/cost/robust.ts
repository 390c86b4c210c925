// Small robust statistics on typed arrays: median, MAD, Theil–Sen slope, and the weekly
// seasonal profile of a log series. Shared by the anomaly detector and the forecast.

/** 1 / Φ⁻¹(3/4): makes the MAD a consistent estimate of σ for normal noise. */
export const MAD_TO_SIGMA = 1.4826;

/** Median of `values[i]` for the indices `from..to-1` accepted by `keep` (NaN when none). */
export function median(values: ArrayLike<number>, from = 0, to = values.length, keep?: (i: number) => boolean): number {
  const picked: number[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, values.length); i++) {
    const v = values[i];
    if (Number.isFinite(v) && (!keep || keep(i))) picked.push(v);
  }
  return medianOf(picked);
}

/** Median of a plain list (sorts it in place). */
export function medianOf(list: number[]): number {
  const n = list.length;
  if (n === 0) return NaN;
  list.sort((a, b) => a - b);
  const mid = n >> 1;
  return n % 2 === 1 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
}

/** σ from the median absolute deviation of a list around its median. */
export function madSigma(list: number[]): number {
  if (list.length === 0) return NaN;
  const m = medianOf(list.slice());
  return MAD_TO_SIGMA * medianOf(list.map(v => Math.abs(v - m)));
}

/**
 * Theil–Sen slope of `values` over the indices `from..to-1` accepted by `keep`: the median of
 * the pairwise slopes, so a few outliers do not tilt it. Pairs closer than `minGap` are skipped
 * (their slopes are mostly noise). NaN with fewer than two usable points.
 */
export function theilSen(values: ArrayLike<number>, from: number, to: number, keep?: (i: number) => boolean, minGap = 1): number {
  const idx: number[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, values.length); i++) {
    if (Number.isFinite(values[i]) && (!keep || keep(i))) idx.push(i);
  }
  const slopes: number[] = [];
  for (let a = 0; a < idx.length; a++) {
    for (let b = a + 1; b < idx.length; b++) {
      const gap = idx[b] - idx[a];
      if (gap >= minGap) slopes.push((values[idx[b]] - values[idx[a]]) / gap);
    }
  }
  return medianOf(slopes);
}

/** Day of week (0 = Sunday) of each `YYYY-MM-DD` date. */
export function daysOfWeek(dates: readonly string[]): Uint8Array {
  const out = new Uint8Array(dates.length);
  for (let i = 0; i < dates.length; i++) out[i] = new Date(`${dates[i]}T00:00:00Z`).getUTCDay();
  return out;
}

/**
 * Weekly profile of a log series over `from..to-1`: for each day of week, the median distance
 * of a day from the mean of the 7 days centred on it (a full week, so the weekly pattern cancels
 * in the mean and a level change mostly does too). Centred to sum to zero. All zeros when fewer
 * than two weeks are available.
 */
export function weeklyProfile(y: ArrayLike<number>, dow: Uint8Array, from: number, to: number): Float64Array {
  const profile = new Float64Array(7);
  const lo = Math.max(0, from);
  if (to - lo < 14) return profile;
  const byDay: number[][] = [[], [], [], [], [], [], []];
  let windowSum = 0;
  for (let i = lo; i < lo + 7; i++) windowSum += y[i];
  // windowSum holds y[i-3..i+3] for the centre i.
  for (let i = lo + 3; i + 3 < to; i++) {
    byDay[dow[i]].push(y[i] - windowSum / 7);
    if (i + 4 < to) windowSum += y[i + 4] - y[i - 3];
  }
  let mean = 0;
  for (let d = 0; d < 7; d++) {
    profile[d] = byDay[d].length > 0 ? medianOf(byDay[d]) : 0;
    mean += profile[d] / 7;
  }
  for (let d = 0; d < 7; d++) profile[d] -= mean;
  return profile;
}
