// Azure Cost Management Query API → FOCUS rows.
//
// Like Cost Explorer, a query groups by two dimensions at most, so the table is a primary
// breakdown (ServiceName × Meter, AmortizedCost for EffectiveCost and ActualCost for BilledCost)
// refined by shares of other breakdowns sharing a key (see splitRows in src/cost/table.ts):
//   Meter → ResourceId, ResourceLocation, AKS node-pool tag;  ServiceName → team tags.
// The API's filter has no `not`, so "everything outside the clusters" is the unfiltered query
// minus the per-cluster ones.
// Throttling: the SDK's default retry ignores the x-ms-ratelimit-microsoft.costmanagement-*
// headers, so it is switched off and our own loop waits as long as those headers ask.

import { CostManagementClient, type QueryDefinition, type QueryFilter, type QueryGrouping, type ForecastDefinition } from '@azure/arm-costmanagement';
import { ClientSecretCredential, DefaultAzureCredential, WorkloadIdentityCredential, type TokenCredential } from '@azure/identity';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import type { AzureBillingConfig, ClusterConfig } from '../../config/types.ts';
import type { CostForecast } from '../../snapshot/types.ts';
import type { FocusRow } from '../../cost/focus.ts';
import { BillingDataError, addDays, addShare, checkedDay, checkedNumber, dailyRow, splitRows, type Share } from '../../cost/table.ts';
import type { BillingContext } from '../billing.ts';
import { AZURE_SOURCE } from '../billing-sources.ts';

export const ARM_ENDPOINT = 'https://management.azure.com';
/** Tag AKS puts on node-pool scale sets. */
export const AKS_POOL_TAG = 'aks-managed-poolName';
const COST_COLUMNS = ['Cost', 'PreTaxCost', 'CostUSD', 'PreTaxCostUSD'];
const RATE_LIMIT_HEADERS = ['qpu', 'entity', 'tenant', 'client'].map(k => `x-ms-ratelimit-microsoft.costmanagement-${k}-retry-after`);

export interface AzureCollectResult {
  rows: FocusRow[];
  forecast?: CostForecast;
  calls: number;
}

function isLocalReplay(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const u = new URL(endpoint);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

/**
 * Credentials from the env vars named by billing.azure (service principal); else a federated
 * token (workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID, as AKS
 * workload identity sets them or a CI job writes its OIDC token), read from the environment the
 * collector is given; else the default Azure chain (which also takes an `az login` session, as
 * azure/login opens with OIDC). A plain-http loopback endpoint (a replay server) without a
 * federated token gets a placeholder token: a real token is never sent without TLS.
 */
export function azureCredential(config: AzureBillingConfig, env: NodeJS.ProcessEnv): TokenCredential {
  const names = [config.tenantIdEnv, config.clientIdEnv, config.clientSecretEnv];
  if (names.every(n => !n)) {
    if (env.AZURE_FEDERATED_TOKEN_FILE) {
      if (!env.AZURE_CLIENT_ID || !env.AZURE_TENANT_ID) throw new BillingDataError(AZURE_SOURCE, 'AZURE_FEDERATED_TOKEN_FILE is set: AZURE_CLIENT_ID and AZURE_TENANT_ID must be set too (workload identity)');
      return new WorkloadIdentityCredential({
        tokenFilePath: env.AZURE_FEDERATED_TOKEN_FILE, clientId: env.AZURE_CLIENT_ID, tenantId: env.AZURE_TENANT_ID,
        // An authority the operator names (sovereign or private cloud) is trusted as named:
        // asking login.microsoftonline.com to vouch for it would fail for a private one.
        ...(env.AZURE_AUTHORITY_HOST ? { authorityHost: env.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true } : {}),
      });
    }
    if (isLocalReplay(config.endpoint)) return { getToken: async () => ({ token: 'replay-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    return new DefaultAzureCredential();
  }
  if (names.some(n => !n)) throw new BillingDataError(AZURE_SOURCE, 'billing.azure needs tenantIdEnv, clientIdEnv and clientSecretEnv together, or none (default Azure credential chain)');
  const values = names.map(n => env[n!]);
  values.forEach((v, i) => {
    if (!v) throw new BillingDataError(AZURE_SOURCE, `environment variable ${names[i]} (named by billing.azure) is not set`);
  });
  return new ClientSecretCredential(values[0]!, values[1]!, values[2]!);
}

/** Sends ARM requests to `endpoint` instead of management.azure.com (replay servers, sovereign clouds). */
export function redirectingHttpClient(endpoint: string): HttpClient {
  const inner = createDefaultHttpClient();
  const target = endpoint.replace(/\/+$/, '');
  return {
    sendRequest(request: PipelineRequest) {
      if (request.url.startsWith(ARM_ENDPOINT)) request.url = target + request.url.slice(ARM_ENDPOINT.length);
      if (target.startsWith('http:')) request.allowInsecureConnection = true;
      return inner.sendRequest(request);
    },
  };
}

export function azureClient(config: AzureBillingConfig, env: NodeJS.ProcessEnv): CostManagementClient {
  return new CostManagementClient(azureCredential(config, env), {
    ...(config.endpoint ? { httpClient: redirectingHttpClient(config.endpoint) } : {}),
    retryOptions: { maxRetries: 0 },
  });
}

/** Seconds to wait: the largest of the cost-management rate-limit headers and Retry-After. */
export function azureThrottleWait(err: unknown, attempt: number): number | undefined {
  const e = err as { statusCode?: number; response?: { status?: number; headers?: { get(name: string): string | undefined } } };
  const status = e?.statusCode ?? e?.response?.status;
  if (status !== 429 && status !== 503) return undefined;
  const headers = e.response?.headers;
  const waits = [...RATE_LIMIT_HEADERS, 'retry-after']
    .map(h => Number(headers?.get(h)))
    .filter(n => Number.isFinite(n) && n > 0);
  return waits.length > 0 ? Math.max(...waits) : Math.min(2 ** (attempt - 1), 30);
}

export function describeAzureError(err: unknown, operation: string): Error {
  if (err instanceof BillingDataError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (/Unexpected end of JSON|Unexpected token|not valid JSON|JSON at position|Error parsing/i.test(message) && !e?.statusCode) {
    return new BillingDataError(AZURE_SOURCE, `${operation} response is not valid JSON (truncated?): ${message.split('\n')[0]}`);
  }
  const hint = e?.statusCode === 401 || e?.statusCode === 403 ? ' (check the credentials named by billing.azure and Cost Management Reader on the scope)' : '';
  return new BillingDataError(AZURE_SOURCE, `${operation} failed${e?.statusCode ? ` (HTTP ${e.statusCode})` : ''}: ${e?.code ? `${e.code}: ` : ''}${message.split('\n')[0]}${hint}`);
}

/** One checked result row: day, group values by column name, cost and quantity. */
interface AzRecord {
  day: string;
  values: Record<string, string | undefined>;
  cost: number;
  quantity: number;
  currency: string;
}

interface ResultPage {
  columns?: Array<{ name?: string; type?: string }>;
  rows?: unknown[][];
  nextLink?: string | null;
}

/** Checks one Query/Forecast page and reads its rows by column name. */
export function parseQueryPage(page: ResultPage, where: string, groupColumns: string[]): AzRecord[] {
  const columns = page.columns;
  if (!Array.isArray(columns)) throw new BillingDataError(AZURE_SOURCE, `${where} properties.columns is missing (truncated response?)`);
  if (!Array.isArray(page.rows)) throw new BillingDataError(AZURE_SOURCE, `${where} properties.rows is missing (truncated response?)`);
  const index = new Map(columns.map((c, i) => [c?.name ?? '', i]));
  const costName = COST_COLUMNS.find(n => index.has(n));
  if (!costName) throw new BillingDataError(AZURE_SOURCE, `${where} has no cost column (looked for ${COST_COLUMNS.join(', ')}; got ${columns.map(c => c?.name).join(', ')})`);
  for (const name of ['UsageDate', ...groupColumns]) {
    if (!index.has(name)) throw new BillingDataError(AZURE_SOURCE, `${where} has no ${name} column (got ${columns.map(c => c?.name).join(', ')})`);
  }
  return page.rows.map((row, i) => {
    if (!Array.isArray(row)) throw new BillingDataError(AZURE_SOURCE, `${where} properties.rows[${i}] is not an array`);
    if (row.length !== columns.length) throw new BillingDataError(AZURE_SOURCE, `${where} properties.rows[${i}] has ${row.length} values, expected ${columns.length}`);
    const cell = (name: string) => row[index.get(name)!];
    const field = (name: string) => `${where} properties.rows[${i}].${name}`;
    const values: Record<string, string | undefined> = {};
    for (const g of groupColumns) {
      const v = cell(g);
      values[g] = typeof v === 'string' && v !== '' ? v : undefined;
    }
    for (const extra of ['CostStatus']) if (index.has(extra)) values[extra] = String(cell(extra));
    return {
      day: checkedDay(AZURE_SOURCE, field('UsageDate'), cell('UsageDate')),
      values,
      cost: checkedNumber(AZURE_SOURCE, field(costName), cell(costName)),
      quantity: index.has('UsageQuantity') ? checkedNumber(AZURE_SOURCE, field('UsageQuantity'), cell('UsageQuantity')) : 0,
      currency: index.has('Currency') ? String(cell('Currency')) : 'USD',
    };
  });
}

interface Grouping { type: 'Dimension' | 'TagKey'; name: string }

/** Column names a grouping produces: a dimension its own name, a tag TagKey + TagValue. */
function groupColumnsOf(groupings: Grouping[]): string[] {
  return groupings.flatMap(g => (g.type === 'TagKey' ? ['TagValue'] : [g.name]));
}

export async function collectAzure(config: AzureBillingConfig, ctx: BillingContext): Promise<AzureCollectResult> {
  const client = azureClient(config, ctx.env);
  const scope = config.scope.replace(/^\/+/, '');
  let calls = 0;
  const timePeriod = { from: new Date(`${ctx.window.start}T00:00:00Z`), to: new Date(`${addDays(ctx.window.end, -1)}T23:59:59Z`) };

  const query = async (type: 'ActualCost' | 'AmortizedCost', groupings: Grouping[], filter: QueryFilter | undefined): Promise<AzRecord[]> => {
    const definition: QueryDefinition = {
      type,
      timeframe: 'Custom',
      timePeriod,
      dataset: {
        granularity: 'Daily',
        aggregation: { totalCost: { name: 'Cost', function: 'Sum' }, totalQuantity: { name: 'UsageQuantity', function: 'Sum' } },
        grouping: groupings as QueryGrouping[],
        ...(filter ? { filter } : {}),
      },
    };
    const records: AzRecord[] = [];
    const cols = groupColumnsOf(groupings);
    let page = 1;
    let result = await ctx.retry(AZURE_SOURCE, 'query', () => client.query.usage(scope, definition), azureThrottleWait) as ResultPage;
    calls += 1;
    records.push(...parseQueryPage(result, `query ${type} (page 1)`, cols));
    while (result.nextLink) {
      page += 1;
      const next = result.nextLink;
      // query.usage has no pager: POST the same body to nextLink through the client's pipeline.
      const response = await ctx.retry(AZURE_SOURCE, 'query nextLink', async () => {
        const r = await client.sendRequest(createPipelineRequest({
          url: next,
          method: 'POST',
          body: JSON.stringify(definition),
          headers: createHttpHeaders({ 'content-type': 'application/json' }),
        }));
        if (r.status >= 400) throw Object.assign(new Error(errorMessage(r.bodyAsText ?? undefined)), { statusCode: r.status, response: r, code: errorCode(r.bodyAsText ?? undefined) });
        return r;
      }, azureThrottleWait);
      calls += 1;
      let body: { properties?: ResultPage };
      try {
        body = JSON.parse(response.bodyAsText ?? '') as { properties?: ResultPage };
      } catch {
        throw new BillingDataError(AZURE_SOURCE, `query ${type} (page ${page}) response is not valid JSON (truncated?)`);
      }
      if (!body.properties) throw new BillingDataError(AZURE_SOURCE, `query ${type} (page ${page}) properties is missing`);
      result = body.properties;
      records.push(...parseQueryPage(result, `query ${type} (page ${page})`, cols));
      if (page > 10_000) throw new BillingDataError(AZURE_SOURCE, 'query kept returning nextLink after 10000 pages');
    }
    return records;
  };

  const rows: FocusRow[] = [];
  try {
    const tagged = ctx.clusters
      .map(c => ({ cluster: c, key: c.billingTag?.key ?? config.clusterTagKey, value: c.billingTag?.value ?? c.name }))
      .filter((t): t is { cluster: ClusterConfig; key: string; value: string } => Boolean(t.key));
    const segments: Array<{ tags: Record<string, string>; filter?: QueryFilter; cluster?: string }> = tagged.map(t => ({
      cluster: t.cluster.name,
      tags: { [t.key]: t.value },
      filter: { tags: { name: t.key, operator: 'In', values: [t.value] } },
    }));
    segments.push({ tags: {} }); // everything; the clusters' share is subtracted below
    const primaryGroups: Grouping[] = [{ type: 'Dimension', name: 'ServiceName' }, { type: 'Dimension', name: 'Meter' }];
    const splits: Array<{ groupings: Grouping[]; keyColumn: string; clusterOnly?: boolean; apply: (r: FocusRow, v: string | undefined) => FocusRow }> = [
      { groupings: [{ type: 'Dimension', name: 'ResourceId' }, { type: 'Dimension', name: 'Meter' }], keyColumn: 'Meter', apply: (r, v) => (v ? { ...r, ResourceId: v } : r) },
      { groupings: [{ type: 'Dimension', name: 'ResourceLocation' }, { type: 'Dimension', name: 'Meter' }], keyColumn: 'Meter', apply: (r, v) => (v ? { ...r, RegionId: v.toLowerCase().replace(/\s+/g, '') } : r) },
      ...ctx.allocationTags.map(key => ({
        groupings: [{ type: 'TagKey' as const, name: key }, { type: 'Dimension' as const, name: 'ServiceName' }], keyColumn: 'ServiceName',
        apply: (r: FocusRow, v: string | undefined) => (v ? { ...r, Tags: { ...r.Tags, [key]: v } } : r),
      })),
      { groupings: [{ type: 'TagKey', name: AKS_POOL_TAG }, { type: 'Dimension', name: 'Meter' }], keyColumn: 'Meter', clusterOnly: true, apply: (r, v) => (v ? { ...r, Tags: { ...r.Tags, [AKS_POOL_TAG]: v } } : r) },
    ];

    const clusterRecords: Array<{ amortized: AzRecord[]; actual: AzRecord[]; split: AzRecord[][] }> = [];
    for (const seg of segments) {
      const isRest = !seg.filter;
      let amortized = await query('AmortizedCost', primaryGroups, seg.filter);
      let actual = await query('ActualCost', primaryGroups, seg.filter);
      const splitRecords: AzRecord[][] = [];
      for (const s of splits) splitRecords.push(s.clusterOnly && isRest ? [] : await query('AmortizedCost', s.groupings, seg.filter));
      if (isRest) {
        // Outside the clusters = everything − each cluster, per group.
        amortized = subtract(amortized, clusterRecords.map(c => c.amortized));
        actual = subtract(actual, clusterRecords.map(c => c.actual));
        splits.forEach((s, i) => { splitRecords[i] = subtract(splitRecords[i], clusterRecords.map(c => c.split[i])); });
      } else {
        clusterRecords.push({ amortized, actual, split: splitRecords });
      }
      const keyOfRecord = (r: AzRecord) => `${r.day}|${r.values.ServiceName ?? ''}|${r.values.Meter ?? ''}`;
      const billed = new Map(actual.map(r => [keyOfRecord(r), r.cost]));
      const amortizedKeys = new Set(amortized.map(keyOfRecord));
      // Charges with no amortised counterpart (a reservation purchase) still belong on the invoice.
      const actualOnly = actual.filter(r => !amortizedKeys.has(keyOfRecord(r))).map(r => ({ ...r, cost: 0, quantity: 0 }));
      let segRows = [...amortized, ...actualOnly].map(r => {
        const service = r.values.ServiceName ?? 'Unknown';
        const meter = r.values.Meter;
        const key = `${r.day}|${service === 'Unknown' ? '' : service}|${meter ?? ''}`;
        const vmSize = meter && /Virtual Machines/i.test(service) ? vmSizeOf(meter) : undefined;
        return dailyRow(r.day, {
          ProviderName: 'Microsoft Azure',
          BillingAccountId: scope,
          SubAccountId: scope.split('/')[1],
          ServiceName: service,
          ServiceCategory: azureServiceCategory(service),
          ...(meter ? { x_UsageType: meter } : {}),
          ...(vmSize ? { x_InstanceType: vmSize, PricingUnit: 'Hours', ConsumedUnit: 'Hours' } : {}),
          ConsumedQuantity: r.quantity,
          BilledCost: billed.get(key) ?? 0,
          EffectiveCost: r.cost,
          x_AmortizedCost: r.cost,
          BillingCurrency: r.currency,
          Tags: { ...seg.tags },
        });
      });
      splits.forEach((s, i) => {
        const shares = new Map<string, Share[]>();
        for (const rec of splitRecords[i]) {
          const value = s.groupings[0].type === 'TagKey' ? rec.values.TagValue : rec.values[s.groupings[0].name];
          addShare(shares, `${rec.day}|${rec.values[s.keyColumn] ?? ''}`, { value, cost: rec.cost, quantity: rec.quantity });
        }
        const keyOf = s.keyColumn === 'Meter'
          ? (r: FocusRow) => `${r.ChargePeriodStart.slice(0, 10)}|${r.x_UsageType ?? ''}`
          : (r: FocusRow) => `${r.ChargePeriodStart.slice(0, 10)}|${r.ServiceName === 'Unknown' ? '' : r.ServiceName}`;
        segRows = splitRows(segRows, keyOf, shares, s.apply);
      });
      rows.push(...segRows);
    }
  } catch (err) {
    throw describeAzureError(err, 'query');
  }

  let forecast: CostForecast | undefined;
  try {
    forecast = await azureForecast(client, scope, ctx);
    calls += 1;
  } catch (err) {
    ctx.log(`${AZURE_SOURCE}: no forecast: ${describeAzureError(err, 'forecast').message}`);
  }
  return { rows, forecast, calls };
}

/** `all − Σ parts` per (day, group values); near-zero remainders dropped. */
function subtract(all: AzRecord[], parts: AzRecord[][]): AzRecord[] {
  const keyOf = (r: AzRecord) => `${r.day}|${JSON.stringify(Object.entries(r.values).sort())}`;
  const acc = new Map<string, AzRecord>();
  for (const r of all) {
    const k = keyOf(r);
    const prev = acc.get(k);
    if (prev) { prev.cost += r.cost; prev.quantity += r.quantity; } else acc.set(k, { ...r, values: { ...r.values } });
  }
  for (const list of parts) {
    for (const r of list) {
      const k = keyOf(r);
      const prev = acc.get(k);
      if (prev) { prev.cost -= r.cost; prev.quantity -= r.quantity; } else acc.set(k, { ...r, values: { ...r.values }, cost: -r.cost, quantity: -r.quantity });
    }
  }
  return [...acc.values()].filter(r => Math.abs(r.cost) > 1e-9 || Math.abs(r.quantity) > 1e-9);
}

async function azureForecast(client: CostManagementClient, scope: string, ctx: BillingContext): Promise<CostForecast> {
  const start = ctx.window.end;
  const end = addDays(start, 30);
  const definition: ForecastDefinition = {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: new Date(`${start}T00:00:00Z`), to: new Date(`${addDays(end, -1)}T23:59:59Z`) },
    dataset: { granularity: 'Daily', aggregation: { totalCost: { name: 'Cost', function: 'Sum' } } },
    includeActualCost: false,
    includeFreshPartialCost: false,
  };
  const result = await ctx.retry(AZURE_SOURCE, 'forecast', () => client.forecast.usage(scope, definition), azureThrottleWait) as ResultPage;
  const records = parseQueryPage(result, 'forecast', []);
  const future = records.filter(r => r.values.CostStatus !== 'Actual');
  return {
    provider: 'Microsoft Azure',
    currency: future[0]?.currency ?? 'USD',
    periodStart: start,
    periodEnd: end,
    mean: future.reduce((s, r) => s + r.cost, 0),
    source: 'azure:forecast',
  };
}

/** "D8s v5" → "Standard_D8s_v5", "ND96isr MI300X v5" → "Standard_ND96isr_MI300X_v5" (spot / low-priority suffixes dropped). */
export function vmSizeOf(meter: string): string | undefined {
  const m = /^([A-Z]+\d+[a-z]*(?:\s+[A-Z][A-Z0-9]*\d[A-Z0-9]*)?(?:\s+v\d+)?)(?:\s+(?:Spot|Low Priority))?$/.exec(meter.trim());
  return m ? `Standard_${m[1].replace(/\s+/g, '_')}` : undefined;
}

function errorCode(body: string | undefined): string | undefined {
  try {
    return (JSON.parse(body ?? '') as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

function errorMessage(body: string | undefined): string {
  try {
    return (JSON.parse(body ?? '') as { error?: { message?: string } }).error?.message ?? 'request failed';
  } catch {
    return (body ?? 'request failed').slice(0, 200);
  }
}

function azureServiceCategory(service: string): string {
  if (/Virtual Machines|Kubernetes|Container|Functions|App Service/i.test(service)) return 'Compute';
  if (/Storage|Backup/i.test(service)) return 'Storage';
  if (/Database|SQL|Cosmos|Redis/i.test(service)) return 'Databases';
  if (/Bandwidth|Network|Load Balancer|Gateway|DNS|Front Door/i.test(service)) return 'Networking';
  if (/Machine Learning|Cognitive|OpenAI/i.test(service)) return 'AI and Machine Learning';
  return 'Other';
}
