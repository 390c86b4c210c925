// Accelerators with serving evidence: preallocating engines (vLLM) are sized from their own
// KV-cache, queue and latency figures, never from the framebuffer; and an accelerator without
// utilisation metrics keeps its count, with the reason in the plan.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServingUsage } from '../../src/core/types.ts';
import { recommendWorkload } from '../../src/recommend/index.ts';
import { DecayingHistogram, GPU_UTIL_HISTOGRAM, LATENCY_HISTOGRAM, REQUESTS_HISTOGRAM } from '../../src/recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../../src/recommend/model/peak-series.ts';
import { DAY, GIB, makeGpu, makeProfile, OPTIONS, seeded, START, STEP } from './fixtures.ts';

function makeServing(o: { kv: number; running: number; waiting: number; ttft?: number; days?: number }): ServingUsage {
  const kv = new DecayingHistogram(GPU_UTIL_HISTOGRAM, START);
  const running = new DecayingHistogram(REQUESTS_HISTOGRAM, START);
  const waiting = new DecayingHistogram(REQUESTS_HISTOGRAM, START);
  const ttft = new DecayingHistogram(LATENCY_HISTOGRAM, START);
  const rnd = seeded(3);
  const n = Math.round(((o.days ?? 7) * DAY) / STEP);
  for (let i = 0; i < n; i++) {
    const t = START + i * STEP;
    kv.add(o.kv * (0.8 + 0.2 * rnd()), t);
    running.add(o.running * (0.7 + 0.3 * rnd()), t);
    waiting.add(o.waiting * (0.7 + 0.3 * rnd()), t);
    if (o.ttft !== undefined) ttft.add(o.ttft * (0.8 + 0.2 * rnd()), t);
  }
  return { engine: 'vllm', kvCache: kv.toState(), running: running.toState(), waiting: waiting.toState(), ...(o.ttft !== undefined ? { latencyP95: ttft.toState() } : {}) };
}

const L4 = 23034 * 2 ** 20;
const vllmCurrent = { requests: { cpuCores: 8, memoryBytes: 32 * GIB, gpus: 2 }, limits: { memoryBytes: 32 * GIB, gpus: 2 } };

test('a preallocating engine with its framebuffer 90% full, KV cache 20% used and nothing waiting: the GPU cut is allowed, with the serving evidence', () => {
  // DCGM alone would keep both GPUs: 90% of each framebuffer is "used" (vLLM's preallocation).
  const gpu = makeGpu({ gpusPerPod: 2, util: 20, memoryBytes: 0.9 * L4, totalBytes: L4, model: 'NVIDIA L4', watts: 40 });
  const withoutServing = recommendWorkload(makeProfile({ days: 7, cpu: () => 1.2, memory: () => 11 * GIB, gpu, current: vllmCurrent, replicas: 2, pods: 2 }), OPTIONS);
  assert.equal(withoutServing.containers[0].gpuLimit, undefined, 'framebuffer-only evidence keeps the GPUs');

  const p = makeProfile({ days: 7, cpu: () => 1.2, memory: () => 11 * GIB, gpu, current: vllmCurrent, replicas: 2, pods: 2 });
  p.serving = makeServing({ kv: 20, running: 6, waiting: 0, ttft: 0.3 });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  assert.deepEqual(c.gpuLimit, { from: 2, to: 1 });
  assert.deepEqual(c.gpuRequest, { from: 2, to: 1 });
  const s = c.evidence.serving!;
  assert.equal(s.engine, 'vllm');
  assert.ok(s.kvCacheP95! > 15 && s.kvCacheP95! <= 20.5, `KV P95 ${s.kvCacheP95}`);
  assert.equal(s.waitingP95, 0);
  assert.match(c.evidence.gpu!.why, /preallocation, not load/);
  assert.match(c.evidence.gpu!.why, /KV cache 2\d% used/);
  assert.ok(r.evidence.notes.some(n => /^Serving: vllm reports/.test(n)), r.evidence.notes.join('\n'));
  // Two pods at ~40% KV after the cut stay two (≤50% target needs both).
  assert.equal(r.replicas, undefined);
});

test('a preallocating engine with KV cache 20% used on one GPU per pod cuts replicas, not the GPU', () => {
  const gpu = makeGpu({ gpusPerPod: 1, util: 25, memoryBytes: 0.9 * L4, totalBytes: L4, model: 'NVIDIA L4' });
  const p = makeProfile({ days: 7, cpu: () => 1, memory: () => 10 * GIB, gpu, current: { requests: { cpuCores: 4, memoryBytes: 16 * GIB, gpus: 1 }, limits: { memoryBytes: 16 * GIB, gpus: 1 } }, replicas: 4, pods: 4 });
  p.serving = makeServing({ kv: 20, running: 4, waiting: 0 });
  const r = recommendWorkload(p, OPTIONS);
  assert.equal(r.containers[0].gpuLimit, undefined);
  assert.equal(r.containers[0].evidence.gpu!.why.includes('time-sliced'), false, 'no fractional share for a preallocating engine');
  assert.deepEqual(r.replicas, { from: 4, to: 2 });
  assert.ok(r.evidence.notes.some(n => /Replicas: KV cache P95 \d+% per pod, no queueing: 2 replicas/.test(n)), r.evidence.notes.join('\n'));
});

test('requests queueing while GPU utilisation is low: no GPU cut, replicas go up', () => {
  const gpu = makeGpu({ gpusPerPod: 2, util: 12, memoryBytes: 0.9 * L4, totalBytes: L4, model: 'NVIDIA L4' });
  const p = makeProfile({ days: 7, cpu: () => 1.2, memory: () => 11 * GIB, gpu, current: vllmCurrent, replicas: 2, pods: 2 });
  p.serving = makeServing({ kv: 35, running: 8, waiting: 6, ttft: 0.8 });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  assert.equal(c.gpuLimit, undefined, 'no GPU is removed from a pod that queues');
  assert.ok(c.evidence.notSmallerBecause!.some(n => /requests queue/.test(n)), c.evidence.notSmallerBecause!.join('\n'));
  assert.ok(r.replicas && r.replicas.from === 2 && r.replicas.to! > 2, JSON.stringify(r.replicas));
  assert.ok(r.evidence.notes.some(n => /Replicas: requests queue/.test(n)));
});

test('slow time to first token blocks the GPU cut even with KV-cache headroom', () => {
  const gpu = makeGpu({ gpusPerPod: 2, util: 15, memoryBytes: 0.9 * L4, totalBytes: L4, model: 'NVIDIA L4' });
  const p = makeProfile({ days: 7, cpu: () => 1.2, memory: () => 11 * GIB, gpu, current: vllmCurrent, replicas: 2, pods: 2 });
  p.serving = makeServing({ kv: 15, running: 3, waiting: 0, ttft: 4 });
  const c = recommendWorkload(p, OPTIONS).containers[0];
  assert.equal(c.gpuLimit, undefined);
  assert.ok(c.evidence.notSmallerBecause!.some(n => /latency .* above 2 s/.test(n)));
});

test('an accelerator without utilisation metrics keeps its count, and the plan says why', () => {
  // No exporter series at all: the container has no gpu usage.
  const amd = { requests: { cpuCores: 4, memoryBytes: 16 * GIB, gpus: 2 }, limits: { memoryBytes: 16 * GIB, gpus: 2 } };
  const p = makeProfile({ days: 7, cpu: () => 0.5, memory: () => 4 * GIB, current: amd, replicas: 1 });
  p.current.containers[0].accelerator = 'amd.com/gpu';
  const r = recommendWorkload(p, OPTIONS);
  assert.equal(r.containers[0].gpuLimit, undefined);
  assert.equal(r.containers[0].gpuRequest, undefined);
  assert.ok(r.evidence.notes.some(n => /2 × amd\.com\/gpu kept: no utilisation metrics from the AMD device metrics exporter/.test(n)), r.evidence.notes.join('\n'));
  assert.ok(r.containers[0].evidence.notSmallerBecause!.some(n => /amd\.com\/gpu kept/.test(n)));

  // Framebuffer series but no utilisation (a partial exporter): still kept.
  const mem = new PeakSeries(3600, 24 * 35);
  mem.add(2e9, START);
  const q = makeProfile({
    days: 7, cpu: () => 0.5, memory: () => 4 * GIB, current: vllmCurrent, replicas: 1,
    gpu: { gpusPerPod: 2, utilisation: new DecayingHistogram(GPU_UTIL_HISTOGRAM, START).toState(), memoryUsed: mem.toState(), memoryTotalBytes: L4 },
  });
  const s = recommendWorkload(q, OPTIONS);
  assert.equal(s.containers[0].gpuLimit, undefined);
  assert.match(s.containers[0].evidence.gpu!.why, /nvidia\.com\/gpu kept: no utilisation metrics from the NVIDIA DCGM exporter/);
});

test('one mostly idle A100 that a MIG slice fits names the resource it would become; a preallocating engine never gets a slice', () => {
  const a100 = makeGpu({ gpusPerPod: 1, util: 10, memoryBytes: 6e9, totalBytes: 80e9, model: 'NVIDIA A100-SXM4-80GB' });
  const one = { requests: { cpuCores: 1, memoryBytes: GIB, gpus: 1 }, limits: { memoryBytes: GIB, gpus: 1 } };
  const r = recommendWorkload(makeProfile({ days: 7, cpu: () => 1, memory: () => GIB, gpu: a100, current: one }), OPTIONS);
  assert.deepEqual(r.containers[0].gpuResource, { from: 'nvidia.com/gpu', to: 'nvidia.com/mig-1g.10gb' });
  assert.equal(r.status, 'ok');
  const p = makeProfile({ days: 7, cpu: () => 1, memory: () => GIB, gpu: a100, current: one, replicas: 1, pods: 1 });
  p.serving = makeServing({ kv: 10, running: 1, waiting: 0 });
  assert.equal(recommendWorkload(p, OPTIONS).containers[0].gpuResource, undefined);
});

test('an engine without a KV-cache gauge (TGI, Triton) keeps its accelerators and its replicas, and says why', () => {
  const gpu = makeGpu({ gpusPerPod: 2, util: 10, memoryBytes: 0.9 * L4, totalBytes: L4, model: 'NVIDIA L4' });
  const p = makeProfile({ days: 7, cpu: () => 1, memory: () => 8 * GIB, gpu, current: vllmCurrent, replicas: 3, pods: 3 });
  const { kvCache: _unused, ...tgi } = makeServing({ kv: 10, running: 2, waiting: 0, ttft: 0.5 });
  p.serving = { ...tgi, engine: 'tgi' };
  const r = recommendWorkload(p, OPTIONS);
  assert.equal(r.containers[0].gpuLimit, undefined);
  assert.ok(r.containers[0].evidence.notSmallerBecause!.some(n => /tgi exports no KV-cache usage/.test(n)));
  assert.equal(r.replicas, undefined);
  assert.ok(r.evidence.notes.some(n => /Replicas: kept at 3: tgi exports no KV-cache usage/.test(n)), r.evidence.notes.join('\n'));
});
