import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceRecommendation, priceRecommendations, HOURS_PER_MONTH } from '../../src/cost/savings.ts';
import type { Recommendation, UnitPrice, UsageProfile, WorkloadSpec } from '../../src/core/types.ts';

const GIB = 1024 ** 3;
const ref = { cluster: 'prod', namespace: 'shop', kind: 'Deployment' as const, name: 'api' };
const price: UnitPrice = { cluster: 'prod', cloud: 'aws', currency: 'USD', perVcpuHour: 0.03, perGibHour: 0.004, perGpuHour: { 'nvidia-l4': 0.6, default: 0.7 }, source: 'billing-effective', detail: 'test price' };
const spec = (over: Partial<WorkloadSpec> = {}): WorkloadSpec => ({
  ref, replicas: 4, containers: [{ container: 'app', requests: { cpuCores: 1, memoryBytes: 2 * GIB }, limits: {} }], ...over,
});
const rec = (over: Partial<Recommendation> = {}): Recommendation => ({
  id: 'prod/shop/Deployment/api', ref, status: 'ok', confidence: 'high', evidence: { windowSeconds: 1, notes: [] },
  containers: [{ container: 'app', cpuRequest: { from: 1, to: 0.5 }, memoryRequest: { from: 2 * GIB, to: 1 * GIB }, evidence: { windowSeconds: 1, samples: 1, coverage: 1, confidence: 'high' } }],
  ...over,
});

test('request changes × replicas × price × 730 h', () => {
  const d = priceRecommendation(rec(), spec(), price)!;
  const expected = (-0.5 * 4 * 0.03 + -1 * 4 * 0.004) * HOURS_PER_MONTH;
  assert.equal(d.monthly, Math.round(expected * 100) / 100);
  assert.equal(d.monthly, -55.48);
  assert.equal(d.currency, 'USD');
  assert.equal(d.priceSource, 'billing-effective');
  assert.match(d.priceDetail, /^prod: test price/);
  assert.match(d.caveat, /realised only when nodes scale down/);
});

test('replica changes are priced at per-pod requests', () => {
  const d = priceRecommendation(rec({ containers: [], replicas: { from: 4, to: 2 } }), spec(), price)!;
  assert.equal(d.monthly, Math.round(-2 * (1 * 0.03 + 2 * 0.004) * 730 * 100) / 100);
  // Both at once: new requests at new replicas minus old at old.
  const both = priceRecommendation(rec({ replicas: { from: 4, to: 3 } }), spec(), price)!;
  assert.equal(both.monthly, Math.round(((0.5 * 3 - 1 * 4) * 0.03 + (1 * 3 - 2 * 4) * 0.004) * 730 * 100) / 100);
});

test('HPA workloads: current replicas, else minReplicas, and say so', () => {
  const hpa = { minReplicas: 2, maxReplicas: 10 };
  const current = priceRecommendation(rec(), spec({ hpa, replicas: 5 }), price)!;
  assert.equal(current.monthly, Math.round((-0.5 * 5 * 0.03 - 1 * 5 * 0.004) * 730 * 100) / 100);
  assert.match(current.caveat, /HPA workload priced at its current 5 replicas/);
  const min = priceRecommendation(rec(), spec({ hpa, replicas: undefined }), price)!;
  assert.equal(min.monthly, Math.round((-0.5 * 2 * 0.03 - 1 * 2 * 0.004) * 730 * 100) / 100);
  assert.match(min.caveat, /HPA workload priced at minReplicas 2/);
});

test('GPUs priced by model, default otherwise, never silently', () => {
  const gpuSpec = spec({ gpuModel: 'NVIDIA L4', containers: [{ container: 'app', requests: { cpuCores: 1, memoryBytes: 2 * GIB }, limits: { gpus: 2 } }] });
  const gpuRec = rec({ containers: [{ container: 'app', gpuLimit: { from: 2, to: 1 }, evidence: { windowSeconds: 1, samples: 1, coverage: 1, confidence: 'high' } }] });
  assert.equal(priceRecommendation(gpuRec, gpuSpec, price)!.monthly, Math.round(-1 * 4 * 0.6 * 730 * 100) / 100);
  assert.equal(priceRecommendation(gpuRec, { ...gpuSpec, gpuModel: undefined }, price)!.monthly, Math.round(-1 * 4 * 0.7 * 730 * 100) / 100);
  const noGpuPrice = priceRecommendation(gpuRec, gpuSpec, { ...price, perGpuHour: {} })!;
  assert.equal(noGpuPrice.monthly, 0);
  assert.match(noGpuPrice.caveat, /GPU change \(-4\) not priced/);
});

test('no price or no data: no figure', () => {
  assert.equal(priceRecommendation(rec(), spec(), undefined), undefined);
  assert.equal(priceRecommendation(rec({ status: 'insufficient-data' }), spec(), price), undefined);
});

test('priceRecommendations picks the node pool price, and the profile GPU model', () => {
  const poolPrice: UnitPrice = { ...price, nodePool: 'general', perVcpuHour: 0.02, detail: 'pool price' };
  const profile = { ref, current: spec({ nodePool: 'general' }), containers: [] } as unknown as UsageProfile;
  const [out] = priceRecommendations([rec()], [profile], [price, poolPrice]);
  assert.equal(out.cost!.monthly, Math.round((-0.5 * 4 * 0.02 - 1 * 4 * 0.004) * 730 * 100) / 100);
  assert.match(out.cost!.priceDetail, /^node pool general of prod: pool price/);
  const other = { ...profile, current: spec({ nodePool: 'other' }) };
  assert.match(priceRecommendations([rec()], [other], [price, poolPrice])[0].cost!.priceDetail, /^prod: test price/);
  // Unknown workload or cluster: copied without cost.
  const none = priceRecommendations([rec()], [], [price]);
  assert.equal(none[0].cost, undefined);
  assert.notEqual(none[0], rec());
});
