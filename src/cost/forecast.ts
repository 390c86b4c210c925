// Month-end spend forecast with an interval: what the month has cost so far plus the expected
// spend of the remaining days, from the same baseline the anomaly detector uses (log spend,
// weekly profile, robust level of the current regime, a bounded trend).
//
// The interval is a 90 % band from three sources of error, combined as a normal approximation
// of the month's total: day-to-day noise (independent), the error of the level (shared by all
// remaining days) and the error of the trend (growing with the lead time).

import { detectInSeries, type AnomalyOptions } from './anomalies.ts';
import { addDay, type DailySeries } from './daily-series.ts';
import { daysOfWeek, madSigma, median, theilSen, weeklyProfile } from './robust.ts';

export interface MonthForecast {
  /** Expected spend of the whole calendar month. */
  mean: number;
  /** 90 % interval of the month's spend. */
  low: number;
  high: number;
  currency: string;
  /** First day of the month and first day of the next one (exclusive), `YYYY-MM-DD`. */
  monthStart: string;
  monthEnd: string;
  /** Spend already recorded this month (days before `asOf`). */
  actualToDate: number;
  /** Days of the month with data, and days forecast. */
  daysWithData: number;
  daysForecast: number;
  method: string;
}

export interface ForecastOptions extends Pick<AnomalyOptions, 'holidays' | 'maxSlope'> {
  /** Two-sided coverage of the interval (default 0.9). */
  coverage?: number;
}

const Z_OF: Record<string, number> = { '0.8': 1.2816, '0.9': 1.6449, '0.95': 1.96, '0.99': 2.5758 };

/**
 * Forecast of the calendar month containing `asOf` (an ISO date or time; the day of `asOf` is
 * the first day without data). Undefined when the series has no data before `asOf`.
 */
export function forecastMonthEnd(series: DailySeries, asOf: string, options: ForecastOptions = {}): MonthForecast | undefined {
  const asOfDay = asOf.slice(0, 10);
  const monthStart = `${asOfDay.slice(0, 7)}-01`;
  const next = new Date(`${monthStart}T00:00:00Z`);
  next.setUTCMonth(next.getUTCMonth() + 1);
  const monthEnd = next.toISOString().slice(0, 10);

  // History: the days of the series before asOf.
  let n = 0;
  while (n < series.dates.length && series.dates[n] < asOfDay) n++;
  if (n === 0) return undefined;
  const dates = series.dates.slice(0, n);
  const values = series.values.subarray(0, n);

  let actual = 0, daysWithData = 0;
  for (let i = 0; i < n; i++) {
    if (dates[i] >= monthStart && dates[i] < monthEnd) { actual += values[i]; daysWithData++; }
  }
  const lastDay = dates[n - 1];
  const remaining: string[] = [];
  for (let d = addDay(lastDay < monthStart ? addDay(monthStart, -1) : lastDay, 1); d < monthEnd; d = addDay(d, 1)) remaining.push(d);
  const coverage = options.coverage ?? 0.9;
  const z = Z_OF[String(coverage)] ?? 1.6449;
  const base = { currency: series.currency, monthStart, monthEnd, actualToDate: round2(actual), daysWithData, daysForecast: remaining.length };
  if (remaining.length === 0) {
    return { ...base, mean: round2(actual), low: round2(actual), high: round2(actual), method: 'actual: the month is complete' };
  }

  // Start the level after the last lasting change the detector found, and leave spikes out.
  const history: DailySeries = { ...series, dates, values };
  const anomalies = n > 21 ? detectInSeries(history, { holidays: options.holidays }) : [];
  const index = new Map(dates.map((d, i) => [d, i]));
  let regimeStart = 0;
  const skip = new Uint8Array(n);
  const holidays = new Set(options.holidays ?? []);
  for (let i = 0; i < n; i++) if (holidays.has(dates[i])) skip[i] = 1;
  for (const a of anomalies) {
    const at = index.get(a.date) ?? 0;
    if (a.kind === 'level-shift') regimeStart = Math.max(regimeStart, at);
    else if (a.kind === 'drift') regimeStart = Math.max(regimeStart, index.get(a.endDate ?? a.date) ?? at);
    else {
      const end = index.get(a.endDate ?? a.date) ?? at;
      for (let i = at; i <= end; i++) skip[i] = 1;
    }
  }
  if (n - regimeStart < 3) regimeStart = Math.max(0, n - 3);
  const keep = (i: number) => !skip[i];

  const positive: number[] = [];
  for (let i = 0; i < n; i++) if (values[i] > 0) positive.push(values[i]);
  if (positive.length === 0) {
    return { ...base, mean: round2(actual), low: round2(actual), high: round2(actual), method: 'no spend in the history' };
  }
  const floor = Math.max(1e-9, 0.01 * median(positive));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.log(Math.max(0, values[i]) + floor);
  const dow = daysOfWeek(dates);
  const profile = weeklyProfile(y, dow, n - 84, n);
  const adjusted = new Float64Array(n);
  for (let i = 0; i < n; i++) adjusted[i] = y[i] - profile[dow[i]];

  const from = Math.max(regimeStart, n - 14);
  const level = median(adjusted, from, n, keep);
  const centre = (from + n - 1) / 2;
  let count = 0;
  for (let i = from; i < n; i++) if (keep(i)) count++;
  // The trend over up to eight weeks of the current regime: a longer base, a steadier slope.
  const slopeFrom = Math.max(regimeStart, n - 56);
  const maxSlope = options.maxSlope ?? 0.005;
  const trended = n - slopeFrom >= 14;
  let slope = trended ? theilSen(adjusted, slopeFrom, n, keep, 7) : 0;
  if (!Number.isFinite(slope)) slope = 0;
  slope = Math.max(-maxSlope, Math.min(maxSlope, slope));

  // Spread of the days around the level-and-trend line (noise only, weekly pattern removed).
  const resid: number[] = [];
  const used: number[] = [];
  for (let i = slopeFrom; i < n; i++) {
    if (!keep(i)) continue;
    resid.push(adjusted[i] - (level + slope * (i - centre)));
    used.push(i);
  }
  const meanIndex = used.reduce((a, b) => a + b, 0) / Math.max(1, used.length);
  const spanSq = used.reduce((a, i) => a + (i - meanIndex) ** 2, 0);
  let sigma = resid.length >= 5 ? madSigma(resid) : NaN;
  if (!Number.isFinite(sigma) || sigma < 0.01) sigma = Math.max(0.01, Number.isFinite(sigma) ? sigma : 0.1);
  // With few weeks, the weekly profile is itself uncertain.
  const weeks = Math.floor(Math.min(n, 84) / 7);
  const sigmaDay = sigma * Math.sqrt(1 + (weeks >= 2 ? 1 / weeks : 1));
  // The textbook errors of a median level and a Theil–Sen slope, widened by half: checked by
  // simulation (test/cost/forecast.test.ts), the textbook band held the month only ~75 % of the time,
  // because the level, the slope and the weekly profile are estimated from the same few weeks.
  const sigmaLevel = 1.5 * sigma * Math.sqrt(1.57 / Math.max(1, count));
  const sigmaSlope = spanSq > 0 && trended ? (1.5 * 1.1 * sigma) / Math.sqrt(spanSq) : 0;

  let mean = 0, noiseVar = 0, sumX = 0, sumXLead = 0;
  const holidayDays = remaining.filter(d => holidays.has(d)).length;
  for (const d of remaining) {
    const i = n - 1 + (Date.parse(d) - Date.parse(lastDay)) / 86_400_000;
    const m = level + slope * (i - centre) + profile[new Date(`${d}T00:00:00Z`).getUTCDay()];
    const x = Math.max(0, Math.exp(m + sigmaDay ** 2 / 2) - floor);
    mean += x;
    noiseVar += x * x * (Math.exp(sigmaDay ** 2) - 1);
    sumX += x;
    sumXLead += x * (i - centre);
  }
  const sd = Math.sqrt(noiseVar + (sumX * sigmaLevel) ** 2 + (sumXLead * sigmaSlope) ** 2);
  const total = actual + mean;
  const method = [
    `${daysWithData} days of actual spend + ${remaining.length} days forecast`,
    `from the median of the last ${count} days${regimeStart > 0 ? ` since the change on ${dates[regimeStart]}` : ''}`,
    weeks >= 2 ? 'with the weekly pattern' : 'without a weekly pattern (under two weeks of history)',
    Math.abs(slope) >= 0.00005 ? `and a trend of ${(slope * 100).toFixed(2)} %/day` : 'and no trend',
    holidayDays > 0 ? `(${holidayDays} holidays ahead are not discounted)` : '',
  ].filter(Boolean).join(' ');
  return {
    ...base,
    mean: round2(total),
    low: round2(Math.max(actual, total - z * sd)),
    high: round2(total + z * sd),
    method,
  };
}

/**
 * The forecast of several series together (all clouds), as the sum of their own forecasts, so the
 * total always equals the rows under it. Each part keeps its own level changes and weekly pattern;
 * forecasting the summed series instead lets one cloud's level shift move the others' baseline.
 * The band adds the parts' bands: it assumes their errors move together, which is the cautious
 * (wider) choice. Undefined when the parts are empty or not of one month and currency.
 */
export function combineForecasts(parts: MonthForecast[]): MonthForecast | undefined {
  if (parts.length === 0) return undefined;
  const [first] = parts;
  if (parts.some(p => p.currency !== first.currency || p.monthStart !== first.monthStart)) return undefined;
  const sum = (pick: (f: MonthForecast) => number) => round2(parts.reduce((s, f) => s + pick(f), 0));
  return {
    mean: sum(f => f.mean),
    low: sum(f => f.low),
    high: sum(f => f.high),
    currency: first.currency,
    monthStart: first.monthStart,
    monthEnd: first.monthEnd,
    actualToDate: sum(f => f.actualToDate),
    daysWithData: Math.max(...parts.map(f => f.daysWithData)),
    daysForecast: Math.max(...parts.map(f => f.daysForecast)),
    method: `the sum of the ${parts.length} per-cloud forecasts below (each with its own level and weekly pattern); the band adds theirs`,
  };
}

/** Day-by-day sum of series in one currency (same dates), e.g. all clouds together. */
export function sumSeries(series: DailySeries[], key: string): DailySeries | undefined {
  if (series.length === 0) return undefined;
  const values = new Float64Array(series[0].values.length);
  for (const s of series) for (let i = 0; i < values.length; i++) values[i] += s.values[i] ?? 0;
  return { key, dimension: series[0].dimension, dates: series[0].dates, values, currency: series[0].currency };
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
