// Month-end forecast: exact where nothing is uncertain, on the new level after a shift, and a
// 90 % band that holds the true month in about 90 % of simulated months.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forecastMonthEnd, sumSeries } from '../../src/cost/forecast.ts';
import { addDay, type DailySeries } from '../../src/cost/daily-series.ts';
import { seededRandom } from '../../bench/seeded-random.ts';

function series(start: string, values: number[], key = 'aws'): DailySeries {
  return { key, dimension: 'provider', dates: values.map((_, i) => addDay(start, i)), values: Float64Array.from(values), currency: 'USD' };
}

const rng = seededRandom;

test('a flat series forecasts the days left at its level; the month is named', () => {
  const s = series('2026-10-01', new Array(45).fill(100)); // to 2026-11-14
  const f = forecastMonthEnd(s, '2026-11-15T00:00:00Z')!;
  assert.equal(f.monthStart, '2026-11-01');
  assert.equal(f.monthEnd, '2026-12-01');
  assert.equal(f.daysWithData, 14);
  assert.equal(f.daysForecast, 16);
  assert.equal(f.actualToDate, 1400);
  assert.ok(Math.abs(f.mean - 3000) < 15, `mean ${f.mean}`);
  assert.ok(f.low <= f.mean && f.mean <= f.high);
  assert.ok(f.low >= f.actualToDate);
  assert.equal(f.currency, 'USD');
  assert.match(f.method, /14 days of actual spend \+ 16 days forecast/);
});

test('the weekly pattern is projected onto the remaining weekdays and weekends', () => {
  const values = Array.from({ length: 60 }, (_, i) => {
    const dow = new Date(Date.parse('2026-09-17') + i * 86_400_000).getUTCDay();
    return dow === 0 || dow === 6 ? 50 : 150;
  });
  const s = series('2026-09-17', values); // to 2026-11-15
  const f = forecastMonthEnd(s, '2026-11-16')!;
  // Truth: the same pattern continued to the end of November.
  let truth = 0;
  for (let d = '2026-11-01'; d < '2026-12-01'; d = addDay(d, 1)) {
    const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
    truth += dow === 0 || dow === 6 ? 50 : 150;
  }
  assert.ok(Math.abs(f.mean - truth) / truth < 0.02, `forecast ${f.mean}, truth ${truth}`);
});

test('after a level shift the forecast uses the new level', () => {
  const values = [...new Array(40).fill(100), ...new Array(20).fill(200)];
  const s = series('2026-09-22', values); // 60 days to 2026-11-20
  const f = forecastMonthEnd(s, '2026-11-21')!;
  // November: 1..20 observed, the shift on day 40 = 2026-11-01, so all of November is at 200.
  assert.ok(Math.abs(f.mean - 6000) < 150, `mean ${f.mean}`);
  assert.match(f.method, /since the change on 2026-11-01/);
});

test('a complete month is its actual spend; no history gives no forecast', () => {
  const s = series('2026-10-01', new Array(31).fill(10));
  const f = forecastMonthEnd(s, '2026-10-31T00:00:00Z')!; // Oct 31 has no data yet: 1 day forecast
  assert.equal(f.daysForecast, 1);
  const done = forecastMonthEnd(series('2026-10-01', new Array(40).fill(10)), '2026-11-01')!;
  assert.equal(done.monthStart, '2026-11-01');
  assert.equal(done.daysWithData, 0);
  assert.equal(done.daysForecast, 30);
  assert.equal(forecastMonthEnd(s, '2026-09-01'), undefined);
});

test('the 90 % band holds the true month in roughly 90 % of simulated months', () => {
  const random = rng(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  let inside = 0, errors = 0;
  const trials = 200;
  for (let k = 0; k < trials; k++) {
    const level = 10 ** (1 + 3 * random());
    const sigma = 0.02 + 0.08 * random();
    const weekend = random() < 0.5 ? 0.6 : 1;
    const trend = (random() - 0.3) * 0.004;
    const start = '2026-08-01';
    const all: number[] = [];
    for (let i = 0; i < 122; i++) { // to 2026-11-30
      const dow = new Date(Date.parse(start) + i * 86_400_000).getUTCDay();
      all.push(level * (dow === 0 || dow === 6 ? weekend : 1) * Math.exp(trend * i + sigma * gauss()));
    }
    const cut = 92 + Math.floor(random() * 25); // as of a day in November
    const asOf = addDay(start, cut);
    const f = forecastMonthEnd(series(start, all.slice(0, cut)), asOf)!;
    const truth = all.slice(92).reduce((a, b) => a + b, 0);
    if (truth >= f.low && truth <= f.high) inside++;
    errors += Math.abs(f.mean - truth) / truth;
  }
  const coverage = inside / trials;
  assert.ok(coverage >= 0.82 && coverage <= 0.98, `coverage ${coverage}`);
  assert.ok(errors / trials < 0.05, `mean relative error ${errors / trials}`);
});

test('sumSeries adds clouds day by day', () => {
  const total = sumSeries([series('2026-11-01', [1, 2, 3]), series('2026-11-01', [10, 20, 30], 'gcp')], 'all')!;
  assert.deepEqual([...total.values], [11, 22, 33]);
  assert.equal(sumSeries([], 'x'), undefined);
});
