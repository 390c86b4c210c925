// The three billing collectors with the real SDKs against fake clouds on 127.0.0.1: paging,
// throttling, auth failures, malformed and truncated responses, one cloud failing alone.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  awsFake, azureFake, gcpFake, startReplayServer, type AwsFake, type AzureFake, type GcpFake, type ReplayServer, type ReplayResponse,
} from '../../helpers/billing-replay-server.ts';
import { awsWorld, azureWorld, gcpWorld, gcpCatalog, AWS_FORECAST, azureForecastRows } from '../../../fixtures/demo/billing/generate.ts';
import { collectBilling, type BillingOptions } from '../../../src/collect/billing.ts';
import type { BillingConfig, ClusterConfig } from '../../../src/config/types.ts';

const WINDOW = { start: '2026-10-17', end: '2026-11-16' };
/** The demo worlds run past the window (the bill after the demo's merged changes): only the window's days are asked for. */
const inWindow = <T extends { day: string }>(items: T[]): T[] => items.filter(i => i.day >= WINDOW.start && i.day < WINDOW.end);
const ENV = { AWS_KEY: 'AKIATESTTESTTEST0001', AWS_SECRET: 'super-secret-value-123' };
let server: ReplayServer;
let aws: AwsFake;
let azure: AzureFake;
let gcp: GcpFake;
let sleeps: number[];
let log: string[];

const prom = { url: 'http://127.0.0.1:9', auth: { type: 'none' as const } };
const clusters: ClusterConfig[] = [
  { name: 'prod-eks', cloud: 'aws', region: 'us-east-1', billingTag: { key: 'eks:cluster-name', value: 'prod-eks' }, prometheus: prom },
  { name: 'prod-gke', cloud: 'gcp', region: 'europe-west1', billingTag: { key: 'goog-k8s-cluster-name', value: 'prod-gke' }, prometheus: prom },
  { name: 'prod-aks', cloud: 'azure', region: 'westeurope', billingTag: { key: 'aks-cluster', value: 'prod-aks' }, prometheus: prom },
];
const config = (): BillingConfig => ({
  aws: { region: 'us-east-1', endpoint: `${server.url}/aws`, accessKeyIdEnv: 'AWS_KEY', secretAccessKeyEnv: 'AWS_SECRET', clusterTagKey: 'eks:cluster-name' },
  gcp: { bigqueryTable: 'demo-billing.billing_export.gcp_billing_export_v1_X', apiEndpoint: `${server.url}/gcp`, clusterLabelKey: 'goog-k8s-cluster-name' },
  azure: { scope: 'subscriptions/00000000-1111-2222-3333-444444444444', endpoint: `${server.url}/azure`, clusterTagKey: 'aks-cluster' },
});
const options = (): BillingOptions => ({ env: ENV, sleep: async ms => { sleeps.push(ms); }, log: l => log.push(l), maxAttempts: 4 });
const run = (cfg: BillingConfig = config()) => collectBilling(cfg, clusters, WINDOW, options());
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);
const status = (r: Awaited<ReturnType<typeof run>>, source: string) => r.sources.find(s => s.source === source)!;

before(async () => {
  aws = awsFake(awsWorld(), { pageSize: 40, accessKeyId: ENV.AWS_KEY, forecast: AWS_FORECAST });
  azure = azureFake(azureWorld(), { pageSize: 50, forecastRows: azureForecastRows() });
  gcp = gcpFake(gcpWorld(), gcpCatalog(), { pageSize: 100, skuPageSize: 3 });
  server = await startReplayServer([aws.handler, azure.handler, gcp.handler]);
});
after(() => server.close());
beforeEach(() => {
  sleeps = [];
  log = [];
  for (const f of [aws, azure, gcp]) { f.script.length = 0; f.requests.length = 0; }
});

test('all three clouds page through their results and keep every cent', async () => {
  const r = await run();
  assert.ok(r.sources.every(s => s.ok), JSON.stringify(r.sources));
  // Cost Explorer: NextPageToken followed.
  assert.ok(aws.requests.some(q => q.body.NextPageToken), 'CE paged');
  close(sum(r.rows.filter(x => x.ProviderName === 'AWS').map(x => x.EffectiveCost)), sum(inWindow(awsWorld()).map(i => i.netAmortized)));
  close(sum(r.rows.filter(x => x.ProviderName === 'AWS').map(x => x.BilledCost)), sum(inWindow(awsWorld()).map(i => i.unblended)));
  // Azure: nextLink ($skiptoken) POSTed with the same body.
  assert.ok(azure.requests.some(q => q.path.includes('$skiptoken')), 'Azure paged');
  close(sum(r.rows.filter(x => x.ProviderName === 'Microsoft Azure').map(x => x.EffectiveCost)), sum(inWindow(azureWorld()).map(i => i.amortized)));
  close(sum(r.rows.filter(x => x.ProviderName === 'Microsoft Azure').map(x => x.BilledCost)), sum(inWindow(azureWorld()).map(i => i.actual)));
  // BigQuery: jobs.query then getQueryResults with pageToken; catalog: listSkus pages.
  assert.ok(gcp.requests.some(q => q.method === 'GET' && q.path.includes('/queries/') && q.path.includes('pageToken')), 'BigQuery paged');
  assert.ok(gcp.requests.filter(q => q.path.includes('/skus')).length >= 3, 'catalog paged');
  close(sum(r.rows.filter(x => x.ProviderName === 'Google Cloud').map(x => x.EffectiveCost)), sum(inWindow(gcpWorld()).map(g => g.cost + g.discount_credits)));
  // Splits keep per-team totals: AWS payments = RDS + 2 general nodes.
  const payments = sum(r.rows.filter(x => x.ProviderName === 'AWS' && x.Tags.team === 'payments').map(x => x.EffectiveCost));
  const expected = sum(inWindow(awsWorld()).filter(i => i.tags.team === 'payments').map(i => i.netAmortized));
  close(payments, expected);
  // The CE calls use at most two GroupBy each.
  assert.ok(aws.requests.every(q => ((q.body.GroupBy as unknown[]) ?? []).length <= 2));
});

test('AWS LimitExceededException is retried with backoff', async () => {
  const limit: ReplayResponse = { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#LimitExceededException', Message: 'Rate exceeded' }) };
  aws.script.push({ match: 'GetCostAndUsage', response: limit }, { match: 'GetCostAndUsage', response: limit });
  const r = await run({ aws: config().aws });
  assert.equal(status(r, 'billing:aws').ok, true);
  assert.deepEqual(sleeps, [1000, 2000]);
  assert.ok(log.some(l => /GetCostAndUsage throttled, retrying in 1 s/.test(l)));
});

test('AWS throttling that never ends fails the source with a clear error', async () => {
  const limit: ReplayResponse = { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: 'com.amazonaws.costexplorer#LimitExceededException', Message: 'Rate exceeded' }) };
  for (let i = 0; i < 4; i++) aws.script.push({ match: 'GetCostAndUsage', response: limit });
  const r = await run({ aws: config().aws });
  assert.match(status(r, 'billing:aws').error!, /^GetCostAndUsage still throttled after 4 attempts/);
});

test('AWS bad credentials: the source fails, naming the operation, never the secret', async () => {
  const r = await run({ aws: { ...config().aws!, accessKeyIdEnv: 'OTHER_KEY' } });
  assert.match(status(r, 'billing:aws').error!, /environment variable OTHER_KEY \(named by billing.aws\) is not set/);
  const r2 = await collectBilling({ aws: config().aws }, clusters, WINDOW, { ...options(), env: { AWS_KEY: 'AKIAWRONGWRONG000000', AWS_SECRET: ENV.AWS_SECRET } });
  const s = status(r2, 'billing:aws');
  assert.equal(s.ok, false);
  assert.match(s.error!, /GetCostAndUsage failed \(HTTP 400\): UnrecognizedClientException: The security token included in the request is invalid\. \(check the credentials/);
  assert.ok(!JSON.stringify(r2).includes(ENV.AWS_SECRET));
});

test('AWS malformed amount names the field', async () => {
  aws.script.push({
    match: 'GetCostAndUsage',
    response: real => {
      const body = JSON.parse(String(real.body));
      body.ResultsByTime[3].Groups[0].Metrics.UnblendedCost.Amount = 'abc';
      return { ...real, body: JSON.stringify(body) };
    },
  });
  const r = await run({ aws: config().aws });
  assert.equal(status(r, 'billing:aws').error, 'GetCostAndUsage ResultsByTime[3].Groups[0].Metrics.UnblendedCost.Amount is "abc", not a number');
  assert.equal(r.rows.length, 0);
});

test('AWS truncated response is an error, not a zero', async () => {
  aws.script.push({ match: 'GetCostAndUsage', response: real => ({ ...real, body: String(real.body).slice(0, 300) }) });
  const r = await run({ aws: config().aws });
  assert.equal(status(r, 'billing:aws').ok, false);
  assert.match(status(r, 'billing:aws').error!, /^GetCostAndUsage response is not valid JSON \(truncated\?\)/);
});

test('Azure 429 waits as long as the cost-management rate-limit headers say', async () => {
  azure.script.push({
    match: '/query',
    response: {
      status: 429,
      headers: {
        'content-type': 'application/json',
        'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '7',
        'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '3',
        'x-ms-ratelimit-microsoft.costmanagement-qpu-remaining': 'QueriesPerHour:0',
      },
      body: JSON.stringify({ error: { code: '429', message: 'Too many requests. Please retry.' } }),
    },
  });
  const r = await run({ azure: config().azure });
  assert.equal(status(r, 'billing:azure').ok, true, status(r, 'billing:azure').error);
  assert.deepEqual(sleeps, [7000]);
});

test('Azure rate limit longer than we wait fails the source', async () => {
  azure.script.push({ match: '/query', response: { status: 429, headers: { 'content-type': 'application/json', 'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after': '3600' }, body: '{"error":{"code":"429","message":"Too many requests. Please retry."}}' } });
  const r = await run({ azure: config().azure });
  assert.match(status(r, 'billing:azure').error!, /rate-limited for 3600 s, longer than the 120 s we wait/);
});

test('Azure auth failure and malformed rows', async () => {
  azure.script.push({ match: '/query', response: { status: 401, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}' } });
  const r = await run({ azure: config().azure });
  assert.match(status(r, 'billing:azure').error!, /query failed \(HTTP 401\): InvalidAuthenticationToken: The access token is invalid\./);

  azure.script.push({
    match: '/query',
    response: real => {
      const body = JSON.parse(String(real.body));
      body.properties.rows[2][0] = 'abc';
      return { ...real, body: JSON.stringify(body) };
    },
  });
  const r2 = await run({ azure: config().azure });
  assert.equal(status(r2, 'billing:azure').error, 'query AmortizedCost (page 1) properties.rows[2].Cost is "abc", not a number');
});

test('BigQuery 429 with Retry-After is retried; truncated results fail the GCP export only', async () => {
  gcp.script.push({ match: '/queries', response: { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '3' }, body: JSON.stringify({ error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } }) } });
  const r = await run({ gcp: config().gcp });
  assert.equal(status(r, 'billing:gcp').ok, true, status(r, 'billing:gcp').error);
  assert.deepEqual(sleeps, [3000]);

  gcp.script.push({ match: '/queries', response: real => ({ ...real, body: String(real.body).slice(0, 500) }) });
  const r2 = await run({ gcp: config().gcp });
  assert.equal(status(r2, 'billing:gcp').ok, false);
  assert.match(status(r2, 'billing:gcp').error!, /^BigQuery query on demo-billing\.billing_export\.gcp_billing_export_v1_X response is not valid JSON \(truncated\?\)/);
  assert.equal(status(r2, 'billing:gcp:catalog').ok, true);
  // The GKE cluster falls back to the catalog's list price.
  assert.equal(r2.prices.find(p => p.cluster === 'prod-gke')?.source, 'list-price');
});

test('a malformed BigQuery cell names the row and column', async () => {
  gcp.script.push({
    match: '/queries',
    response: real => {
      const body = JSON.parse(String(real.body));
      body.rows[5].f[11].v = 'twelve';
      return { ...real, body: JSON.stringify(body) };
    },
  });
  const r = await run({ gcp: config().gcp });
  assert.equal(status(r, 'billing:gcp').error, 'BigQuery demo-billing.billing_export.gcp_billing_export_v1_X rows[5].cost is "twelve", not a number');
});

test('catalog permission denied fails only the catalog source', async () => {
  gcp.script.push({ match: '/skus', response: { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' } }) } });
  const r = await run({ gcp: config().gcp });
  assert.equal(status(r, 'billing:gcp').ok, true);
  const cat = status(r, 'billing:gcp:catalog');
  assert.equal(cat.ok, false);
  assert.equal(cat.error, "listSkus services/6F81-5844-456A failed (HTTP 403): PERMISSION_DENIED: The caller does not have permission (check billing.gcp.credentialsEnv and the caller's billing permissions)");
});

test('one cloud failing leaves the others whole', async () => {
  for (let i = 0; i < 40; i++) azure.script.push({ match: '/query', response: { status: 500, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"InternalServerError","message":"Something went wrong"}}' } });
  const r = await run();
  assert.deepEqual(r.sources.map(s => [s.source, s.ok]), [['billing:aws', true], ['billing:azure', false], ['billing:gcp', true], ['billing:gcp:catalog', true]]);
  assert.match(status(r, 'billing:azure').error!, /HTTP 500/);
  assert.ok(r.rows.some(x => x.ProviderName === 'AWS') && r.rows.some(x => x.ProviderName === 'Google Cloud'));
  assert.ok(!r.rows.some(x => x.ProviderName === 'Microsoft Azure'));
  assert.deepEqual(r.prices.filter(p => !p.nodePool).map(p => [p.cluster, p.source]), [['prod-eks', 'billing-effective'], ['prod-gke', 'billing-effective'], ['prod-aks', 'list-price']]);
});
