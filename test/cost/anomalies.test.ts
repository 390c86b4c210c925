// The anomaly detector on hand-made daily series: each shape once, plus the quiet cases that
// must not alarm (a weekly pattern, a holiday, a short series).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectAnomalies, detectInSeries, expectedDips } from '../../src/cost/anomalies.ts';
import { addDay, dailySeries, type DailySeries } from '../../src/cost/daily-series.ts';
import type { FocusRow } from '../../src/cost/focus.ts';

const START = '2026-01-05'; // a Monday

/** A series from a function of the day index; a deterministic ±3 % wiggle stands in for noise. */
function series(days: number, f: (i: number, dow: number) => number, key = 'svc'): DailySeries {
  const dates: string[] = [];
  const values = new Float64Array(days);
  for (let i = 0; i < days; i++) {
    dates.push(addDay(START, i));
    const wiggle = 1 + 0.03 * Math.sin(i * 2.4) * Math.cos(i * 0.7);
    values[i] = f(i, (i + 1) % 7) * wiggle;
  }
  return { key, dimension: 'service', dates, values, currency: 'USD' };
}

/** Weekday spend 100, weekends 55. */
const weekly = (_i: number, dow: number) => (dow === 0 || dow === 6 ? 55 : 100);

test('a weekly pattern with weekend lows raises no alarm', () => {
  assert.deepEqual(detectInSeries(series(120, weekly)), []);
});

test('a one-day spike is a spike on its day, with observed and expected spend', () => {
  const s = series(70, (i, d) => weekly(i, d) * (i === 50 ? 3 : 1));
  const found = detectInSeries(s);
  assert.equal(found.length, 1, JSON.stringify(found));
  const [a] = found;
  assert.equal(a.kind, 'spike');
  assert.equal(a.date, s.dates[50]);
  assert.ok(a.observed > 250 && a.expected > 90 && a.expected < 110, `${a.observed} vs ${a.expected}`);
  assert.ok(a.score > 6);
  assert.match(a.message, /spiked/);
});

test('a two-day outage is one dip', () => {
  const s = series(70, (i, d) => weekly(i, d) * (i === 40 || i === 41 ? 0.2 : 1));
  const found = detectInSeries(s);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0].kind, 'dip');
  assert.equal(found[0].date, s.dates[40]);
  assert.equal(found[0].endDate, s.dates[41]);
});

test('a lasting step is one level shift at its first day, and the new level becomes normal', () => {
  const s = series(120, (i, d) => weekly(i, d) * (i >= 60 ? 1.8 : 1));
  const found = detectInSeries(s);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0].kind, 'level-shift');
  assert.ok(Math.abs(s.dates.indexOf(found[0].date) - 60) <= 1, found[0].date);
  assert.ok(found[0].observed / found[0].expected > 1.5);
});

test('a smaller step (+30 %) is found by the CUSUM within two days of its start', () => {
  const s = series(120, (i, d) => weekly(i, d) * (i >= 70 ? 1.3 : 1));
  const found = detectInSeries(s);
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0].kind, 'level-shift');
  assert.ok(Math.abs(s.dates.indexOf(found[0].date) - 70) <= 2, found[0].date);
});

test('a slow ramp (+60 % over four weeks) is a rising drift', () => {
  const s = series(140, (i, d) => weekly(i, d) * (i < 60 ? 1 : Math.min(1.6, 1 + (0.6 * (i - 60)) / 28)));
  const found = detectInSeries(s);
  assert.ok(found.length >= 1, 'found something');
  const drift = found.find(a => a.kind === 'drift');
  assert.ok(drift, JSON.stringify(found));
  const at = s.dates.indexOf(drift.date);
  assert.ok(at >= 55 && at <= 88, `drift dated ${drift.date} (day ${at})`);
  assert.ok(drift.score > 0);
  assert.match(drift.message, /rising/);
});

test('holidays in the calendar are expected dips; without the calendar they alarm', () => {
  const s = series(90, (i, d) => weekly(i, d) * (i === 60 ? 0.3 : 1));
  const holiday = s.dates[60];
  assert.deepEqual(detectInSeries(s, { holidays: [holiday] }), []);
  const unaware = detectInSeries(s);
  assert.equal(unaware.length, 1);
  assert.equal(unaware[0].kind, 'dip');
  assert.equal(unaware[0].date, holiday);
});

test('the days next to holidays and between close holidays are expected dips too', () => {
  const dates = ['2025-12-22', '2025-12-23', '2025-12-24', '2025-12-25', '2025-12-26', '2025-12-27', '2025-12-28', '2025-12-29', '2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02', '2026-01-03'];
  const mask = expectedDips(dates, new Set(['2025-12-24', '2025-12-25', '2025-12-26', '2025-12-31', '2026-01-01']));
  assert.deepEqual([...mask], [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
});

test('a short series raises nothing (no baseline yet)', () => {
  assert.deepEqual(detectInSeries(series(15, (i, d) => weekly(i, d) * (i === 14 ? 5 : 1))), []);
  assert.deepEqual(detectInSeries(series(0, weekly)), []);
});

test('a change too small to matter is not an anomaly', () => {
  const flat = series(100, (i) => (i === 70 ? 108 : 100));
  assert.deepEqual(detectInSeries(flat), []);
  const cheap = series(100, (i) => (i === 70 ? 2 : 0.5));
  assert.equal(detectInSeries(cheap).length, 1);
  assert.deepEqual(detectInSeries(cheap, { minAbsoluteChange: 5 }), []);
});

test('detectAnomalies over FOCUS rows by cloud finds the cloud that spiked', () => {
  const rows: FocusRow[] = [];
  for (let i = 0; i < 60; i++) {
    const day = addDay(START, i);
    const row = (ProviderName: FocusRow['ProviderName'], cost: number): FocusRow => ({
      ProviderName, BillingAccountId: 'acct', ChargePeriodStart: `${day}T00:00:00Z`, ChargePeriodEnd: `${addDay(day, 1)}T00:00:00Z`,
      ServiceName: 'Compute', ServiceCategory: 'Compute', BilledCost: cost, EffectiveCost: cost, BillingCurrency: 'USD', Tags: {},
    });
    rows.push(row('AWS', 200 * (1 + 0.02 * Math.sin(i))), row('Google Cloud', (i === 45 ? 400 : 100) * (1 + 0.02 * Math.cos(i))));
  }
  const found = detectAnomalies(dailySeries(rows, 'provider'));
  assert.equal(found.length, 1, JSON.stringify(found));
  assert.equal(found[0].key, 'gcp');
  assert.equal(found[0].dimension, 'provider');
  assert.equal(found[0].date, addDay(START, 45));
});
