// The collector against a real Prometheus, backfilled with series the test generates itself
// (seeded VM-like traces: a daily cycle, noise and bursts; each trace is one container of a
// workload's pods), kube-state-metrics owners and specs, an HPA, OOM kills, restarts, a
// CronJob, an Argo Rollout, a DaemonSet and DCGM GPUs. Its percentiles and peaks are
// cross-checked against PromQL on the same server; the sample budget and Prometheus'
// --query.max-samples are checked against the server's own `stats`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Trace } from '../../../bench/lib/bitbrains.ts';
import { seededRandom } from '../../../bench/seeded-random.ts';
import type { ClusterConfig } from '../../../src/config/types.ts';
import type { UsageProfile } from '../../../src/core/types.ts';
import { collectUsage } from '../../../src/collect/prometheus/index.ts';
import { DecayingHistogram } from '../../../src/recommend/model/decaying-histogram.ts';
import { prometheusBinaries, prometheusWithWorld, startPrometheus, type PrometheusServer, type WorldContainer, type WorldPod, type WorldWorkload } from '../../helpers/prometheus-server.ts';

const DAY = 86400, HOUR = 3600, MI = 2 ** 20, GI = 2 ** 30;
const END = Date.parse('2026-03-02T00:00:00Z') / 1000;
const DAYS = 3;
const START = END - DAYS * DAY;
const STEP = 300;
const UNDECAYED = { firstBucket: 0.001, ratio: 1.05, halfLifeSeconds: 1e12, maxBuckets: 400 };
const OOM_AT = END - DAY - 5 * HOUR + 600;
const RESTART_AT = END - 2 * DAY + 3 * HOUR + 1200;
const GAP = { from: END - 30 * HOUR, to: END - 24 * HOUR };

/** A VM-like trace at 5-minute rows over `days`: a daily cycle, noise, bursts and a slowly breathing memory. */
function syntheticTrace(seed: number, days: number): Trace {
  const random = seededRandom(seed);
  const rows = days * 288, t0 = 1_376_000_000;
  const time = new Float64Array(rows), cpuCores = new Float64Array(rows), memoryBytes = new Float64Array(rows);
  const cores = [1, 2, 4, 8][seed % 4], memoryCapacityBytes = cores * 2 * GI;
  const level = 0.1 + 0.5 * random(), phase = random() * 2 * Math.PI;
  let burst = 0, mem = 0.3 + 0.3 * random();
  for (let i = 0; i < rows; i++) {
    time[i] = t0 + i * 300;
    const daily = 0.5 + 0.5 * Math.sin(i / 288 * 2 * Math.PI + phase);
    if (burst > 0) burst--; else if (random() < 0.01) burst = 1 + Math.floor(random() * 6);
    cpuCores[i] = cores * Math.min(1, level * (0.3 + 0.7 * daily) * (0.7 + 0.6 * random()) + (burst > 0 ? 0.4 : 0));
    mem = Math.min(0.9, Math.max(0.1, mem + 0.01 * (random() - 0.5)));
    memoryBytes[i] = Math.round(memoryCapacityBytes * mem);
  }
  return { time, cpuCores, memoryBytes, cores, memoryCapacityBytes };
}

/** A trace replayed from the window start: the 5-minute sample at or before t, NaN in the trace's gaps. */
function replay(trace: Trace, base: number, field: 'cpuCores' | 'memoryBytes', shift = 0): (t: number) => number {
  const t0 = trace.time[0];
  return t => {
    const at = t - base + t0 + shift;
    let lo = 0, hi = trace.time.length - 1;
    if (at < trace.time[0]) return NaN;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (trace.time[mid] <= at) lo = mid; else hi = mid - 1;
    }
    if (at - trace.time[lo] > 600) return NaN;
    return trace[field][lo];
  };
}

function world(traces: Trace[]): WorldWorkload[] {
  const base = START - DAY;
  const from = base, to = END + HOUR;
  const vm = (i: number, name: string, extra: Partial<WorldContainer> = {}, shift = 0): WorldContainer => ({
    name, cpu: replay(traces[i], base, 'cpuCores', shift), memory: replay(traces[i], base, 'memoryBytes', shift),
    requests: { cpu: traces[i].cores / 4, memory: Math.round(traces[i].memoryCapacityBytes / 4) },
    limits: { memory: Math.round(traces[i].memoryCapacityBytes / 2) },
    ...extra,
  });
  const pod = (name: string, containers: WorldContainer[], s = from, e = to): WorldPod => ({ name, start: s, end: e, containers });
  const web: WorldWorkload = {
    cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'web', replicas: 3,
    pods: [0, 1, 2].map(i => pod(`web-6b7c8d9f5-${['ab12c', 'de34f', 'gh56j'][i]}`, [vm(i, 'app', { throttled: 0.05 }), vm(3 + i, 'sidecar')])),
  };
  const db: WorldWorkload = {
    cluster: 'test', namespace: 'data', kind: 'StatefulSet', name: 'db', replicas: 1,
    pods: [pod('db-0', [{ ...vm(6, 'postgres'), cpu: withGap(replay(traces[6], base, 'cpuCores')), memory: withGap(replay(traces[6], base, 'memoryBytes')) }])],
  };
  const api: WorldWorkload = {
    cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'api', replicas: 2, hpa: { min: 2, max: 8, cpu: 70 },
    pods: [
      pod('api-5f4d3c2b1-kk11a', [{ ...vm(7, 'api'), limits: { memory: 512 * MI }, memory: t => (t < OOM_AT ? 300 + 210 * Math.max(0, (t - (OOM_AT - 6 * HOUR)) / (6 * HOUR)) : 300) * MI, oomKills: [OOM_AT] }]),
      pod('api-5f4d3c2b1-kk22b', [{ ...vm(8, 'api'), limits: { memory: 512 * MI }, memory: () => 310 * MI, restarts: [RESTART_AT] }]),
    ],
  };
  const report: WorldWorkload = {
    cluster: 'test', namespace: 'data', kind: 'CronJob', name: 'report',
    pods: Array.from({ length: 4 * (DAYS + 1) }, (_, k) => pod(`report-${29000000 + k * 360}-${'xq7v2'.slice(0, 4)}${k % 10}`, [{
      name: 'report', requests: { cpu: 0.5, memory: 256 * MI }, cpu: () => 0.4, memory: () => 200 * MI,
    }], from + k * 6 * HOUR, from + k * 6 * HOUR + 40 * 60)),
  };
  const canary: WorldWorkload = {
    cluster: 'test', namespace: 'shop', kind: 'Rollout', name: 'canary',
    pods: [pod('canary-7c6b5a4d3-rr1aa', [vm(9, 'canary')]), pod('canary-7c6b5a4d3-rr2bb', [vm(9, 'canary', {}, 3 * HOUR)])],
  };
  const agent: WorldWorkload = {
    cluster: 'test', namespace: 'kube-system', kind: 'DaemonSet', name: 'agent',
    pods: [pod('agent-p9x8z', [vm(10, 'agent')]), pod('agent-q7w6e', [vm(11, 'agent')])],
  };
  const infer: WorldWorkload = {
    cluster: 'test', namespace: 'ml', kind: 'Deployment', name: 'infer', replicas: 1,
    pods: [pod('infer-8d7c6b5a4-gg1aa', [{
      ...vm(0, 'server'), requests: { cpu: 4, memory: 16 * GI, gpu: 2 }, limits: { memory: 16 * GI, gpu: 2 },
      gpus: [0, 1].map(g => ({
        uuid: `GPU-test-${g}`, model: 'NVIDIA L4', totalMiB: 23034,
        util: (t: number) => 20 + 10 * Math.sin(t / 7200 + g), usedMiB: () => 5000 + 1000 * g, watts: (t: number) => 40 + 5 * Math.cos(t / 3600),
      })),
    }])],
  };
  const newbie: WorldWorkload = {
    cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'newbie', replicas: 1,
    pods: [pod('newbie-4c3b2a1f9-nn1aa', [vm(1, 'newbie')], END - 6 * HOUR, to)],
  };
  // Scaled to 0 before the window: no pods, only its spec.
  const paused: WorldWorkload = { cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'paused', replicas: 0, pods: [], span: { start: from, end: to } };
  // A standalone Job that ran three hours, the day before the end.
  const migrate: WorldWorkload = {
    cluster: 'test', namespace: 'data', kind: 'Job', name: 'migrate-29500000',
    pods: [pod('migrate-29500000-m8k2z', [{ name: 'migrate', requests: { cpu: 1, memory: 512 * MI }, cpu: () => 0.8, memory: () => 300 * MI }], END - 20 * HOUR, END - 17 * HOUR)],
  };
  // Same names in another cluster behind the same endpoint: must not leak into cluster "test".
  const other: WorldWorkload = { ...web, cluster: 'other', replicas: 9 };
  return [web, db, api, report, canary, agent, infer, newbie, paused, migrate, other];
}

function withGap(f: (t: number) => number): (t: number) => number {
  return t => (t >= GAP.from && t < GAP.to ? NaN : f(t));
}

let prom: PrometheusServer | undefined;
let profiles: UsageProfile[] = [];
let queries = 0;
let firstCosts: Array<{ query: string; samplesRead: number; peakSamples: number }> = [];
let warnings: string[] = [];
let skipped: string | undefined;

function cluster(url: string): ClusterConfig {
  return { name: 'test', cloud: 'on-prem', prometheus: { url, auth: { type: 'none' }, clusterLabel: 'cluster', stepSeconds: STEP } };
}

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  const traces = Array.from({ length: 12 }, (_, i) => syntheticTrace(i + 1, DAYS + 2));
  prom = await prometheusWithWorld(world(traces), { start: START - DAY, end: END + HOUR, scrape: 60, clusterLabel: 'cluster' });
  const result = await collectUsage(cluster(prom.url), { start: START, end: END }, { quiet: true, cpuHistogram: UNDECAYED });
  profiles = result.profiles;
  queries = result.queries;
  firstCosts = result.costs;
  warnings = result.warnings;
});

after(async () => {
  await prom?.close();
});

function profile(kind: string, name: string): UsageProfile {
  const p = profiles.find(x => x.ref.kind === kind && x.ref.name === name);
  assert.ok(p, `profile ${kind}/${name} among ${profiles.map(x => `${x.ref.kind}/${x.ref.name}`).join(', ')}`);
  return p;
}

async function promql(query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${prom!.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: String(END) }) });
  const body = await res.json() as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> }; error?: string };
  assert.equal(body.status, 'success', body.error);
  return body.data.result;
}

/** Numbers to 10 significant digits: sums made in other pieces differ in the last bits only. */
function rounded(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (_k, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v));
}

function near(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-9, `${what}: collector ${actual}, PromQL ${expected} (allowed ±${rel * 100}%)`);
}

test('workloads are discovered from kube-state-metrics alone, per cluster label', t => {
  if (skipped) return t.skip(skipped);
  const ids = profiles.map(p => `${p.ref.cluster}/${p.ref.namespace}/${p.ref.kind}/${p.ref.name}`).sort();
  assert.deepEqual(ids, [
    'test/data/CronJob/report', 'test/data/Job/migrate-29500000', 'test/data/StatefulSet/db', 'test/kube-system/DaemonSet/agent', 'test/ml/Deployment/infer',
    'test/shop/Deployment/api', 'test/shop/Deployment/newbie', 'test/shop/Deployment/paused', 'test/shop/Deployment/web', 'test/shop/Rollout/canary',
  ]);
  // Owner count, owners, the AI controllers' pod labels, specs of the last day, GPU inventory;
  // per namespace restarts, throttling, CPU and memory (3 days fit one slice of each within the
  // default budget); GPU usage and memory, and the accelerator and serving-engine query, for the
  // namespace with GPUs; the specs of the CronJob runs that ended before the last day.
  assert.equal(queries, 5 + 4 * 4 + 3 + 1);
  assert.deepEqual(warnings, []);
});

test('current requests, limits, replicas and HPA come from kube-state-metrics', t => {
  if (skipped) return t.skip(skipped);
  const web = profile('Deployment', 'web');
  assert.equal(web.current.replicas, 3);
  assert.deepEqual(web.current.containers.map(c => c.container), ['app', 'sidecar']);
  assert.ok(web.current.containers[0].requests.cpuCores! > 0 && web.current.containers[0].limits.memoryBytes! > 0);
  const api = profile('Deployment', 'api');
  assert.deepEqual(api.current.hpa, { minReplicas: 2, maxReplicas: 8, targetCPUUtilization: 70 });
  assert.equal(api.current.containers[0].limits.memoryBytes, 512 * MI);
  assert.equal(profile('StatefulSet', 'db').current.replicas, 1);
  assert.equal(profile('Rollout', 'canary').current.replicas, 2, 'Rollout replicas from the pods seen last');
  const report = profile('CronJob', 'report');
  assert.deepEqual(report.current.containers, [{ container: 'report', requests: { cpuCores: 0.5, memoryBytes: 256 * MI }, limits: {} }]);
  const infer = profile('Deployment', 'infer');
  assert.equal(infer.current.containers[0].requests.gpus, 2);
  assert.equal(infer.current.gpuModel, 'NVIDIA L4');
});

test('CPU percentiles and memory peaks agree with quantile_over_time / max_over_time', async t => {
  if (skipped) return t.skip(skipped);
  // db has one pod, so its container's distribution is the pod's series.
  const db = profile('StatefulSet', 'db').containers[0];
  const cpu = DecayingHistogram.fromState(db.cpu);
  const rate = `rate(container_cpu_usage_seconds_total{cluster="test",namespace="data",pod="db-0",container="postgres"}[${STEP - 1}s])`;
  const quantile = async (q: number) => Number((await promql(`quantile_over_time(${q}, ${rate}[${DAYS * 24}h:${STEP}s])`))[0].value[1]);
  for (const q of [0.5, 0.9, 0.95, 0.99]) {
    const mine = cpu.quantile(q), exact = await quantile(q);
    // Within the sketch's 5% bucket width of PromQL's answer, or (in a sparse tail, where
    // neighbouring samples are further apart than that) between the neighbouring ranks.
    const within = Math.abs(mine - exact) <= 0.05 * exact
      || (mine >= (await quantile(q - 0.005)) * 0.95 && mine <= (await quantile(Math.min(1, q + 0.005))) * 1.05);
    assert.ok(within, `db CPU P${q * 100}: collector ${mine}, PromQL ${exact}`);
  }
  const [cpuMax] = await promql(`max_over_time(${rate}[${DAYS * 24}h:${STEP}s])`);
  near(db.cpu.max, Number(cpuMax.value[1]), 0.001, 'db CPU max');
  // Every container (pods merged): the highest memory peak and the highest CPU.
  for (const p of profiles.filter(x => !x.insufficient)) {
    for (const c of p.containers) {
      const pods = `cluster="test",namespace="${p.ref.namespace}",container="${c.container}",pod=~"${p.ref.name}-.*"`;
      const [mem] = await promql(`max(max_over_time(container_memory_working_set_bytes{${pods}}[${DAYS * 24}h]))`);
      const peak = Math.max(...c.memoryPeaks.peaks.filter(([s]) => s >= START - HOUR).map(([, v]) => v));
      near(peak, Number(mem.value[1]), 0.05, `${p.ref.name}/${c.container} memory peak`);
      const [cmax] = await promql(`max(max_over_time(rate(container_cpu_usage_seconds_total{${pods}}[${STEP - 1}s])[${DAYS * 24}h:${STEP}s]))`);
      near(c.cpu.max, Number(cmax.value[1]), 0.05, `${p.ref.name}/${c.container} CPU max`);
    }
  }
  // Hourly memory peaks of one pod against max_over_time over each hour.
  const res = await fetch(`${prom!.url}/api/v1/query_range`, {
    method: 'POST',
    body: new URLSearchParams({ query: 'max_over_time(container_memory_working_set_bytes{cluster="test",pod="db-0"}[1h] offset 1s)', start: String(START + 2 * HOUR), end: String(END), step: String(HOUR) }),
  });
  const body = await res.json() as { data: { result: Array<{ values: Array<[number, string]> }> } };
  const peaks = new Map(db.memoryPeaks.peaks);
  let compared = 0;
  for (const [time, v] of body.data.result[0].values) {
    const mine = peaks.get(time - HOUR);
    if (mine === undefined) continue;
    near(mine, Number(v), 0.05, `db memory peak of the hour before ${new Date(time * 1000).toISOString()}`);
    compared++;
  }
  assert.ok(compared > DAYS * 24 - 12, `compared ${compared} hourly peaks`);
});

test('gaps lower coverage; history, samples and sample times are reported', t => {
  if (skipped) return t.skip(skipped);
  const db = profile('StatefulSet', 'db').containers[0];
  const expected = 1 - (GAP.to - GAP.from) / (DAYS * DAY);
  assert.ok(Math.abs(db.coverage - expected) < 0.02, `coverage ${db.coverage}, expected about ${expected}`);
  assert.equal(db.lastSample, END);
  assert.ok(db.firstSample <= START + STEP);
  const web = profile('Deployment', 'web');
  assert.ok(web.containers.every(c => c.coverage > 0.95));
  assert.ok(web.containers[0].samples > 3 * (DAYS * DAY / STEP) * 0.95, 'three pods of samples');
  assert.equal(web.containers.find(c => c.container === 'app')!.throttledRatio !== undefined, true);
  near(web.containers.find(c => c.container === 'app')!.throttledRatio!, 0.05, 0.02, 'throttled ratio');
  // Replica history and the workload's summed CPU.
  assert.ok(web.replicaHistory && Math.max(...web.replicaHistory.peaks.map(([, v]) => v)) === 3);
  assert.ok(web.totalCpu && web.totalCpu.max >= Math.max(...web.containers.map(c => c.cpu.max)));
  const canary = profile('Rollout', 'canary');
  assert.equal(Math.max(...canary.replicaHistory!.peaks.map(([, v]) => v)), 2);
});

test('OOM kills carry the time and the memory at the kill; restarts are counted', t => {
  if (skipped) return t.skip(skipped);
  const api = profile('Deployment', 'api').containers[0];
  assert.equal(api.oomKills.length, 1);
  assert.ok(Math.abs(api.oomKills[0].time - OOM_AT) <= HOUR, `OOM at ${api.oomKills[0].time}, injected ${OOM_AT}`);
  assert.ok(api.oomKills[0].memoryBytes >= 500 * MI && api.oomKills[0].memoryBytes <= 512 * MI, `memory at kill ${api.oomKills[0].memoryBytes / MI} MiB`);
  assert.equal(api.restarts, 2, 'one OOM kill and one other restart');
});

test('GPU usage joins DCGM series to the pod: GPUs per pod, model, framebuffer, power', t => {
  if (skipped) return t.skip(skipped);
  const gpu = profile('Deployment', 'infer').containers[0].gpu;
  assert.ok(gpu);
  assert.equal(gpu.gpusPerPod, 2);
  assert.equal(gpu.model, 'NVIDIA L4');
  assert.equal(gpu.memoryTotalBytes, 23034 * MI);
  assert.equal(Math.max(...gpu.memoryUsed.peaks.map(([, v]) => v)), 6000 * MI);
  const util = DecayingHistogram.fromState(gpu.utilisation);
  assert.ok(util.quantile(0.5) > 15 && util.quantile(0.5) < 25 && util.maxValue <= 30.5);
  assert.ok(gpu.power && gpu.power.min >= 34 && gpu.power.max <= 46);
});

test('a CronJob is one workload over its short-lived job pods', t => {
  if (skipped) return t.skip(skipped);
  const report = profile('CronJob', 'report');
  assert.ok(!report.insufficient, JSON.stringify(report.insufficient));
  near(DecayingHistogram.fromState(report.containers[0].cpu).quantile(0.5), 0.4, 0.05, 'report CPU');
  assert.ok(report.containers[0].coverage < 0.5, 'runs 40 minutes every 6 hours');
});

test('too little history gives `insufficient`, not a number', t => {
  if (skipped) return t.skip(skipped);
  const newbie = profile('Deployment', 'newbie');
  assert.deepEqual(newbie.containers, []);
  assert.ok(newbie.insufficient);
  assert.equal(newbie.insufficient.needSeconds, DAY);
  assert.ok(newbie.insufficient.haveSeconds > 5 * HOUR && newbie.insufficient.haveSeconds <= 6 * HOUR + STEP);
});

test('a workload scaled to 0 is listed with "no pods in the window"', t => {
  if (skipped) return t.skip(skipped);
  const paused = profile('Deployment', 'paused');
  assert.equal(paused.current.replicas, 0);
  assert.deepEqual(paused.containers, []);
  assert.equal(paused.insufficient?.reason, 'no pods in the window');
});

test('a standalone Job shorter than a day is sized from its own run', t => {
  if (skipped) return t.skip(skipped);
  const migrate = profile('Job', 'migrate-29500000');
  assert.equal(migrate.insufficient, undefined);
  assert.equal(migrate.containers.length, 1);
  near(DecayingHistogram.fromState(migrate.containers[0].cpu).quantile(0.5), 0.8, 0.05, 'migrate CPU');
  assert.ok(migrate.containers[0].lastSample - migrate.containers[0].firstSample < 4 * HOUR);
});

test('two collections of the same window give byte-identical profiles', async t => {
  if (skipped) return t.skip(skipped);
  const again = await collectUsage(cluster(prom!.url), { start: START, end: END }, { quiet: true, cpuHistogram: UNDECAYED });
  assert.equal(JSON.stringify(again.profiles), JSON.stringify(profiles));
  assert.deepEqual([...again.costs].sort((a, b) => a.query.localeCompare(b.query)), [...firstCosts].sort((a, b) => a.query.localeCompare(b.query)), 'the same queries at the same cost');
});

test('a shared endpoint keeps clusters apart by the cluster label', async t => {
  if (skipped) return t.skip(skipped);
  const other = await collectUsage({ ...cluster(prom!.url), name: 'other' }, { start: START, end: END }, { quiet: true });
  assert.deepEqual(other.profiles.map(p => `${p.ref.cluster}/${p.ref.kind}/${p.ref.name}`), ['other/Deployment/web']);
  assert.equal(other.profiles[0].current.replicas, 9);
});

test('every query stays within the sample budget; 14 days at the least step stay within 11,000 points', async t => {
  if (skipped) return t.skip(skipped);
  const seen: Array<{ start: number; end: number; step: number }> = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const form = new URLSearchParams(String(init?.body));
    if (String(input).endsWith('/query_range')) seen.push({ start: Number(form.get('start')), end: Number(form.get('end')), step: Number(form.get('step')) });
    return fetch(input, init);
  };
  const c = cluster(prom!.url);
  c.prometheus.stepSeconds = 60; // raised to 120: a step's rate needs two scrapes of its own
  const r = await collectUsage(c, { start: END - 14 * DAY, end: END }, { quiet: true, fetch: recordingFetch });
  for (const s of seen) assert.ok((s.end - s.start) / s.step + 1 <= 11_000, `${(s.end - s.start) / s.step + 1} points`);
  assert.ok(seen.some(s => s.step === 120));
  assert.equal(r.costs.length, r.queries, 'every query reports its cost');
  for (const q of r.costs) assert.ok(q.peakSamples <= 100_000, `${q.query}: ${q.peakSamples} peak samples`);
  assert.ok(r.profiles.length >= 7);
});

test('a small sample budget splits queries in time and gives the same profiles', async t => {
  if (skipped) return t.skip(skipped);
  const c = cluster(prom!.url);
  c.prometheus.maxQuerySamples = 2000;
  const r = await collectUsage(c, { start: START, end: END }, { quiet: true, cpuHistogram: UNDECAYED });
  assert.ok(r.queries > queries * 2, `${r.queries} queries under a budget of 2,000, ${queries} under the default`);
  for (const q of r.costs) assert.ok(q.peakSamples <= 2000, `${q.query}: ${q.peakSamples} peak samples`);
  assert.deepEqual(rounded(r.profiles), rounded(profiles));
});

test("Prometheus' --query.max-samples refusals are split, not failed", async t => {
  if (skipped) return t.skip(skipped);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-max-samples-'));
  cpSync(prom!.dataDir, dir, { recursive: true });
  rmSync(path.join(dir, 'lock'), { force: true });
  const strict = await startPrometheus(dir, { extraArgs: ['--query.max-samples=3000'], removeDataDir: true });
  try {
    const r = await collectUsage(cluster(strict.url), { start: START, end: END }, { quiet: true, cpuHistogram: UNDECAYED });
    assert.ok(r.warnings.some(w => /--query\.max-samples/.test(w)), r.warnings.join('\n'));
    assert.deepEqual(rounded(r.profiles), rounded(profiles));
  } finally {
    await strict.close();
  }
});
