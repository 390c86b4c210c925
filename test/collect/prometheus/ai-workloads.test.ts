// AI-serving workloads against a real Prometheus: pods resolve to the custom resource the GitOps
// file names (KServe InferenceService and RayService from their controllers' pod labels, a
// RayService from its RayCluster's name alone, LeaderWorkerSet), non-NVIDIA accelerators are
// counted and measured from their vendor's exporter (AMD), and vLLM's own gauges become the
// workload's serving evidence.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterConfig } from '../../../src/config/types.ts';
import type { UsageProfile } from '../../../src/core/types.ts';
import { collectUsage } from '../../../src/collect/prometheus/index.ts';
import { DecayingHistogram } from '../../../src/recommend/model/decaying-histogram.ts';
import { prometheusBinaries, prometheusWithWorld, type PrometheusServer, type WorldContainer, type WorldWorkload } from '../../helpers/prometheus-server.ts';

const DAY = 86400, GI = 2 ** 30;
const END = Date.parse('2026-05-04T00:00:00Z') / 1000;
const START = END - 2 * DAY;
const STEP = 300;

const plain = (name: string, extra: Partial<WorldContainer> = {}): WorldContainer => ({
  name, requests: { cpu: 2, memory: 4 * GI }, limits: { memory: 4 * GI }, cpu: () => 0.5, memory: () => GI, ...extra,
});

function world(): WorldWorkload[] {
  const span = { start: START - DAY, end: END + DAY };
  const l4 = (id: string, util: number) => ({ uuid: `GPU-${id}`, model: 'NVIDIA L4', totalMiB: 23034, util: () => util, usedMiB: () => 20700, watts: () => 40 });
  return [
    {
      cluster: 'test', namespace: 'ml', kind: 'Deployment', name: 'chat-predictor', replicas: 2,
      podLabels: { 'serving.kserve.io/inferenceservice': 'chat', component: 'predictor' },
      pods: [0, 1].map(i => ({ name: `chat-predictor-7c9d8f6b5-p${i}x2k`, ...span, containers: [plain('kserve-container', { requests: { cpu: 4, memory: 8 * GI, gpu: 1 }, limits: { memory: 8 * GI, gpu: 1 }, gpus: [l4(`c${i}`, 30)] })] })),
      serving: { kv: (t, i) => 0.2 + 0.05 * i, running: () => 4, waiting: () => 0, ttft: () => 0.2, requestsPerSecond: 2 },
    },
    {
      cluster: 'test', namespace: 'ml', kind: 'Deployment', name: 'ray', owner: { kind: 'RayCluster', name: 'batch-raycluster-ab12c' },
      podLabels: { 'ray.io/cluster': 'batch-raycluster-ab12c', 'ray.io/group': 'workers', 'ray.io/originated-from-cr-name': 'batch', 'ray.io/originated-from-crd': 'RayService' },
      pods: [{ name: 'batch-raycluster-ab12c-workers-worker-z9x8c', ...span, containers: [plain('ray-worker')] }],
    },
    // No pod labels exported: the RayCluster's generated name says which RayService made it.
    {
      cluster: 'test', namespace: 'ml', kind: 'Deployment', name: 'ray2', owner: { kind: 'RayCluster', name: 'search-raycluster-q7w8e' },
      pods: [{ name: 'search-raycluster-q7w8e-head-m2n3b', ...span, containers: [plain('ray-head')] }],
    },
    {
      cluster: 'test', namespace: 'ml', kind: 'StatefulSet', name: 'big', owner: { kind: 'StatefulSet', name: 'big' },
      podLabels: { 'leaderworkerset.sigs.k8s.io/name': 'big', 'leaderworkerset.sigs.k8s.io/worker-index': '0' },
      pods: [{ name: 'big-0', ...span, containers: [plain('leader')] }],
    },
    {
      cluster: 'test', namespace: 'amd', kind: 'Deployment', name: 'rerank', replicas: 1,
      pods: [{ name: 'rerank-5d6e7f8a9-k2j3h', ...span, containers: [plain('rerank', {
        accelerator: 'amd.com/gpu', requests: { cpu: 4, memory: 8 * GI, gpu: 2 }, limits: { memory: 8 * GI, gpu: 2 },
        gpus: [0, 1].map(g => ({ vendor: 'amd' as const, uuid: `MI${g}`, model: 'AMD Instinct MI300X OAM', totalMiB: 196_608, util: () => 12 + g, usedMiB: () => 30_000, watts: () => 300 })),
      })] }],
    },
    // An accelerator no exporter reports: counted, never measured.
    {
      cluster: 'test', namespace: 'amd', kind: 'Deployment', name: 'blind', replicas: 1,
      pods: [{ name: 'blind-6f7a8b9c0-l4k5j', ...span, containers: [plain('blind', { accelerator: 'habana.ai/gaudi', requests: { cpu: 1, memory: GI, gpu: 2 }, limits: { memory: GI, gpu: 2 } })] }],
    },
  ];
}

let prom: PrometheusServer | undefined;
let profiles: UsageProfile[] = [];
let warnings: string[] = [];
let skipped: string | undefined;

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  prom = await prometheusWithWorld(world(), { start: START - DAY, end: END + 600, scrape: 120, clusterLabel: 'cluster' });
  const cluster: ClusterConfig = { name: 'test', cloud: 'on-prem', prometheus: { url: prom.url, auth: { type: 'none' }, clusterLabel: 'cluster', stepSeconds: STEP } };
  const result = await collectUsage(cluster, { start: START, end: END }, { quiet: true });
  profiles = result.profiles;
  warnings = result.warnings;
});

after(async () => {
  await prom?.close();
});

const byId = (id: string) => profiles.find(p => `${p.ref.namespace}/${p.ref.kind}/${p.ref.name}` === id);

test('pods resolve to the custom resource their controller labels name, or its generated name says', t => {
  if (skipped) return t.skip(skipped);
  assert.deepEqual(profiles.map(p => `${p.ref.namespace}/${p.ref.kind}/${p.ref.name}`).sort(), [
    'amd/Deployment/blind', 'amd/Deployment/rerank', 'ml/InferenceService/chat', 'ml/LeaderWorkerSet/big', 'ml/RayService/batch', 'ml/RayService/search',
  ]);
  assert.deepEqual(warnings, []);
  assert.equal(byId('ml/InferenceService/chat')!.current.replicas, 2, 'a custom resource counts the pods seen last');
});

test('a non-NVIDIA accelerator is counted with its resource key and measured by its vendor exporter', t => {
  if (skipped) return t.skip(skipped);
  const rerank = byId('amd/Deployment/rerank')!;
  assert.deepEqual(rerank.current.containers[0], { container: 'rerank', requests: { cpuCores: 4, memoryBytes: 8 * GI, gpus: 2 }, limits: { memoryBytes: 8 * GI, gpus: 2 }, accelerator: 'amd.com/gpu' });
  const gpu = rerank.containers[0].gpu!;
  assert.equal(gpu.gpusPerPod, 2);
  assert.equal(gpu.exporter, 'AMD device metrics exporter');
  assert.equal(gpu.model, 'AMD Instinct MI300X OAM');
  assert.equal(gpu.memoryTotalBytes, 196_608 * 2 ** 20);
  assert.ok(gpu.utilisation.max >= 12.9 && gpu.utilisation.max <= 13.1, `AMD utilisation max ${gpu.utilisation.max}`);
  const blind = byId('amd/Deployment/blind')!;
  assert.equal(blind.current.containers[0].accelerator, 'habana.ai/gaudi');
  assert.equal(blind.containers[0].gpu, undefined, 'no exporter series: no utilisation, the engine keeps the count');
});

test("vLLM's own gauges become the workload's serving evidence", t => {
  if (skipped) return t.skip(skipped);
  const chat = byId('ml/InferenceService/chat')!;
  const s = chat.serving!;
  assert.equal(s.engine, 'vllm');
  const kv = s.kvCache!;
  assert.ok(kv.max > 24 && kv.max <= 25.01 && kv.min >= 19.99, `KV cache ${kv.min}..${kv.max}%`);
  assert.equal(s.running.max, 4);
  assert.equal(s.waiting.max, 0);
  const ttft = DecayingHistogram.fromState(s.latencyP95!);
  assert.ok(ttft.quantile(0.5) > 0.1 && ttft.quantile(0.5) <= 0.25, `TTFT P95 ${ttft.quantile(0.5)} s`);
  assert.equal(byId('ml/RayService/batch')!.serving, undefined);
});
