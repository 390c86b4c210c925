// The collector's fast paths give exactly what the general paths give: the parser's loop for
// plain `[time,"value"]` pairs, PeakSeries fed one pod's series after another's, and the CPU
// sketches sharing each value's bucket between histograms of one layout.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseStreamParser } from '../../../src/collect/prometheus/stream-parse.ts';
import { CpuWindowSketches } from '../../../src/recommend/model/cpu-window.ts';
import { CPU_HISTOGRAM, CPU_WINDOW_HISTOGRAM, DecayingHistogram } from '../../../src/recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../../../src/recommend/model/peak-series.ts';

/** A small seeded generator (the tests' data is made here). */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const END = Date.parse('2026-06-01T00:00:00Z') / 1000;

test('plain pairs parse to the same numbers as Number() whatever the chunk boundaries, mixed with every other shape', () => {
  const rnd = seeded(11);
  // Mostly what Prometheus writes (integer seconds, short decimals), with the shapes the loop
  // leaves to the general parser sprinkled in: fractional and long timestamps, exponents, NaN,
  // infinities, long mantissas, negative zero, spaces.
  const texts: Array<[string, string]> = [];
  let t = 1779062580;
  for (let i = 0; i < 3000; i++) {
    const r = rnd();
    const time = r < 0.02 ? `${t}.${Math.floor(rnd() * 1000)}` : String(t);
    const value = r < 0.03 ? '1.5e+21' : r < 0.04 ? 'NaN' : r < 0.05 ? '+Inf' : r < 0.06 ? '-Inf' : r < 0.07 ? '0.12345678901234567890123'
      : r < 0.08 ? '-0' : r < 0.09 ? '123456789012345678' : r < 0.5 ? (rnd() * 4).toFixed(4).replace(/0+$/, '').replace(/\.$/, '') : String(Math.round(rnd() * 2 ** 40) - 2 ** 39);
    texts.push([time, value]);
    t += 180;
  }
  const pairs = texts.map(([time, value], i) => (i % 500 === 7 ? `[ ${time} , "${value}" ]` : `[${time},"${value}"]`));
  const body = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[${pairs.slice(0, 1700).join(',')}]},`
    + `{"metric":{"pod":"b"},"values":[${pairs.slice(1700).join(',')}]}]}}`;
  const expectedValue = (v: string) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));
  const bytes = new TextEncoder().encode(body);
  for (const size of [1, 5, 63, 64, 65, 1000, 16384, bytes.length]) {
    const times: number[] = [], values: number[] = [], pods: string[] = [];
    const p = new ResponseStreamParser((labels, ts, vs) => { pods.push(labels.pod); times.push(...ts); values.push(...vs); });
    for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size));
    assert.equal(p.end().samples, 3000);
    assert.deepEqual(pods, ['a', 'b']);
    for (let i = 0; i < texts.length; i++) {
      const [time, value] = texts[i];
      assert.equal(times[i], Number(time), `chunks of ${size}, timestamp ${i}: ${time}`);
      // Up to 15 significant digits the value is exactly Number()'s; beyond, within the last bit.
      const want = expectedValue(value), got = values[i];
      if (value.replace(/[^0-9]/g, '').length <= 15 || !Number.isFinite(want)) assert.ok(Object.is(got, want), `chunks of ${size}, value ${i}: ${value} gave ${got}`);
      else assert.ok(Math.abs(got / want - 1) < 1e-15, `chunks of ${size}, value ${i}: ${value} gave ${got}`);
    }
  }
});

test('memory peaks fed pod after pod equal peaks fed in time order, also once the window is full', () => {
  const rnd = seeded(12);
  for (const maxIntervals of [24 * 35, 100]) {
    const hours = 336, pods = 5;
    const samples = Array.from({ length: pods }, () => Array.from({ length: hours }, (_, h) => ({ value: rnd() * 1e9, time: END - (hours - h) * 3600 - 1 })));
    // Pods come and go: some series start late or end early.
    samples[2] = samples[2].slice(40);
    samples[3] = samples[3].slice(0, 200);
    const byPod = new PeakSeries(3600, maxIntervals), inOrder = new PeakSeries(3600, maxIntervals);
    for (const series of samples) for (const s of series) byPod.add(s.value, s.time);
    for (const s of samples.flat().sort((a, b) => a.time - b.time)) inOrder.add(s.value, s.time);
    assert.deepEqual(byPod.toState(), inOrder.toState(), `maxIntervals ${maxIntervals}`);
  }
});

test('the CPU sketches fed with shared buckets hold what each histogram fed alone holds', () => {
  const rnd = seeded(13);
  const step = 180, start = END - 14 * 86400;
  const shared = new CpuWindowSketches(END), alone = new CpuWindowSketches(END);
  const weightedShared = new DecayingHistogram(CPU_HISTOGRAM, END), weightedAlone = new DecayingHistogram(CPU_HISTOGRAM, END);
  for (let pod = 0; pod < 4; pod++) {
    for (let slice = 0; slice < 11; slice++) {
      const values = Float64Array.from({ length: 611 }, () => (rnd() < 0.01 ? NaN : rnd() < 0.01 ? -1 : rnd() ** 3 * 8));
      const first = start + slice * 611 * step;
      shared.addSeries(`p${pod}`, values, first, step, weightedShared);
      alone.addSeries(`p${pod}`, values, first, step);
      weightedAlone.addSeries(values, first, step);
    }
  }
  assert.deepEqual(shared.toUsage(), alone.toUsage());
  assert.deepEqual(weightedShared.toState(), weightedAlone.toState());
  // A weighted histogram of another layout is fed on its own.
  const other = new DecayingHistogram(CPU_WINDOW_HISTOGRAM, END), otherAlone = new DecayingHistogram(CPU_WINDOW_HISTOGRAM, END);
  const values = Float64Array.from({ length: 500 }, () => rnd() * 2);
  new CpuWindowSketches(END).addSeries('p', values, start, step, other);
  otherAlone.addSeries(values, start, step);
  assert.deepEqual(other.toState(), otherAlone.toState());
  const h = new DecayingHistogram(CPU_HISTOGRAM, END);
  const buckets = h.bucketsOf(values);
  for (let i = 0; i < values.length; i++) assert.equal(buckets[i], h.bucketOf(values[i]));
});
