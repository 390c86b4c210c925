import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unitPrices, instanceShape, gpuModelKey, classifyGcpSku, REFERENCE_PRICES, POWER_WATTS } from '../../src/cost/unit-prices.ts';
import { dailyRow } from '../../src/cost/table.ts';
import type { FocusRow } from '../../src/cost/focus.ts';
import type { ClusterConfig } from '../../src/config/types.ts';

const prom = { url: 'http://127.0.0.1:9', auth: { type: 'none' as const } };
const eks: ClusterConfig = { name: 'eks', cloud: 'aws', region: 'us-east-1', billingTag: { key: 'eks:cluster-name', value: 'eks' }, prometheus: prom };
const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

function awsRow(type: string, hours: number, effective: number, tags: Record<string, string> = { 'eks:cluster-name': 'eks' }): FocusRow {
  return dailyRow('2026-11-01', {
    ProviderName: 'AWS', BillingAccountId: '1', ServiceName: 'Amazon Elastic Compute Cloud - Compute', ServiceCategory: 'Compute',
    x_UsageType: `BoxUsage:${type}`, x_InstanceType: type, ConsumedQuantity: hours, BilledCost: effective, EffectiveCost: effective, BillingCurrency: 'USD', Tags: tags,
  });
}

test('instance shapes from names', () => {
  assert.deepEqual(instanceShape('aws', 'm6i.2xlarge'), { vcpus: 8, gib: 32, gpus: 0, family: 'm6i', onDemandHourly: 0.384 });
  assert.equal(instanceShape('aws', 'c7i.large')?.gib, 4);
  assert.equal(instanceShape('aws', 'r6i.4xlarge')?.gib, 128);
  assert.deepEqual(instanceShape('aws', 'g6.xlarge'), { vcpus: 4, gib: 16, gpus: 1, gpuModel: 'nvidia-l4', family: 'g6', onDemandHourly: 0.8048 });
  assert.equal(instanceShape('aws', 'g5.12xlarge')?.gpus, 4);
  assert.equal(instanceShape('aws', 'p4d.24xlarge')?.gpus, 8);
  assert.equal(instanceShape('azure', 'Standard_D8s_v5')?.gib, 32);
  assert.equal(instanceShape('azure', 'Standard_E4s_v5')?.gib, 32);
  assert.equal(instanceShape('azure', 'Standard_NC4as_T4_v3')?.gpuModel, 'nvidia-t4');
  assert.equal(instanceShape('aws', 'weird'), undefined);
});

test('GPU model keys and GCP SKU classes', () => {
  assert.equal(gpuModelKey('NVIDIA L4'), 'nvidia-l4');
  assert.equal(gpuModelKey('nvidia-tesla-t4'), 'nvidia-t4');
  assert.equal(gpuModelKey('NVIDIA A100-SXM4-40GB'), 'nvidia-a100');
  assert.deepEqual(classifyGcpSku('N2 Instance Core running in Belgium'), { kind: 'cpu', family: 'n2' });
  assert.deepEqual(classifyGcpSku('N2D AMD Instance Ram running in Belgium'), { kind: 'ram', family: 'n2d' });
  assert.deepEqual(classifyGcpSku('Nvidia L4 GPU running in Belgium'), { kind: 'gpu', model: 'nvidia-l4' });
  assert.equal(classifyGcpSku('Spot Preemptible N2 Instance Core running in Belgium'), undefined);
  assert.equal(classifyGcpSku('Commitment v1: N2 Cpu in Belgium for 1 Year'), undefined);
});

test('AWS: instance cost split by list-price weights, hour-weighted across types', () => {
  // 100 h of m6i.2xlarge at 0.30/h effective (list 0.384): one instance type, one scale factor.
  const prices = unitPrices([awsRow('m6i.2xlarge', 100, 30)], [eks]);
  const p = prices[0];
  const weight = 8 * REFERENCE_PRICES.perVcpuHour + 32 * REFERENCE_PRICES.perGibHour;
  const k = 0.3 / weight;
  close(p.perVcpuHour, k * REFERENCE_PRICES.perVcpuHour);
  close(p.perGibHour, k * REFERENCE_PRICES.perGibHour);
  // The parts add back to the instance price.
  close(8 * p.perVcpuHour + 32 * p.perGibHour, 0.3, 1e-4);
  assert.equal(p.source, 'billing-effective');
  assert.match(p.detail, /22% below on-demand list/);

  // A GPU instance: the GPU takes its list-weighted share, the rest goes to vCPU and memory.
  const [g] = unitPrices([awsRow('g6.xlarge', 10, 6.0)], [eks]);
  const w = 4 * REFERENCE_PRICES.perVcpuHour + 16 * REFERENCE_PRICES.perGibHour + REFERENCE_PRICES.perGpuHour['nvidia-l4'];
  close(g.perGpuHour['nvidia-l4'], (0.6 / w) * REFERENCE_PRICES.perGpuHour['nvidia-l4']);
  close(g.perGpuHour.default, g.perGpuHour['nvidia-l4']);
  close(4 * g.perVcpuHour + 16 * g.perGibHour + g.perGpuHour['nvidia-l4'], 0.6, 1e-4);
});

test('rows of other clusters and non-instance usage are ignored; no usage means list price', () => {
  const rows = [awsRow('m6i.2xlarge', 100, 30, { 'eks:cluster-name': 'other' })];
  const [p] = unitPrices(rows, [eks], { window: { start: '2026-10-17', end: '2026-11-16' } });
  assert.equal(p.source, 'list-price');
  assert.equal(p.perVcpuHour, REFERENCE_PRICES.perVcpuHour);
  assert.match(p.detail, /no instance usage tagged eks:cluster-name=eks in the billing data for 2026-10-17\.\.2026-11-16/);
});

test('node pools get their own prices when tagged', () => {
  const rows = [
    awsRow('m6i.2xlarge', 100, 30, { 'eks:cluster-name': 'eks', 'eks:nodegroup-name': 'a' }),
    awsRow('m6i.2xlarge', 100, 38.4, { 'eks:cluster-name': 'eks', 'eks:nodegroup-name': 'b' }),
  ];
  const prices = unitPrices(rows, [eks]);
  assert.deepEqual(prices.map(p => p.nodePool), [undefined, 'a', 'b']);
  assert.ok(prices[1].perVcpuHour < prices[2].perVcpuHour);
  close(prices[0].perVcpuHour, (prices[1].perVcpuHour + prices[2].perVcpuHour) / 2);
});

test('GCP: per-SKU effective prices with commitment fees handed back by credit share', () => {
  const gke: ClusterConfig = { name: 'gke', cloud: 'gcp', region: 'europe-west1', billingTag: { key: 'goog-k8s-cluster-name', value: 'gke' }, prometheus: prom };
  const base = { ProviderName: 'Google Cloud' as const, BillingAccountId: 'b', ServiceName: 'Compute Engine', ServiceCategory: 'Compute', RegionId: 'europe-west1', BillingCurrency: 'USD' };
  const tags = { 'goog-k8s-cluster-name': 'gke' };
  const rows: FocusRow[] = [
    // 100 core-hours at 0.04 list, 50% under commitment: credits −2, fee 1.2 for the committed half.
    dailyRow('2026-11-01', { ...base, SkuId: 'c', x_UsageType: 'N2 Instance Core running in Belgium', PricingUnit: 'hour', ConsumedQuantity: 100, ListCost: 4, BilledCost: 2, EffectiveCost: 2, x_Credits: -2, Tags: tags }),
    dailyRow('2026-11-01', { ...base, SkuId: 'r', x_UsageType: 'N2 Instance Ram running in Belgium', PricingUnit: 'gibibyte hour', ConsumedQuantity: 400, ListCost: 2, BilledCost: 2, EffectiveCost: 2, x_Credits: 0, Tags: tags }),
    dailyRow('2026-11-01', { ...base, SkuId: 'f', x_UsageType: 'Commitment v1: N2 Cpu in Belgium for 1 Year', PricingUnit: 'hour', ConsumedQuantity: 50, BilledCost: 1.2, EffectiveCost: 1.2, Tags: {} }),
    dailyRow('2026-11-01', { ...base, SkuId: 'g', x_UsageType: 'Nvidia L4 GPU running in Belgium', PricingUnit: 'hour', ConsumedQuantity: 10, ListCost: 6, BilledCost: 6, EffectiveCost: 6, Tags: tags }),
  ];
  const [p] = unitPrices(rows, [gke]);
  close(p.perVcpuHour, (2 + 1.2) / 100);
  close(p.perGibHour, 2 / 400);
  close(p.perGpuHour['nvidia-l4'], 0.6);
  assert.equal(p.source, 'billing-effective');
  assert.match(p.detail, /commitment fees 1\.20 USD added back/);
});

test('on-prem: config prices plus energy', () => {
  const onprem: ClusterConfig = { name: 'dc1', cloud: 'on-prem', prometheus: prom, prices: { currency: 'EUR', perVcpuHour: 0.01, perGibHour: 0.001, perGpuHour: { 'NVIDIA A100': 0.9 }, perKwh: 0.25 } };
  const [p] = unitPrices([], [onprem]);
  close(p.perVcpuHour, 0.01 + (POWER_WATTS.perVcpu / 1000) * 0.25);
  close(p.perGibHour, 0.001 + (POWER_WATTS.perGib / 1000) * 0.25);
  close(p.perGpuHour['nvidia-a100'], 0.9 + 0.24 * 0.25);
  assert.equal(p.source, 'on-prem-config');
  assert.equal(p.currency, 'EUR');
  assert.match(p.detail, /energy at 0\.25 EUR\/kWh/);
});
