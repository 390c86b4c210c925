// Accelerators priced per accelerator-hour from the bill: instance types carrying non-NVIDIA
// accelerators (Inferentia, Gaudi, MI300X) and Google's GPU and TPU SKUs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyGcpSku, gpuModelKey, instanceShape, unitPrices } from '../../src/cost/unit-prices.ts';
import { priceRecommendation } from '../../src/cost/savings.ts';
import { dailyRow } from '../../src/cost/table.ts';
import type { FocusRow } from '../../src/cost/focus.ts';
import type { ClusterConfig } from '../../src/config/types.ts';
import type { Recommendation, WorkloadSpec } from '../../src/core/types.ts';

const prom = { url: 'http://127.0.0.1:9', auth: { type: 'none' as const } };

function row(provider: FocusRow['ProviderName'], type: string, hours: number, cost: number, tags: Record<string, string>, usage = `BoxUsage:${type}`): FocusRow {
  return dailyRow('2026-11-01', {
    ProviderName: provider, BillingAccountId: '1', ServiceName: 'Compute', ServiceCategory: 'Compute',
    x_UsageType: usage, x_InstanceType: type, ConsumedQuantity: hours, BilledCost: cost, EffectiveCost: cost, BillingCurrency: 'USD', Tags: tags,
  });
}

test('accelerator instance types and model keys', () => {
  assert.deepEqual(instanceShape('aws', 'inf2.24xlarge'), { vcpus: 96, gib: 384, gpus: 6, gpuModel: 'aws-inferentia2', family: 'inf2', onDemandHourly: 6.4906 });
  assert.equal(instanceShape('aws', 'trn1.32xlarge')?.gpus, 16);
  assert.equal(instanceShape('aws', 'dl1.24xlarge')?.gpuModel, 'intel-gaudi');
  assert.equal(instanceShape('aws', 'g6e.xlarge')?.gpuModel, 'nvidia-l40s');
  assert.equal(instanceShape('aws', 'p5.48xlarge')?.gpuModel, 'nvidia-h100');
  assert.equal(instanceShape('azure', 'Standard_ND96isr_MI300X_v5')?.gpuModel, 'amd-mi300x');
  assert.equal(instanceShape('azure', 'Standard_NC24ads_A100_v4')?.gpus, 1);
  assert.equal(instanceShape('azure', 'Standard_ND96isr_H100_v5')?.gpus, 8);
  assert.equal(gpuModelKey('AMD Instinct MI300X OAM'), 'amd-mi300x');
  assert.equal(gpuModelKey('inf2.xlarge'), 'aws-inferentia2');
  assert.equal(gpuModelKey('HL-225'), 'intel-gaudi2');
  assert.equal(gpuModelKey('tpu-v5-lite-podslice'), 'google-tpu-v5e');
  assert.deepEqual(classifyGcpSku('TPU v5 Lite PodSlice chip running in Belgium'), { kind: 'gpu', model: 'google-tpu-v5e' });
  assert.deepEqual(classifyGcpSku('Nvidia Tesla A100 GPU running in Americas'), { kind: 'gpu', model: 'nvidia-a100' });
  assert.deepEqual(classifyGcpSku('Nvidia H100 80GB GPU running in Americas'), { kind: 'gpu', model: 'nvidia-h100' });
});

test('AWS and Azure: the accelerator share of each instance type becomes a per-accelerator-hour price by model', () => {
  const eks: ClusterConfig = { name: 'eks', cloud: 'aws', billingTag: { key: 'eks:cluster-name', value: 'eks' }, prometheus: prom };
  const aks: ClusterConfig = { name: 'aks', cloud: 'azure', billingTag: { key: 'aks-cluster', value: 'aks' }, prometheus: prom };
  const rows = [
    row('AWS', 'm6i.2xlarge', 24, 9.216, { 'eks:cluster-name': 'eks' }),
    row('AWS', 'inf2.24xlarge', 24, 6.4906 * 24 * 0.7, { 'eks:cluster-name': 'eks' }),
    row('AWS', 'g5.12xlarge', 24, 5.672 * 24, { 'eks:cluster-name': 'eks' }),
    row('Microsoft Azure', 'Standard_D8s_v5', 24, 0.46 * 24, { 'aks-cluster': 'aks' }, 'D8s v5'),
    row('Microsoft Azure', 'Standard_ND96isr_MI300X_v5', 24, 48 * 24, { 'aks-cluster': 'aks' }, 'ND96isr MI300X v5'),
  ];
  const [aws] = unitPrices(rows, [eks]);
  assert.equal(aws.source, 'billing-effective');
  assert.deepEqual(Object.keys(aws.perGpuHour).sort(), ['aws-inferentia2', 'default', 'nvidia-a10g']);
  // Inferentia2 at 30% off list: its device-hour price sits below the reference weight scaled by the discount's share.
  assert.ok(aws.perGpuHour['aws-inferentia2'] > 0.3 && aws.perGpuHour['aws-inferentia2'] < 0.9, String(aws.perGpuHour['aws-inferentia2']));
  assert.match(aws.detail, /inf2\.24xlarge 24 h/);
  const [azure] = unitPrices(rows, [aks]);
  assert.ok(azure.perGpuHour['amd-mi300x'] > 3 && azure.perGpuHour['amd-mi300x'] < 6, String(azure.perGpuHour['amd-mi300x']));
});

test('a NeuronCore is priced as half an Inferentia2 device', () => {
  const spec = (resource: string): WorkloadSpec => ({
    ref: { cluster: 'eks', namespace: 'ml', kind: 'Deployment', name: 'x' }, replicas: 1, gpuModel: 'inf2.24xlarge',
    containers: [{ container: 'c', requests: { gpus: 4 }, limits: { gpus: 4 }, accelerator: resource }],
  });
  const rec: Recommendation = {
    id: 'eks/ml/Deployment/x', ref: spec('x').ref, status: 'ok', confidence: 'high', evidence: { windowSeconds: 1, notes: [] },
    containers: [{ container: 'c', gpuLimit: { from: 4, to: 2 }, evidence: { windowSeconds: 1, samples: 1, coverage: 1, confidence: 'high' } }],
  };
  const price = { cluster: 'eks', cloud: 'aws' as const, currency: 'USD', perVcpuHour: 0.03, perGibHour: 0.003, perGpuHour: { 'aws-inferentia2': 0.5 }, source: 'billing-effective' as const, detail: 'test' };
  assert.equal(priceRecommendation(rec, spec('aws.amazon.com/neuron'), price)!.monthly, -730);
  assert.equal(priceRecommendation(rec, spec('aws.amazon.com/neuroncore'), price)!.monthly, -365);
});
