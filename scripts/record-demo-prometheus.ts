// Records the Prometheus answers the demo replays (fixtures/demo/prometheus/).
//
//   ./node_modules/.bin/node scripts/record-demo-prometheus.ts
//
// 1. writes OpenMetrics series for the demo world (nine workloads on three clusters behind one
//    shared endpoint with a `cluster` label: five plain ones, and the AI-serving ones — a vLLM
//    Deployment with its own metrics, a KServe InferenceService, a RayService with a GPU worker
//    group and an AMD Instinct workload) over the 14 days ending 2026-11-16T00:00:00Z,
// 2. backfills a real Prometheus with promtool and starts it on 127.0.0.1,
// 3. runs the real collector against it through a recording proxy (the demo's clusters, step 300 s),
// 4. writes each answer gzipped, keyed by the normalised request, plus index.json.
// Needs `prometheus` and `promtool` on PATH (Debian: apt-get install prometheus).

import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { ClusterConfig } from '../src/config/types.ts';
import { collectUsage } from '../src/collect/prometheus/index.ts';
import { replayKey } from '../src/demo/prometheus-replay.ts';
import { prometheusWithWorld, type WorldGpu, type WorldPod, type WorldWorkload } from '../test/helpers/prometheus-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_END = Date.parse('2026-11-16T00:00:00Z') / 1000;
export const DEMO_DAYS = 14;
export const DEMO_STEP = 300;
const DAY = 86400, HOUR = 3600;
const MI = 2 ** 20, GI = 2 ** 30;

/** Deterministic noise in [0, 1) from a time and a seed. */
function noise(t: number, seed: number): number {
  let h = (Math.floor(t) * 2654435761 + seed * 40503) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** 0..1 daily cycle peaking at 15:00 UTC. */
function daily(t: number): number {
  return 0.5 + 0.5 * Math.cos(((t % DAY) / DAY - 15 / 24) * 2 * Math.PI);
}

function pods(prefix: string, hash: string, n: number, start: number, end: number, containers: (i: number) => WorldPod['containers']): WorldPod[] {
  const suffixes = ['x7k2p', 'q9w4m', 'b3n8v', 'h6t1c', 'r2d5s', 'm8f3z', 'k4j7w', 'p1l9x'];
  return Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${hash}-${suffixes[i % suffixes.length]}`, start, end, containers: containers(i), node: `node-${prefix}-${i % 3}` }));
}

export function demoWorld(end = DEMO_END, days = DEMO_DAYS): WorldWorkload[] {
  const start = end - days * DAY - DAY; // pods started a day before the window
  const checkout: WorldWorkload = {
    cluster: 'prod-eks', namespace: 'shop', kind: 'Deployment', name: 'checkout', replicas: 6,
    pods: pods('checkout', '7d9f8c6b5', 6, start, end + DAY, i => [{
      name: 'checkout',
      requests: { cpu: 1.5, memory: 2 * GI }, limits: { memory: 2 * GI },
      cpu: t => 0.25 + 0.15 * daily(t) + 0.02 * noise(t, 11 + i),
      memory: t => (700 + 200 * daily(t - 2 * HOUR) * (0.8 + 0.2 * noise(Math.floor(t / 900), 21 + i))) * MI,
    }]),
  };
  const catalog: WorldWorkload = {
    cluster: 'prod-gke', namespace: 'shop', kind: 'Deployment', name: 'catalog', replicas: 3,
    pods: pods('catalog', '6c5b7d8f9', 3, start, end + DAY, i => [{
      name: 'catalog',
      requests: { cpu: 1, memory: 4 * GI }, limits: { cpu: 2, memory: 4 * GI },
      cpu: t => 0.52 + 0.06 * noise(t, 31 + i),
      memory: t => (1.3 * GI) * (0.97 + 0.03 * noise(Math.floor(t / 1800), 41 + i)),
      throttled: 0.01,
    }]),
  };
  // payments-api: the api container's memory climbs towards its 1Gi limit; one OOM kill 3 days before the end.
  const oomAt = end - 3 * DAY + 10 * HOUR + 17 * 60;
  const payments: WorldWorkload = {
    cluster: 'prod-aks', namespace: 'payments', kind: 'Deployment', name: 'payments-api', replicas: 3,
    pods: pods('payments-api', '58c7f9d4b6', 3, start, end + DAY, i => [
      {
        name: 'api',
        requests: { cpu: 2, memory: GI }, limits: { memory: GI },
        cpu: t => 0.26 + 0.08 * daily(t) + 0.02 * noise(t, 51 + i),
        memory: t => {
          const since = i === 0 && t >= oomAt ? oomAt : start;
          const climb = Math.min(1, (t - since) / (days * DAY));
          const base = i === 0 && t < oomAt ? 760 + 262 * Math.min(1, Math.max(0, (t - (oomAt - 2 * DAY)) / (2 * DAY))) : 700 + 180 * climb;
          return Math.min(GI - 2 * MI, (base + 25 * noise(Math.floor(t / 600), 61 + i)) * MI);
        },
        oomKills: i === 0 ? [oomAt] : [],
      },
      {
        name: 'envoy',
        requests: { cpu: 0.1, memory: 128 * MI },
        cpu: t => 0.035 + 0.01 * daily(t) + 0.003 * noise(t, 71 + i),
        memory: t => (58 + 4 * noise(Math.floor(t / 1800), 81 + i)) * MI,
      },
    ]),
  };
  // search: 4 pods all day, up to 3 more during the daily peak (new pods each day, as an HPA makes them).
  const searchContainer = (seed: number): WorldPod['containers'] => [{
    name: 'search',
    requests: { cpu: 0.8, memory: 1536 * MI }, limits: { memory: 1536 * MI },
    cpu: t => 0.2 + 0.1 * daily(t) + 0.03 * noise(t, seed),
    memory: t => (580 + 40 * noise(Math.floor(t / 1200), seed + 1)) * MI,
  }];
  const searchPods: WorldPod[] = pods('search', '9b8c7d6f5', 4, start, end + DAY, i => searchContainer(91 + i));
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (let d = start; d < end + DAY; d += DAY) {
    for (let k = 0; k < 3; k++) {
      const from = d + (11 + k) * HOUR, to = d + (19 - k) * HOUR;
      const id = Math.floor(d / DAY) * 3 + k;
      const suffix = Array.from({ length: 5 }, (_, j) => letters[Math.floor(noise(id, 7 + j) * letters.length)]).join('');
      searchPods.push({ name: `search-9b8c7d6f5-${suffix}`, start: from, end: to, containers: searchContainer(101 + k), node: `node-search-${k}` });
    }
  }
  const search: WorldWorkload = {
    cluster: 'prod-eks', namespace: 'search', kind: 'Deployment', name: 'search', replicas: 4,
    hpa: { min: 4, max: 20, cpu: 60 }, pods: searchPods,
  };
  // llm-inference is vLLM with tensor parallelism 2: it preallocates 90% of each L4's framebuffer
  // (--gpu-memory-utilization), so DCGM's framebuffer figure is flat at ~90% whatever the load.
  const gpu = (pod: number, g: number): WorldGpu => ({
    uuid: `GPU-4f1e${pod}${g}a2c-8d3b-4c6e-9a7f-0b1c2d3e4f${pod}${g}`, model: 'NVIDIA L4', totalMiB: 23034,
    util: t => 15 + 10 * daily(t) * (0.7 + 0.3 * noise(Math.floor(t / 300), 111 + pod * 2 + g)),
    usedMiB: t => 20700 + 60 * noise(Math.floor(t / 3600), 121 + pod * 2 + g),
    watts: t => 35 + 10 * daily(t) * (0.6 + 0.4 * noise(Math.floor(t / 300), 131 + pod * 2 + g)),
  });
  const llm: WorldWorkload = {
    cluster: 'prod-gke', namespace: 'ml', kind: 'Deployment', name: 'llm-inference', replicas: 2,
    pods: pods('llm-inference', '7f6d5c4b3a', 2, start, end + DAY, i => [{
      name: 'server',
      requests: { cpu: 8, memory: 32 * GI, gpu: 2 }, limits: { memory: 32 * GI, gpu: 2 },
      cpu: t => 1.0 + 0.3 * daily(t) + 0.05 * noise(t, 141 + i),
      memory: t => (11 * GI) * (0.98 + 0.03 * noise(Math.floor(t / 1800), 151 + i)),
      gpus: [gpu(i, 0), gpu(i, 1)],
    }]),
    // vLLM's own gauges: the KV cache is at most ~22% used, nothing waits, first tokens in ~0.2 s.
    serving: {
      kv: (t, i) => 0.1 + 0.1 * daily(t) * (0.8 + 0.2 * noise(Math.floor(t / 300), 161 + i)),
      running: (t, i) => 2 + 4 * daily(t) * noise(Math.floor(t / 300), 171 + i),
      waiting: () => 0,
      ttft: (t, i) => 0.12 + 0.1 * daily(t) * noise(Math.floor(t / 300), 181 + i),
      requestsPerSecond: 3,
    },
  };
  // sentiment: a KServe InferenceService (raw deployment mode): its predictor Deployment
  // `sentiment-predictor` carries KServe's pod labels. CPU and memory are far above use; the
  // one L4 is a third busy, so it stays.
  const sentiment: WorldWorkload = {
    cluster: 'prod-gke', namespace: 'ml', kind: 'Deployment', name: 'sentiment-predictor', replicas: 2,
    podLabels: { 'serving.kserve.io/inferenceservice': 'sentiment', component: 'predictor' },
    pods: pods('sentiment-predictor', '5b9c8d7f6', 2, start, end + DAY, i => [{
      name: 'kserve-container',
      requests: { cpu: 4, memory: 16 * GI, gpu: 1 }, limits: { cpu: 4, memory: 16 * GI, gpu: 1 },
      cpu: t => 0.5 + 0.3 * daily(t) + 0.05 * noise(t, 191 + i),
      memory: t => (4.2 * GI) * (0.97 + 0.03 * noise(Math.floor(t / 1800), 201 + i)),
      gpus: [{
        uuid: `GPU-7a2b${i}c3d-1e4f-4a5b-8c6d-7e8f9a0b1c${i}d`, model: 'NVIDIA L4', totalMiB: 23034,
        util: t => 30 + 12 * daily(t) * (0.7 + 0.3 * noise(Math.floor(t / 300), 211 + i)),
        usedMiB: t => 9000 + 200 * noise(Math.floor(t / 3600), 221 + i),
        watts: t => 40 + 12 * daily(t) * noise(Math.floor(t / 300), 231 + i),
      }],
    }]),
  };
  // embeddings: a KubeRay RayService. Its RayCluster embeddings-raycluster-k8x2p owns the pods
  // (KubeRay labels them with the RayService's name); the head group has no GPU, the worker
  // group `gpu-workers` one pod with 4 A10G GPUs (g5.12xlarge) that are mostly idle.
  const rayCluster = 'embeddings-raycluster-k8x2p';
  const rayLabels = (group: string) => ({ 'ray.io/cluster': rayCluster, 'ray.io/group': group, 'ray.io/originated-from-cr-name': 'embeddings', 'ray.io/originated-from-crd': 'RayService' });
  const rayHead: WorldWorkload = {
    cluster: 'prod-eks', namespace: 'ml', kind: 'Deployment', name: 'embeddings', owner: { kind: 'RayCluster', name: rayCluster }, podLabels: rayLabels('headgroup'),
    pods: [{ name: `${rayCluster}-head-x7k2p`, start, end: end + DAY, node: 'node-ray-head', containers: [{
      name: 'ray-head', requests: { cpu: 4, memory: 16 * GI }, limits: { cpu: 4, memory: 16 * GI },
      cpu: t => 0.3 + 0.15 * daily(t) + 0.03 * noise(t, 241),
      memory: t => (3 * GI) * (0.97 + 0.03 * noise(Math.floor(t / 1800), 251)),
    }] }],
  };
  const rayWorker: WorldWorkload = {
    cluster: 'prod-eks', namespace: 'ml', kind: 'Deployment', name: 'embeddings', owner: { kind: 'RayCluster', name: rayCluster }, podLabels: rayLabels('gpu-workers'),
    pods: [{ name: `${rayCluster}-gpu-workers-worker-q9w4m`, start, end: end + DAY, node: 'node-ray-gpu', containers: [{
      name: 'ray-worker', requests: { cpu: 16, memory: 64 * GI, gpu: 4 }, limits: { cpu: 16, memory: 64 * GI, gpu: 4 },
      cpu: t => 2 + 1.5 * daily(t) + 0.1 * noise(t, 261),
      memory: t => (20 * GI) * (0.97 + 0.03 * noise(Math.floor(t / 1800), 271)),
      gpus: [0, 1, 2, 3].map(g => ({
        uuid: `GPU-9c8d${g}e7f-6a5b-4c3d-2e1f-0a9b8c7d6e${g}f`, model: 'NVIDIA A10G', totalMiB: 23028,
        util: (t: number) => 6 + 10 * daily(t) * (0.7 + 0.3 * noise(Math.floor(t / 300), 281 + g)),
        usedMiB: (t: number) => 5000 + 150 * noise(Math.floor(t / 3600), 291 + g),
        watts: (t: number) => 60 + 30 * daily(t) * noise(Math.floor(t / 300), 301 + g),
      })),
    }] }],
  };
  // reranker: an AMD Instinct MI300X workload on Azure (ND MI300X v5), seen by AMD's device
  // metrics exporter: two GPUs at ~15% and 30 GB of 192 GB.
  const reranker: WorldWorkload = {
    cluster: 'prod-aks', namespace: 'ml', kind: 'Deployment', name: 'reranker', replicas: 1,
    pods: pods('reranker', '6d7e8f9a0b', 1, start, end + DAY, () => [{
      name: 'reranker', accelerator: 'amd.com/gpu',
      requests: { cpu: 8, memory: 64 * GI, gpu: 2 }, limits: { memory: 64 * GI, gpu: 2 },
      cpu: t => 1.2 + 0.6 * daily(t) + 0.05 * noise(t, 311),
      memory: t => (18 * GI) * (0.97 + 0.03 * noise(Math.floor(t / 1800), 321)),
      gpus: [0, 1].map(g => ({
        vendor: 'amd' as const, uuid: `MI300X-00${g}`, model: 'AMD Instinct MI300X OAM', totalMiB: 196_608,
        util: (t: number) => 8 + 10 * daily(t) * (0.7 + 0.3 * noise(Math.floor(t / 300), 331 + g)),
        usedMiB: (t: number) => 30_000 + 500 * noise(Math.floor(t / 3600), 341 + g),
        watts: (t: number) => 250 + 80 * daily(t) * noise(Math.floor(t / 300), 351 + g),
      })),
    }]),
  };
  return [checkout, catalog, payments, search, llm, sentiment, rayHead, rayWorker, reranker];
}

export function demoClusters(url: string): ClusterConfig[] {
  return [
    { name: 'prod-eks', cloud: 'aws' },
    { name: 'prod-gke', cloud: 'gcp' },
    { name: 'prod-aks', cloud: 'azure' },
  ].map(c => ({
    name: c.name, cloud: c.cloud as ClusterConfig['cloud'],
    prometheus: { url, auth: { type: 'none' }, clusterLabel: 'cluster', stepSeconds: DEMO_STEP },
  }));
}

async function main(): Promise<void> {
  const outDir = path.join(root, 'fixtures/demo/prometheus');
  const windowEnd = DEMO_END, windowStart = DEMO_END - DEMO_DAYS * DAY;
  process.stderr.write('writing series and backfilling Prometheus…\n');
  const prom = await prometheusWithWorld(demoWorld(), { start: windowStart - 2 * DAY, end: windowEnd, scrape: 120, clusterLabel: 'cluster' });
  const recordings = new Map<string, Buffer>();
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const upstreamPath = url.pathname.replace(/^\/prometheus/, '');
      const upstream = await fetch(`${prom.url}${upstreamPath}${url.search}`, {
        method: req.method, body: req.method === 'POST' ? body : undefined,
        headers: { 'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded') },
      });
      const text = Buffer.from(await upstream.arrayBuffer());
      if (upstream.ok) recordings.set(replayKey(req.method ?? 'GET', url, body), text);
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/prometheus`;
  try {
    for (const cluster of demoClusters(proxyUrl)) {
      const result = await collectUsage(cluster, { start: windowStart, end: windowEnd }, { quiet: true });
      process.stderr.write(`${cluster.name}: ${result.profiles.length} workloads, ${result.queries} queries${result.warnings.length ? `; warnings: ${result.warnings.join('; ')}` : ''}\n`);
      for (const p of result.profiles) {
        process.stderr.write(`  ${p.ref.namespace}/${p.ref.kind}/${p.ref.name}: ${p.containers.map(c => `${c.container} cpu p95 ${quantileOf(c.cpu, 0.95).toFixed(3)} mem max ${(Math.max(...c.memoryPeaks.peaks.map(x => x[1])) / MI).toFixed(0)}Mi oom ${c.oomKills.length}${c.gpu ? ` gpus ${c.gpu.gpusPerPod}` : ''}`).join(', ')}${p.insufficient ? ` insufficient: ${p.insufficient.reason}` : ''}\n`);
      }
    }
  } finally {
    proxy.close();
    await prom.close();
  }
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(outDir)) rmSync(path.join(outDir, f));
  const index: Record<string, string> = {};
  let bytes = 0;
  for (const [key, body] of [...recordings].sort(([a], [b]) => a.localeCompare(b))) {
    const file = `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.json.gz`;
    const gz = gzipSync(body, { level: 9 });
    writeFileSync(path.join(outDir, file), gz);
    index[key] = file;
    bytes += gz.length;
  }
  writeFileSync(path.join(outDir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
  process.stderr.write(`wrote ${recordings.size} recordings (${(bytes / 2 ** 20).toFixed(2)} MiB gzipped) to ${path.relative(root, outDir)}\n`);
}

function quantileOf(state: { buckets: Array<[number, number]>; totalWeight: number; firstBucket: number; ratio: number }, q: number): number {
  let acc = 0;
  for (const [b, w] of [...state.buckets].sort((x, y) => x[0] - y[0])) {
    acc += w;
    if (acc >= q * state.totalWeight) return state.firstBucket * state.ratio ** b;
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(err => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
