// Reading each raw sample once (CPU rates over each step's own samples at the usage step,
// memory as hourly peaks) must not change what the engine recommends: on the collector
// benchmark's data, the engine's CPU and memory estimates from the collected profiles are
// within 1% of those from full resolution — CPU as 2-minute rates at every 60 s scrape (what
// the collector read before), memory from every raw sample.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { containersOf, cpuAt, memAt, PODS_PER_WORKLOAD } from '../../../bench/lib/collect-data.ts';
import { collectUsage } from '../../../src/collect/prometheus/index.ts';
import type { ClusterConfig } from '../../../src/config/types.ts';
import type { ContainerUsage, UsageProfile } from '../../../src/core/types.ts';
import { estimateContainer } from '../../../src/recommend/index.ts';
import { CPU_HISTOGRAM, DecayingHistogram } from '../../../src/recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../../../src/recommend/model/peak-series.ts';
import { prometheusBinaries, prometheusWithWorld, type PrometheusServer, type WorldWorkload } from '../../helpers/prometheus-server.ts';

const DAY = 86400, HOUR = 3600;
const DAYS = 14;
const END = Date.parse('2026-06-01T00:00:00Z') / 1000;
const START = END - DAYS * DAY;
const CONTAINERS = 20;

let prom: PrometheusServer | undefined;
let profiles: UsageProfile[] = [];
let skipped: string | undefined;

function world(): WorldWorkload[] {
  const byWorkload = new Map<string, WorldWorkload>();
  for (const c of containersOf(CONTAINERS)) {
    const key = `${c.ns}/${c.workload}`;
    let w = byWorkload.get(key);
    if (!w) byWorkload.set(key, w = { namespace: c.ns, kind: 'Deployment', name: c.workload, replicas: PODS_PER_WORKLOAD, pods: [] });
    w.pods.push({
      name: c.pod, start: START - DAY, end: END + HOUR,
      containers: [{ name: 'app', cpu: t => cpuAt(c, t), memory: t => memAt(c, t), requests: { cpu: 2, memory: 4 * 2 ** 30 }, limits: { memory: 4 * 2 ** 30 } }],
    });
  }
  return [...byWorkload.values()];
}

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  prom = await prometheusWithWorld(world(), { start: START - DAY, end: END + HOUR, scrape: 60, ksmScrape: 300 });
  const cluster: ClusterConfig = { name: 'bench', cloud: 'on-prem', prometheus: { url: prom.url, auth: { type: 'none' } } };
  profiles = (await collectUsage(cluster, { start: START, end: END }, { quiet: true })).profiles;
});

after(async () => {
  await prom?.close();
});

/** Every point of a range query, split in pieces of ≤ 11,000 points. */
async function range(query: string, step: number): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
  const out: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> = [];
  for (let from = START + step; from <= END; from += 10_000 * step) {
    const to = Math.min(END, from + 9_999 * step);
    const res = await fetch(`${prom!.url}/api/v1/query_range`, { method: 'POST', body: new URLSearchParams({ query, start: String(from), end: String(to), step: String(step) }) });
    const body = await res.json() as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    assert.equal(body.status, 'success', body.error);
    out.push(...body.data.result);
  }
  return out;
}

/** The profile's containers with CPU and memory at full resolution. */
async function fullResolution(profile: UsageProfile): Promise<ContainerUsage[]> {
  const pods = `namespace="${profile.ref.namespace}",pod=~"${profile.ref.name}-.*",container="app"`;
  const cpu = new DecayingHistogram(CPU_HISTOGRAM, END);
  for (const s of await range(`rate(container_cpu_usage_seconds_total{${pods}}[2m])`, 60)) {
    for (const [t, v] of s.values) cpu.add(Number(v), t);
  }
  const memory = new PeakSeries(HOUR, 24 * 35);
  for (const s of await range(`container_memory_working_set_bytes{${pods}}`, 60)) {
    for (const [t, v] of s.values) memory.add(Number(v), t - 1);
  }
  return profile.containers.map(c => ({ ...c, cpu: cpu.toState(), memoryPeaks: memory.toState() }));
}

test('engine estimates from the collected profiles are within 1% of full resolution', async t => {
  if (skipped) return t.skip(skipped);
  assert.equal(profiles.length, CONTAINERS / PODS_PER_WORKLOAD);
  for (const profile of profiles) {
    const full = await fullResolution(profile);
    for (let i = 0; i < profile.containers.length; i++) {
      const options = { historyDays: DAYS, cpuPercentile: 0.95, now: END, kind: profile.ref.kind, currentMemory: 4 * 2 ** 30 };
      const mine = estimateContainer(profile.containers[i], options), exact = estimateContainer(full[i], options);
      const what = `${profile.ref.namespace}/${profile.ref.name}`;
      assert.ok(mine.cpu && exact.cpu && mine.memory && exact.memory, `${what}: estimates`);
      const cpuOff = Math.abs(mine.cpu.value / exact.cpu.value - 1), memOff = Math.abs(mine.memory.bytes / exact.memory.bytes - 1);
      t.diagnostic(`${what}: CPU P95 ${mine.cpu.value.toFixed(4)} vs ${exact.cpu.value.toFixed(4)} cores (${(cpuOff * 100).toFixed(2)}%), memory ${mine.memory.bytes} vs ${exact.memory.bytes} bytes (${(memOff * 100).toFixed(2)}%)`);
      assert.ok(cpuOff <= 0.01, `${what}: CPU estimate ${mine.cpu.value} vs ${exact.cpu.value} at full resolution`);
      assert.ok(Math.abs(mine.cpu.cores / exact.cpu.cores - 1) <= 0.01, `${what}: CPU request ${mine.cpu.cores} vs ${exact.cpu.cores}`);
      assert.ok(memOff <= 0.01, `${what}: memory estimate ${mine.memory.bytes} vs ${exact.memory.bytes} at full resolution`);
    }
  }
});
