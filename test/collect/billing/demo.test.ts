// collectBilling with the demo configuration against the recorded demo responses, served on
// 127.0.0.1 by the demo replay handler: every SDK runs for real.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { startReplayServer, type ReplayServer } from '../../../src/demo/replay-server.ts';
import { billingReplayHandler } from '../../../src/demo/billing-replay.ts';
import { collectBilling, type BillingResult } from '../../../src/collect/billing.ts';
import { dailySeries } from '../../../src/cost/daily-series.ts';
import type { RightsizerConfig } from '../../../src/config/types.ts';
import { repoRoot } from '../../helpers/shared.ts';

const WINDOW = { start: '2026-10-17', end: '2026-11-16' };
let server: ReplayServer;
let result: BillingResult;

before(async () => {
  server = await startReplayServer([billingReplayHandler(path.join(repoRoot, 'fixtures/demo/billing'))]);
  const text = await readFile(path.join(repoRoot, 'fixtures/rightsizer.yaml'), 'utf8');
  const config = parse(text.replaceAll('${DEMO_URL}', server.url)) as RightsizerConfig;
  // A cluster with no spend in the export: priced from the Cloud Billing Catalog.
  config.clusters.push({ name: 'staging-gke', cloud: 'gcp', region: 'europe-west1', billingTag: { key: 'goog-k8s-cluster-name', value: 'staging-gke' }, prometheus: { url: 'http://127.0.0.1:9', auth: { type: 'none' } } });
  result = await collectBilling(config.billing, config.clusters, WINDOW, {
    env: { DEMO_AWS_ACCESS_KEY_ID: 'AKIADEMO', DEMO_AWS_SECRET_ACCESS_KEY: 'demo' },
  });
});
after(() => server.close());

test('every demo billing source answers', () => {
  assert.deepEqual(result.sources.map(s => [s.source, s.ok, s.error]), [
    ['billing:aws', true, undefined], ['billing:azure', true, undefined], ['billing:gcp', true, undefined], ['billing:gcp:catalog', true, undefined],
  ]);
});

test('unit prices for all three clusters come from effective billing cost', () => {
  for (const cluster of ['prod-eks', 'prod-gke', 'prod-aks']) {
    const p = result.prices.find(x => x.cluster === cluster && !x.nodePool);
    assert.ok(p, `price for ${cluster}`);
    assert.equal(p.source, 'billing-effective', cluster);
    assert.ok(p.perVcpuHour > 0.01 && p.perVcpuHour < 0.06, `${cluster} vCPU-h ${p.perVcpuHour}`);
    assert.ok(p.perGibHour > 0.001 && p.perGibHour < 0.008, `${cluster} GiB-h ${p.perGibHour}`);
    assert.match(p.detail, /below (on-demand|list|pay-as-you-go)/);
  }
  const eks = result.prices.find(x => x.cluster === 'prod-eks' && !x.nodePool)!;
  // The savings plan and private pricing make the effective price lower than on-demand.
  assert.ok(eks.perVcpuHour < 0.035, `${eks.perVcpuHour}`);
  const gke = result.prices.find(x => x.cluster === 'prod-gke' && !x.nodePool)!;
  assert.ok(gke.perGpuHour['nvidia-l4'] > 0.5);
  assert.match(gke.detail, /committed-use/);
  assert.deepEqual(result.prices.filter(p => p.nodePool).map(p => `${p.cluster}/${p.nodePool}`).sort(),
    ['prod-aks/apps', 'prod-aks/gpu', 'prod-aks/system', 'prod-eks/compute', 'prod-eks/general', 'prod-eks/gpu', 'prod-gke/default-pool', 'prod-gke/gpu-pool']);
});

test('a cluster without billing rows falls back to catalog list prices', () => {
  const p = result.prices.find(x => x.cluster === 'staging-gke')!;
  assert.equal(p.source, 'list-price');
  assert.equal(p.perVcpuHour, 0.034773);
  assert.match(p.detail, /Cloud Billing Catalog/);
});

test('the daily spend shows the AWS spike, the Azure level shift and team spend', () => {
  const byProvider = (rows: typeof result.rows, provider: string) => {
    const series = dailySeries(rows, 'provider').find(d => d.key === provider)!;
    return (day: string) => series.values[series.dates.indexOf(day)];
  };
  const aws = byProvider(result.rows, 'aws');
  assert.equal(dailySeries(result.rows, 'provider').find(d => d.key === 'aws')!.values.filter(v => v > 0).length, 30, 'AWS billed every day of the 30');
  assert.ok(aws('2026-11-09') > 1.5 * aws('2026-11-08'));
  // The level shift is in the apps pool; the GPU pool (one ND MI300X v5 VM) is steady and large.
  const azure = byProvider(result.rows.filter(r => r.Tags.team !== 'ml-platform'), 'azure');
  assert.ok(azure('2026-11-06') > 1.3 * azure('2026-11-03'));
  const teams = new Set(result.rows.map(r => r.Tags.team).filter(Boolean));
  assert.deepEqual([...teams].sort(), ['ml-platform', 'payments', 'search', 'storefront']);
  assert.deepEqual(result.forecasts.map(f => f.source), ['aws:GetCostForecast', 'azure:forecast']);
});
