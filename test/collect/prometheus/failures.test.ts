// Failure cases against a small local HTTP server: each gives a retry or a clear error that
// names the query and quotes the server, never a wrong number. Plus the streaming parser.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ClusterConfig } from '../../../src/config/types.ts';
import { collectUsage } from '../../../src/collect/prometheus/index.ts';
import { PrometheusClient, PrometheusQueryError } from '../../../src/collect/prometheus/client.ts';
import { ResponseStreamParser } from '../../../src/collect/prometheus/stream-parse.ts';
import { sharedPath } from '../../helpers/shared.ts';
import { freePort } from '../../helpers/prometheus-server.ts';

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

async function fakeServer(handler: Handler): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', c => { body += c; });
    req.on('end', () => {
      requests.push(body);
      handler(req, body, res);
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>(r => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const MATRIX = JSON.stringify({
  status: 'success',
  data: { resultType: 'matrix', result: [{ metric: { pod: 'a' }, values: [[1000, '1.5'], [1060, 'NaN'], [1120, '2']] }] },
});

function client(url: string, extra: Partial<ClusterConfig['prometheus']> = {}) {
  return new PrometheusClient({ url, auth: { type: 'none' }, ...extra }, 'test', { backoffMs: 5, maxRetries: 2 });
}

async function collect(c: PrometheusClient): Promise<Array<[string, number[]]>> {
  const out: Array<[string, number[]]> = [];
  await c.query('range', { query: 'up', start: 1000, end: 1120, step: 60 }, 'test', (labels, _t, values) => out.push([labels.pod, [...values]]));
  return out;
}

function reference(t: { skip(m?: string): void }, name: string): string | undefined {
  const dir = sharedPath(t, 'fixtures-reference/prometheus', 'Prometheus error-body fixtures');
  return dir && readFileSync(path.join(dir, name), 'utf8');
}

test('server down: a clear error naming the endpoint, after retries', async () => {
  const port = await freePort();
  const c = client(`http://127.0.0.1:${port}`);
  await assert.rejects(collect(c), (e: PrometheusQueryError) => {
    assert.match(e.message, new RegExp(`Prometheus at http://127.0.0.1:${port} \\(cluster test\\) could not be reached for the test query: ECONNREFUSED`));
    return true;
  });
  assert.equal(c.queries, 3, 'first attempt and two retries');
});

test('5xx is retried and the answer is then used', async t => {
  const body = reference(t, 'error-503.timeout.json') ?? '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}';
  let n = 0;
  const s = await fakeServer((_req, _body, res) => {
    if (n++ === 0) { res.writeHead(503, { 'content-type': 'application/json' }); res.end(body); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(MATRIX);
  });
  try {
    assert.deepEqual(await collect(client(s.url)), [['a', [1.5, NaN, 2]]]);
    assert.equal(s.requests.length, 2);
  } finally { await s.close(); }
});

test('5xx that persists: the error quotes the server and names the query', async t => {
  const body = reference(t, 'error-503.timeout.json') ?? '{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}';
  const s = await fakeServer((_req, _body, res) => { res.writeHead(503, { 'content-type': 'application/json' }); res.end(body); });
  try {
    await assert.rejects(collect(client(s.url)), /answered HTTP 503 \(timeout\) to the test query: "query timed out in expression evaluation" — query: up/);
    assert.equal(s.requests.length, 3);
  } finally { await s.close(); }
});

test('429 with Retry-After waits as told, then succeeds', async () => {
  let n = 0;
  const s = await fakeServer((_req, _body, res) => {
    if (n++ === 0) { res.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }); res.end('too many requests'); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(MATRIX);
  });
  try {
    const started = Date.now();
    assert.deepEqual(await collect(client(s.url)), [['a', [1.5, NaN, 2]]]);
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
  } finally { await s.close(); }
});

test('the 11,000-points error and a 422 are not retried; the message is quoted', async t => {
  for (const [status, file, pattern] of [
    [400, 'error-400.too-many-points.json', /HTTP 400 \(bad_data\) to the test query: "exceeded maximum resolution of 11,000 points per timeseries/],
    [422, 'error-422.execution.json', /HTTP 422 \(execution\) to the test query: "query processing would load too many samples into memory/],
  ] as const) {
    const body = reference(t, file);
    if (!body) return;
    const s = await fakeServer((_req, _body, res) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(body); });
    try {
      await assert.rejects(collect(client(s.url)), (e: PrometheusQueryError) => {
        assert.match(e.message, pattern);
        assert.equal(e.tooManyPoints, status === 400);
        return true;
      });
      assert.equal(s.requests.length, 1);
    } finally { await s.close(); }
  }
});

test('a malformed or truncated answer is an error, never a number', async () => {
  for (const bad of ['<html>502 Bad Gateway</html>', MATRIX.slice(0, 80), '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1000,"abc"]]}]}}']) {
    const s = await fakeServer((_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(bad); });
    try {
      await assert.rejects(collect(client(s.url)), /sent a malformed answer to the test query/);
    } finally { await s.close(); }
  }
});

test('a query that never answers times out, is retried, then fails clearly', async () => {
  const s = await fakeServer(() => { /* never answers */ });
  try {
    const c = new PrometheusClient({ url: s.url, auth: { type: 'none' }, timeoutSeconds: 0.3 }, 'test', { backoffMs: 5, maxRetries: 1 });
    await assert.rejects(collect(c), /did not answer the test query within 0.3 s \(prometheus.timeoutSeconds\)/);
    assert.equal(s.requests.length, 2);
  } finally { await s.close(); }
});

test('a connection broken mid-body is retried without counting series twice', async () => {
  const result = JSON.stringify({
    status: 'success',
    data: { resultType: 'matrix', result: ['a', 'b', 'c'].map(pod => ({ metric: { pod }, values: [[1000, '1'], [1060, '2']] })) },
  });
  let n = 0;
  const s = await fakeServer((_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (n++ === 0) { res.write(result.slice(0, result.indexOf('"c"') + 10)); setTimeout(() => res.destroy(), 20); return; }
    res.end(result);
  });
  try {
    assert.deepEqual((await collect(client(s.url))).map(([pod]) => pod), ['a', 'b', 'c']);
  } finally { await s.close(); }
});

test('collectUsage fails as a whole when one query fails: no partial profiles', async () => {
  const owners = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { rs_q: 'pod', namespace: 'shop', pod: 'web-0', owner_kind: 'StatefulSet', owner_name: 'web' }, values: [[86400 * 20, '1']] }] } });
  const empty = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } });
  const s = await fakeServer((_req, body, res) => {
    const q = new URLSearchParams(body).get('query') ?? '';
    res.writeHead(200, { 'content-type': 'application/json' });
    if (q.includes('kube_pod_owner')) res.end(owners);
    else if (q.includes('container_cpu_usage_seconds_total{')) res.end('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"web-0"},"values":[[1,"0.5"],');
    else res.end(empty);
  });
  try {
    const cluster: ClusterConfig = { name: 'c', cloud: 'on-prem', prometheus: { url: s.url, auth: { type: 'none' }, stepSeconds: 300 } };
    await assert.rejects(
      collectUsage(cluster, { start: 86400 * 10, end: 86400 * 20 }, { quiet: true, client: { backoffMs: 1, maxRetries: 0 } }),
      /malformed answer to the CPU usage of shop .*truncated body/,
    );
  } finally { await s.close(); }
});

test('secrets from the environment reach the server but never an error message', async () => {
  process.env.RS_TEST_TOKEN = 'sekret-token-123';
  const seen: string[] = [];
  const s = await fakeServer((req, _body, res) => {
    seen.push(String(req.headers.authorization), String(req.headers['x-scope-orgid']));
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end('unauthorized');
  });
  try {
    const c = new PrometheusClient({ url: s.url, auth: { type: 'bearer', tokenEnv: 'RS_TEST_TOKEN' }, headers: { 'X-Scope-OrgID': '${RS_TEST_TOKEN}' } }, 'test', { maxRetries: 0 });
    await assert.rejects(collect(c), (e: PrometheusQueryError) => {
      assert.doesNotMatch(`${e.message} ${e.hint}`, /sekret/);
      assert.match(e.message, /HTTP 401/);
      return true;
    });
    assert.deepEqual(seen, ['Bearer sekret-token-123', 'sekret-token-123']);
    assert.throws(
      () => new PrometheusClient({ url: s.url, auth: { type: 'basic', usernameEnv: 'RS_NO_SUCH_USER', passwordEnv: 'RS_TEST_TOKEN' } }, 'test'),
      /cluster test: environment variable RS_NO_SUCH_USER \(usernameEnv\) is not set/,
    );
  } finally { await s.close(); delete process.env.RS_TEST_TOKEN; }
});

function roundFloats(_key: string, v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(14)) : typeof v === 'number' ? String(v) : v;
}

test('the streaming parser gives the same series whatever the chunk boundaries', () => {
  const body = JSON.stringify({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: [
        { metric: { pod: 'p-"quoted"', container: 'c\\1', x: '{}[]' }, values: [[1741824000, '0.041833333333333334'], [1741824060.5, '-12'], [1741824120, '+Inf'], [1741824180, 'NaN'], [1741824240, '1e+21']] },
        { metric: {}, values: [[1, '123456789012345678901234']] },
      ],
    },
    warnings: ['PromQL warning: something'],
  });
  const expected = (JSON.parse(body) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } }).data.result
    .map(r => [r.metric, r.values.map(([t]) => t), r.values.map(([, v]) => Number(v === '+Inf' ? Infinity : v))]);
  const bytes = new TextEncoder().encode(body);
  for (const size of [1, 2, 3, 7, 64, bytes.length]) {
    const got: unknown[] = [];
    const p = new ResponseStreamParser((labels, times, values) => got.push([labels, [...times], [...values]]));
    for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size));
    const summary = p.end();
    // Values with more than 15 significant digits may differ in the last bit (1e-16 relative).
    assert.deepEqual(JSON.stringify(got, roundFloats), JSON.stringify(expected, roundFloats), `chunks of ${size}`);
    assert.deepEqual(summary.warnings, ['PromQL warning: something']);
    assert.equal(summary.samples, 6);
  }
  // Instant vectors and scalars, as Prometheus writes them.
  const vector = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"namespace":"checkout"},"value":[1741834800.123,"0.1843"]}]}}';
  const got: unknown[] = [];
  const p = new ResponseStreamParser((labels, times, values) => got.push([labels, [...times], [...values]]));
  p.push(new TextEncoder().encode(vector));
  p.end();
  assert.deepEqual(got, [[{ namespace: 'checkout' }, [1741834800.123], [0.1843]]]);
});
