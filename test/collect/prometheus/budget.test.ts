// How queries are cut to stay within the sample budget (pure planning; the real-Prometheus
// checks are in collector.test.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetSlices, PEAK_PER_POINT, podBatches, splitOnTooManySamples, type Piece } from '../../../src/collect/prometheus/budget.ts';
import { PrometheusQueryError } from '../../../src/collect/prometheus/client.ts';

test('time slices keep series × points within the budget and cover every step once', () => {
  const step = 180, start = 0, end = 14 * 86400;
  const slices = budgetSlices(start, end, step, 50, 100_000);
  for (const s of slices) assert.ok(50 * s.points * PEAK_PER_POINT <= 100_000);
  assert.equal(slices.reduce((n, s) => n + s.points, 0), end / step);
  for (let i = 1; i < slices.length; i++) assert.equal(slices[i].start, slices[i - 1].end + step);
  assert.ok(budgetSlices(start, end, step, 1, 1e9).every(s => s.points <= 11_000), 'the 11,000-points rule still holds');
});

test('pods are batched by whole workloads only when a namespace is too big for the budget', () => {
  const small = [{ pods: ['a-1', 'a-2'], series: 2 }, { pods: ['b-1'], series: 1 }];
  assert.deepEqual(podBatches(small, 100_000), [{ series: 3 }]);
  const big = Array.from({ length: 10 }, (_, i) => ({ pods: [`w${i}-1`, `w${i}-2`], series: 400 }));
  const batches = podBatches(big, 100_000);
  assert.ok(batches.length > 1);
  for (const b of batches) assert.ok(b.series * PEAK_PER_POINT * 24 <= 100_000 || b.pods!.length === 2, `${b.series} series`);
  assert.deepEqual(batches.flatMap(b => b.pods), big.flatMap(w => w.pods), 'every pod once, in order');
});

test("a --query.max-samples refusal halves the time range until it fits", async () => {
  const tooMany = () => new PrometheusQueryError('too many', { status: 422, errorType: 'execution', serverMessage: 'query processing would load too many samples into memory in query execution', retryable: false });
  const ran: Piece[] = [];
  let splits = 0;
  await splitOnTooManySamples({ start: 60, end: 600, points: 10 }, 60, async p => {
    if (p.points > 3) throw tooMany();
    ran.push(p);
  }, () => splits++);
  assert.deepEqual(ran.map(p => [p.start, p.end, p.points]), [[60, 180, 3], [240, 300, 2], [360, 480, 3], [540, 600, 2]]);
  assert.equal(splits, 3);
  await assert.rejects(splitOnTooManySamples({ start: 60, end: 60, points: 1 }, 60, async () => { throw tooMany(); }), /too many/);
});
