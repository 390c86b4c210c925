// Cost anomalies in daily spend series: spikes, dips, level shifts and slow drifts.
//
// The detector walks a series day by day, as it would have run each morning, and compares
// each day with a baseline built only from the days before it:
//   - on log spend, so noise proportional to the level has one scale for $5/day and $50k/day;
//   - expected(t) = level + weekly profile[day of week] + slope × lead, where the level is the
//     median of the last `levelWindow` seasonally adjusted days of the current regime, the
//     weekly profile comes from up to 12 weeks of cleaned history, and the slope is a Theil–Sen
//     slope of the last 4 weeks (a steadily growing bill is not an anomaly every day);
//   - the spread σ is the MAD of past one-step residuals (robust: past anomalies do not
//     widen it), and z = (observed − expected) / σ in log units.
// Then:
//   - |z| ≥ spikeZ on one day: a spike (or dip) when the next days return to normal, a level
//     shift when they stay on the new level. Spike days are replaced by their expected value so
//     they never enter the baseline.
//   - smaller sustained departures accumulate in a two-sided CUSUM (k, h in σ units); when it
//     crosses h, the change started where the CUSUM last left zero: a level shift there, or a
//     drift when the departure kept growing. The baseline then restarts at the change.
//   - a slow drift that the one-step baseline follows is caught by comparing the level of the
//     last week with the level four weeks earlier.
//   - holidays (a calendar the caller gives), the days next to them and the days bridging two
//     close holidays are expected dips: not alarmed, not learnt from.
// Small changes never alarm: an anomaly must differ from its expectation by `minRelativeChange`
// and by `minAbsoluteChange` money per day.

import { formatMoney } from '../core/money.ts';
import { addDay, type DailySeries, type Dimension } from './daily-series.ts';
import { daysOfWeek, madSigma, median, theilSen, weeklyProfile } from './robust.ts';

export type AnomalyKind = 'spike' | 'dip' | 'level-shift' | 'drift';

export interface Anomaly {
  key: string;
  dimension: Dimension;
  /** First day of the anomaly (for a drift: where the departure began), `YYYY-MM-DD`. */
  date: string;
  /** Last day of a multi-day spike, or the day a drift was recognised. */
  endDate?: string;
  kind: AnomalyKind;
  /** Spend per day seen: the day of a spike, the mean after a shift, the latest level of a drift. */
  observed: number;
  /** What the baseline expected per day over the same days. */
  expected: number;
  /** Size of the departure in robust standard deviations (signed). */
  score: number;
  currency: string;
  message: string;
}

export interface AnomalyOptions {
  /** Days of history before the first alarm (default 21: three weeks teach the weekly pattern). */
  warmupDays?: number;
  /** Days of the current regime whose median is the level (default 14). */
  levelWindow?: number;
  /** Days of history for the weekly profile and σ (default 84). */
  historyWindow?: number;
  /** |z| of a one-day spike (default 6). */
  spikeZ?: number;
  /** |z| the following days need to turn a jump into a level shift (default 3). */
  followZ?: number;
  /** CUSUM reference and decision interval, in σ (defaults 1 and 8). */
  cusumK?: number;
  cusumH?: number;
  /** The slow drift test: smallest relative change of the level over four weeks (default 0.25). */
  driftMinChange?: number;
  /** …and its size in standard errors of the level difference (default 5). */
  driftZ?: number;
  /** Largest trend, in log units per day, the baseline follows (default 0.005 ≈ 0.5 %/day). */
  maxSlope?: number;
  /** An anomaly differs from its expectation by at least this share (default 0.1 = 10 %). */
  minRelativeChange?: number;
  /** A spike or dip (one to a few days) differs by at least this share (default 0.2). */
  minSpikeChange?: number;
  /** …and by at least this much money per day (default 0). */
  minAbsoluteChange?: number;
  /** `YYYY-MM-DD` days on which a dip is expected (public holidays, shutdowns). */
  holidays?: Iterable<string>;
}

const DEFAULTS = {
  warmupDays: 21, levelWindow: 14, historyWindow: 84, spikeZ: 6, followZ: 3, cusumK: 1, cusumH: 8,
  driftMinChange: 0.25, driftZ: 5, maxSlope: 0.005, minRelativeChange: 0.1, minSpikeChange: 0.2, minAbsoluteChange: 0,
};

/** Anomalies of several series, sorted by date (newest first) then by size. */
export function detectAnomalies(series: DailySeries | DailySeries[], options: AnomalyOptions = {}): Anomaly[] {
  const list = Array.isArray(series) ? series : [series];
  const holidays = new Set(options.holidays ?? []);
  const out = list.flatMap(s => detectInSeries(s, { ...options, holidays }));
  return out.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : Math.abs(b.score) - Math.abs(a.score)));
}

interface RawEvent {
  kind: AnomalyKind;
  start: number;
  end: number;
  observed: number;
  expected: number;
  score: number;
  note?: string;
}

/** The anomalies of one series. */
export function detectInSeries(series: DailySeries, options: AnomalyOptions = {}): Anomaly[] {
  const o = { ...DEFAULTS, ...options };
  const holidays = options.holidays instanceof Set ? options.holidays as Set<string> : new Set(options.holidays ?? []);
  const { values, dates } = series;
  const n = values.length;
  if (n <= o.warmupDays) return [];

  // Log spend with a small floor, so a zero day is a large but finite departure.
  const positive: number[] = [];
  for (let i = 0; i < n; i++) if (values[i] > 0) positive.push(values[i]);
  if (positive.length === 0) return [];
  const floor = Math.max(1e-9, 0.01 * median(positive));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.log(Math.max(0, values[i]) + floor);
  const money = (logValue: number) => Math.max(0, Math.exp(logValue) - floor);

  const dow = daysOfWeek(dates);
  const holiday = expectedDips(dates, holidays);

  const clean = Float64Array.from(y); // anomalous days replaced by their expectation
  const excluded = new Uint8Array(n); // holidays and spikes: not learnt from
  const resid = new Float64Array(n).fill(NaN); // one-step residuals of normal days
  const maskedResid = new Float64Array(n).fill(NaN); // residuals of expected-dip days

  /**
   * A change first seen right after holidays may have begun during them: walk back over the
   * masked days whose residual already leaned the way of the change.
   */
  const changeStart = (start: number, sign: number) => {
    let s = start;
    while (s - 1 >= o.warmupDays && holiday[s - 1] && Number.isFinite(maskedResid[s - 1]) && maskedResid[s - 1] * sign > 0) s--;
    return s;
  };
  const events: RawEvent[] = [];

  let regimeStart = 0;
  // Start of the last reported lasting change. The baseline also restarts silently after
  // changes too small to report; the drift test looks past those, or a ramp made of small
  // steps would never be seen.
  let anchor = 0;
  let lastEventEnd = -Infinity;
  let profile: Float64Array = new Float64Array(7);
  let profileAt = -Infinity;
  let cusumUp = 0, cusumDown = 0, upStart = -1, downStart = -1;

  const normal = (i: number) => !excluded[i];
  const adjusted = new Float64Array(n); // clean − weekly profile, refreshed with the profile

  const refreshProfile = (t: number) => {
    profile = weeklyProfile(clean, dow, t - o.historyWindow, t);
    profileAt = t;
    for (let i = 0; i < t; i++) adjusted[i] = clean[i] - profile[dow[i]];
  };

  /** Baseline for day `at`, from the days before `t` in the current regime. */
  const baseline = (t: number, at: number) => {
    const from = Math.max(regimeStart, t - o.levelWindow);
    let count = 0;
    for (let i = from; i < t; i++) if (normal(i)) count++;
    let level: number, centre: number;
    if (count > 0) {
      level = median(adjusted, from, t, normal);
      centre = (from + t - 1) / 2;
    } else {
      level = adjusted[t - 1];
      centre = t - 1;
      count = 1;
    }
    const slopeFrom = Math.max(regimeStart, t - 28);
    let slope = t - slopeFrom >= 14 ? theilSen(adjusted, slopeFrom, t, normal, 7) : 0;
    if (!Number.isFinite(slope)) slope = 0;
    // Follow an ordinary growth rate, but never extrapolate a steep ramp: a ramp is a drift to
    // report, and projecting it past its end would make the plateau look like a drop.
    slope = Math.max(-o.maxSlope, Math.min(o.maxSlope, slope));
    return { expected: level + slope * (at - centre) + profile[dow[at]], count };
  };

  /**
   * σ of a one-step prediction at `t`. With a month of past residuals, their MAD. Before that,
   * the noise from week-over-week differences (immune to the weekly pattern, which a young
   * profile would otherwise absorb), widened for the error of a profile learnt from few weeks.
   */
  const sigmaAt = (t: number, count: number) => {
    const past: number[] = [];
    for (let i = Math.max(0, t - o.historyWindow); i < t; i++) if (Number.isFinite(resid[i])) past.push(resid[i]);
    let sigma = past.length >= 10 ? madSigma(past) : NaN;
    if (past.length < 28) {
      const diffs: number[] = [];
      for (let i = Math.max(7, t - o.historyWindow); i < t; i++) {
        if (normal(i) && normal(i - 7) && i - 7 >= regimeStart) diffs.push(clean[i] - clean[i - 7]);
      }
      if (diffs.length < 5) for (let i = Math.max(7, t - o.historyWindow); i < t; i++) if (normal(i) && normal(i - 7)) diffs.push(clean[i] - clean[i - 7]);
      const weeks = Math.max(1, Math.floor(Math.min(t, o.historyWindow) / 7) - 1);
      // The MAD of few differences is itself uncertain (relative error about 1.67/√n): use an
      // upper estimate so that the first weeks do not alarm on ordinary noise.
      const young = (madSigma(diffs) / Math.SQRT2) * (1 + 1.67 / Math.sqrt(Math.max(1, diffs.length)))
        * Math.sqrt(1 + 1 / weeks + 1.57 / count);
      sigma = Number.isFinite(sigma) ? Math.max(sigma, young) : young;
    }
    if (!Number.isFinite(sigma)) sigma = 0.05;
    sigma = Math.max(sigma, 0.01);
    // A level from few days is itself uncertain.
    const inflate = Math.sqrt((1 + 1.57 / count) / (1 + 1.57 / o.levelWindow));
    return sigma * Math.max(1, inflate);
  };

  /** Whether observed and expected spend per day (money) differ enough to tell anyone. */
  const bigEnough = (a: number, b: number, share = o.minRelativeChange) => {
    return Math.abs(a - b) >= o.minAbsoluteChange && Math.abs(a - b) >= share * Math.max(b, 1e-12);
  };

  const resetCusum = () => { cusumUp = 0; cusumDown = 0; upStart = -1; downStart = -1; };

  for (let t = 0; t < n; t++) {
    if (t < o.warmupDays) {
      if (holiday[t]) excluded[t] = 1;
      continue;
    }
    if (t - profileAt >= 7 || t === o.warmupDays) refreshProfile(t);
    else adjusted[t - 1] = clean[t - 1] - profile[dow[t - 1]];

    const { expected, count } = baseline(t, t);
    const sigma = sigmaAt(t, count);
    const z = (y[t] - expected) / sigma;

    if (holiday[t] && z < o.spikeZ) {
      // An expected dip (or an ordinary day): neither alarmed nor learnt from.
      excluded[t] = 1;
      clean[t] = expected;
      maskedResid[t] = y[t] - expected;
      continue;
    }

    if (Math.abs(z) >= o.spikeZ) {
      const sign = Math.sign(z);
      // Do the next days stay on the new level (a shift) or come back (a spike)?
      let available = 0, stayed = 0;
      for (let j = t + 1; j < n && available < 3; j++) {
        if (holiday[j]) continue;
        available++;
        const zj = (y[j] - baseline(t, j).expected) / sigma;
        if (zj * sign >= o.followZ) stayed++;
      }
      const shift = available > 0 && stayed >= Math.ceil((available * 2) / 3);
      if (shift) {
        if (bigEnough(values[t], money(expected))) {
          let obs = 0, exp = 0, m = 0;
          for (let j = t; j < Math.min(n, t + 4); j++) {
            if (holiday[j]) continue;
            obs += values[j]; exp += money(baseline(t, j).expected); m++;
          }
          events.push({ kind: 'level-shift', start: changeStart(t, sign), end: t, observed: obs / m, expected: exp / m, score: z });
          lastEventEnd = t;
          anchor = t;
        }
        regimeStart = t;
        resetCusum();
        continue;
      }
      if (bigEnough(values[t], money(expected), o.minSpikeChange)) {
        events.push({
          kind: sign > 0 ? 'spike' : 'dip', start: t, end: t, observed: values[t], expected: money(expected), score: z,
          ...(available === 0 ? { note: 'too recent to tell a one-day spike from the start of a new level' } : {}),
        });
        lastEventEnd = t;
      }
      excluded[t] = 1;
      clean[t] = expected;
      continue;
    }

    resid[t] = y[t] - expected;

    // CUSUM of clipped z: sustained departures too small for one day to stand out.
    const zc = Math.max(-4, Math.min(4, z));
    if (cusumUp === 0 && zc - o.cusumK > 0) upStart = t;
    cusumUp = Math.max(0, cusumUp + zc - o.cusumK);
    if (cusumDown === 0 && -zc - o.cusumK > 0) downStart = t;
    cusumDown = Math.max(0, cusumDown - zc - o.cusumK);
    if (cusumUp > o.cusumH || cusumDown > o.cusumH) {
      const start = cusumUp > o.cusumH ? upStart : downStart;
      const r: number[] = [];
      let obs = 0, exp = 0;
      for (let j = start; j <= t; j++) {
        if (!Number.isFinite(resid[j])) continue;
        r.push(resid[j]);
        obs += values[j];
        exp += money(y[j] - resid[j]);
      }
      const half = r.length >> 1;
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
      const first = mean(r.slice(0, half)), second = mean(r.slice(half));
      const growing = r.length >= 4 && Math.abs(second) > 1.8 * Math.abs(first) && Math.sign(second) === Math.sign(first);
      const medianResid = median(r);
      if (r.length > 0 && bigEnough(obs / r.length, exp / r.length)) {
        events.push({
          kind: growing ? 'drift' : 'level-shift', start: changeStart(start, Math.sign(medianResid)), end: t,
          observed: obs / r.length, expected: exp / r.length, score: medianResid / sigma,
        });
        lastEventEnd = t;
        anchor = start;
      }
      // The baseline restarts at the change; residuals against the old level would inflate σ.
      regimeStart = start;
      for (let j = start; j <= t; j++) resid[j] = NaN;
      resetCusum();
      continue;
    }

    // Slow drift: the level of the last week against the level four weeks earlier.
    if (t - anchor >= 34 && t - lastEventEnd >= 28) {
      const nowLevel = median(adjusted, t - 6, t, normal);
      const now = Number.isFinite(nowLevel) ? medianWithToday(adjusted, t, y[t] - profile[dow[t]], normal) : NaN;
      const ref = median(adjusted, t - 34, t - 27, normal);
      const delta = now - ref;
      const se = sigma * 1.25 * Math.sqrt(2 / 7);
      if (Number.isFinite(delta) && Math.abs(delta) >= Math.log(1 + o.driftMinChange) && Math.abs(delta) >= o.driftZ * se) {
        // Where the departure began: the first day whose 5-day median passed a fifth of it.
        let start = t - 27;
        for (let i = t - 27; i <= t; i++) {
          const m5 = median(adjusted, i - 2, Math.min(t, i + 3), normal);
          if ((m5 - ref) * Math.sign(delta) >= 0.2 * Math.abs(delta)) { start = i; break; }
        }
        if (bigEnough(money(now), money(ref))) {
          events.push({
            kind: 'drift', start, end: t, observed: money(now + profile[dow[t]]), expected: money(ref + profile[dow[t]]),
            score: delta / se,
          });
          lastEventEnd = t;
          anchor = t - 6;
        }
        regimeStart = Math.max(regimeStart, t - 6);
        resetCusum();
      }
    }
  }

  return mergeEvents(events).map(e => toAnomaly(series, e));
}

/**
 * Days on which a dip is expected: the calendar's holidays, the day before and after each, and
 * the days bridging two holidays less than a week apart (between Christmas and New Year).
 */
export function expectedDips(dates: readonly string[], holidays: ReadonlySet<string>): Uint8Array {
  const n = dates.length;
  const out = new Uint8Array(n);
  if (holidays.size === 0) return out;
  const isHoliday = (d: string) => holidays.has(d);
  for (let i = 0; i < n; i++) {
    const d = dates[i];
    if (isHoliday(d)) { out[i] = 1; continue; }
    let before = Infinity, after = Infinity;
    for (let k = 1; k < 7; k++) if (isHoliday(addDay(d, -k))) { before = k; break; }
    for (let k = 1; k < 7; k++) if (isHoliday(addDay(d, k))) { after = k; break; }
    if (before === 1 || after === 1 || before + after <= 7) out[i] = 1;
  }
  return out;
}

function medianWithToday(adjusted: Float64Array, t: number, today: number, keep: (i: number) => boolean): number {
  const list: number[] = [today];
  for (let i = t - 6; i < t; i++) if (keep(i) && Number.isFinite(adjusted[i])) list.push(adjusted[i]);
  list.sort((a, b) => a - b);
  const mid = list.length >> 1;
  return list.length % 2 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
}

/**
 * Consecutive spike days are one spike; successive steps in one direction within two weeks are
 * one drift (a baseline that restarts keeps catching up with a ramp).
 */
function mergeEvents(events: RawEvent[]): RawEvent[] {
  const out: RawEvent[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    if (prev && prev.kind === e.kind && (e.kind === 'spike' || e.kind === 'dip') && e.start - prev.end <= 1) {
      prev.end = e.end;
      prev.observed = e.kind === 'dip' ? Math.min(prev.observed, e.observed) : Math.max(prev.observed, e.observed);
      if (Math.abs(e.score) > Math.abs(prev.score)) prev.score = e.score;
      continue;
    }
    const stepLike = (k: AnomalyKind) => k === 'level-shift' || k === 'drift';
    if (prev && stepLike(prev.kind) && stepLike(e.kind) && Math.sign(prev.score) === Math.sign(e.score) && e.start - prev.end <= 14) {
      prev.kind = 'drift';
      prev.end = e.end;
      prev.observed = e.observed;
      prev.score = Math.abs(e.score) > Math.abs(prev.score) ? e.score : prev.score;
      continue;
    }
    out.push({ ...e });
  }
  return out;
}

function toAnomaly(series: DailySeries, e: RawEvent): Anomaly {
  const date = series.dates[e.start];
  const endDate = e.end > e.start && e.kind !== 'level-shift' ? series.dates[e.end] : undefined;
  const cur = series.currency;
  const fmt = (v: number) => formatMoney(v, cur, { decimals: 'auto', signed: false });
  const pct = e.expected > 0 ? Math.round(((e.observed - e.expected) / e.expected) * 100) : undefined;
  const change = pct === undefined ? '' : ` (${pct >= 0 ? '+' : ''}${pct}%)`;
  const what = `${series.dimension} ${series.key}`;
  let message: string;
  switch (e.kind) {
    case 'spike':
      message = `${what}: spend spiked to ${fmt(e.observed)}/day on ${date}${endDate ? `..${endDate}` : ''}, expected ${fmt(e.expected)}${change}`;
      break;
    case 'dip':
      message = `${what}: spend dropped to ${fmt(e.observed)}/day on ${date}${endDate ? `..${endDate}` : ''}, expected ${fmt(e.expected)}${change}`;
      break;
    case 'level-shift':
      message = `${what}: spend moved to about ${fmt(e.observed)}/day from ${date}, was ${fmt(e.expected)}${change}`;
      break;
    case 'drift':
      message = `${what}: spend has been ${e.score > 0 ? 'rising' : 'falling'} since ${date}, now about ${fmt(e.observed)}/day against ${fmt(e.expected)} before${change}`;
      break;
  }
  if (e.note) message += `; ${e.note}`;
  return {
    key: series.key, dimension: series.dimension, date, ...(endDate ? { endDate } : {}), kind: e.kind,
    observed: round2(e.observed), expected: round2(e.expected), score: Math.round(e.score * 10) / 10, currency: cur, message,
  };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

