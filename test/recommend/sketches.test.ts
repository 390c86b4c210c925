import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CPU_HISTOGRAM, DecayingHistogram } from '../../src/recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../../src/recommend/model/peak-series.ts';
import { DAY, seeded, START } from './fixtures.ts';

test('bucket lookup table agrees with the logarithm formula', () => {
  const h = new DecayingHistogram(CPU_HISTOGRAM);
  const rnd = seeded(3);
  for (let i = 0; i < 20000; i++) {
    const v = Math.exp(rnd() * 16 - 9);
    const expected = v <= h.firstBucket ? 0 : Math.min(399, Math.ceil(Math.log(v / h.firstBucket) / Math.log(h.ratio)));
    const b = h.bucketOf(v);
    // Exactly on a bound the float log may round either way; the table follows the bounds.
    assert.ok(b === expected || Math.abs(v / h.bucketBound(expected) - 1) < 1e-9 || Math.abs(v / h.bucketBound(b) - 1) < 1e-9, `value ${v}: ${b} vs ${expected}`);
    assert.ok(v <= h.bucketBound(b) * (1 + 1e-12) && (b === 0 || b === 399 || v > h.bucketBound(b - 1)));
  }
  assert.equal(h.bucketOf(0), 0);
  assert.equal(h.bucketOf(1e12), 399);
});

test('addSeries matches add() sample by sample', () => {
  const rnd = seeded(5);
  const values = Array.from({ length: 5000 }, () => rnd() * 3);
  const a = new DecayingHistogram(CPU_HISTOGRAM, START), b = new DecayingHistogram(CPU_HISTOGRAM, START);
  values.forEach((v, i) => a.add(v, START + i * 60));
  b.addSeries(values, START, 60);
  const sa = a.toState(), sb = b.toState();
  assert.equal(sa.count, sb.count);
  assert.ok(Math.abs(sa.totalWeight / sb.totalWeight - 1) < 1e-9);
  for (const q of [0.5, 0.9, 0.95, 0.99]) assert.ok(Math.abs(a.quantile(q) / b.quantile(q) - 1) < 1e-9);
  const pa = new PeakSeries(3600, 100), pb = new PeakSeries(3600, 100);
  values.forEach((v, i) => pa.add(v, START + i * 60));
  pb.addSeries(values, START, 60);
  assert.deepEqual(pa.toState(), pb.toState());
});

test('quantile interpolates inside a bucket and percentile keeps VPA bucket bounds', () => {
  const h = new DecayingHistogram(CPU_HISTOGRAM, START);
  for (let i = 1; i <= 1000; i++) h.add(i / 1000, START);
  const q = h.quantile(0.5);
  assert.ok(Math.abs(q - 0.5) < 0.01, `quantile ${q}`);
  assert.ok(h.percentile(0.5) >= q);
  assert.equal(h.quantile(1), 1);
});

test('recent samples weigh more (two-day half-life), and the state survives JSON', () => {
  const h = new DecayingHistogram(CPU_HISTOGRAM, START);
  for (let i = 0; i < 1000; i++) h.add(1, START + i * 60);
  for (let i = 0; i < 1000; i++) h.add(2, START + 4 * DAY + i * 60);
  // Equal counts, but the newer half has ~4× the weight.
  assert.ok(h.shareAtOrBelow(1) < 0.25);
  const back = DecayingHistogram.fromState(JSON.parse(JSON.stringify(h.toState())), 400);
  assert.equal(back.quantile(0.5), h.quantile(0.5));
});

test('far-future samples rescale weights instead of overflowing', () => {
  const h = new DecayingHistogram(CPU_HISTOGRAM, 0);
  h.add(1, 0);
  h.add(2, 500 * 86400 * 2);
  assert.ok(Number.isFinite(h.toState().totalWeight));
  assert.ok(Math.abs(h.quantile(0.5) - 2) < 0.1, 'the old sample no longer counts');
});
