// Finding 16: a misbehaving Prometheus. Answers larger than asked for are cut off with an error,
// long label values are scanned a logarithmic number of times (linear parsing), and duplicate
// series are reported and used once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MalformedResponseError, ResponseStreamParser } from '../../src/collect/prometheus/stream-parse.ts';

const enc = new TextEncoder();
const CHUNK = 64 * 1024;

/** Bytes of a range answer, produced lazily in CHUNK-sized pieces. */
function* chunks(parts: Iterable<string>): Generator<Uint8Array> {
  let buffered = '';
  for (const part of parts) {
    buffered += part;
    while (buffered.length >= CHUNK) { yield enc.encode(buffered.slice(0, CHUNK)); buffered = buffered.slice(CHUNK); }
  }
  if (buffered) yield enc.encode(buffered);
}

test('a 5-million-point series (at most 11,000 asked) is cut off with an error after reading little of it', () => {
  function* body(): Generator<string> {
    yield '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[';
    for (let i = 0; i < 5_000_000; i++) yield `${i ? ',' : ''}[${1_700_000_000 + i * 60},"1"]`;
    yield ']}]}}';
  }
  let points = 0, pushed = 0;
  const parser = new ResponseStreamParser((_l, times) => { points += times.length; }, { maxPoints: 11_000 });
  assert.throws(() => { for (const c of chunks(body())) { pushed += c.length; parser.push(c); } }, (err: unknown) => {
    assert.ok(err instanceof MalformedResponseError);
    assert.match(err.message, /a series has more than 11000 points, more than the query asked for/);
    return true;
  });
  assert.equal(points, 0, 'nothing of the oversized series reached the collector');
  assert.ok(pushed < 11_001 * 25 + 2 * CHUNK, `stopped early: ${pushed} bytes read`);
});

test('a 16 MiB label value is scanned a logarithmic number of times, and parsed whole', () => {
  const long = 'x'.repeat(16 * 1024 * 1024);
  const parts = ['{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"', long, '"},"values":[[1700000000,"1"]]}]}}'];
  const labels: string[] = [];
  const parser = new ResponseStreamParser(l => { labels.push(l.pod); });
  for (const c of chunks(parts)) parser.push(c);
  parser.end();
  assert.equal(labels.length, 1);
  assert.equal(labels[0].length, long.length);
  // 256 chunks: re-scanned at doubling sizes only (≈ log2(256) times), not once per chunk.
  assert.ok(parser.waits <= 12, `the cut label set was re-scanned ${parser.waits} times`);
});

test('duplicate series are reported and used once', () => {
  const series = (v: string) => `{"metric":{"namespace":"shop","pod":"api-1"},"values":[[1700000000,"${v}"]]}`;
  const text = `{"status":"success","data":{"resultType":"matrix","result":[${series('1')},${series('1000')},{"metric":{"pod":"b"},"values":[[1700000000,"2"]]}]}}`;
  const seen: number[] = [];
  const parser = new ResponseStreamParser((_l, _t, values) => { seen.push(values[0]); });
  parser.push(enc.encode(text));
  const summary = parser.end();
  assert.deepEqual(seen, [1, 2]);
  assert.equal(summary.warnings.length, 1);
  assert.match(summary.warnings[0], /^1 duplicate series \(the same labels as an earlier series, e\.g\. \{"namespace":"shop","pod":"api-1"\}\); only the first of each was used$/);
});
