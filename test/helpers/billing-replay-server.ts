// Fake AWS Cost Explorer, Azure Cost Management and Google Cloud (Billing Catalog + BigQuery)
// backends for tests and for recording the demo fixtures. Each answers the real wire shapes
// (see ../shared/fixtures-reference/README.md) by aggregating line items, so any GroupBy, filter
// and page size can be asked of it. Scripted failures (throttling, auth, truncated or malformed
// bodies) are queued per backend.

import { startReplayServer, type ReplayHandler, type ReplayRequest, type ReplayResponse, type ReplayServer } from '../../src/demo/replay-server.ts';

export { startReplayServer, type ReplayHandler, type ReplayRequest, type ReplayResponse, type ReplayServer };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ReplayResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** A scripted answer that replaces the next matching request's real one. */
export interface Scripted {
  /** Only for requests whose target/path contains this text. */
  match?: string;
  response: ReplayResponse | ((real: ReplayResponse) => ReplayResponse);
}

function takeScripted(queue: Scripted[], key: string): Scripted | undefined {
  const i = queue.findIndex(s => !s.match || key.includes(s.match));
  return i >= 0 ? queue.splice(i, 1)[0] : undefined;
}

// ---------------------------------------------------------------------------
// AWS Cost Explorer.

export interface AwsLineItem {
  day: string;
  service: string;
  usageType: string;
  instanceType?: string;
  region: string;
  account: string;
  tags: Record<string, string>;
  unblended: number;
  amortized: number;
  netAmortized: number;
  quantity: number;
  unit: string;
}

interface CeExpression {
  And?: CeExpression[];
  Not?: CeExpression;
  Tags?: { Key: string; Values?: string[] };
  Dimensions?: { Key: string; Values?: string[] };
}

export interface AwsFake {
  handler: ReplayHandler;
  requests: Array<{ target: string; body: Record<string, unknown> }>;
  script: Scripted[];
}

export function awsFake(items: AwsLineItem[], options: { prefix?: string; pageSize?: number; accessKeyId?: string; forecast?: unknown } = {}): AwsFake {
  const prefix = options.prefix ?? '/aws';
  const pageSize = options.pageSize ?? 1000;
  const fake: AwsFake = { handler: () => undefined, requests: [], script: [] };
  const dimValue = (item: AwsLineItem, key: string): string => {
    switch (key) {
      case 'SERVICE': return item.service;
      case 'USAGE_TYPE': return item.usageType;
      case 'INSTANCE_TYPE': return item.instanceType ?? 'NoInstanceType';
      case 'REGION': return item.region;
      case 'LINKED_ACCOUNT': return item.account;
      default: throw new Error(`fake CE: dimension ${key}`);
    }
  };
  const matches = (item: AwsLineItem, e: CeExpression | undefined): boolean => {
    if (!e) return true;
    if (e.And) return e.And.every(x => matches(item, x));
    if (e.Not) return !matches(item, e.Not);
    if (e.Tags) return (e.Tags.Values ?? []).includes(item.tags[e.Tags.Key] ?? '');
    if (e.Dimensions) return (e.Dimensions.Values ?? []).includes(dimValue(item, e.Dimensions.Key));
    return true;
  };
  fake.handler = (req: ReplayRequest) => {
    if (!req.url.pathname.startsWith(prefix)) return undefined;
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = req.body ? JSON.parse(req.body) as Record<string, unknown> : {};
    fake.requests.push({ target, body });
    const auth = String(req.headers.authorization ?? '');
    let real: ReplayResponse;
    if (!auth.startsWith('AWS4-HMAC-SHA256') || (options.accessKeyId && !auth.includes(`Credential=${options.accessKeyId}/`))) {
      real = json(400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    } else if (target.endsWith('.GetCostAndUsage')) {
      real = json(200, costAndUsage(body));
    } else if (target.endsWith('.GetCostForecast')) {
      real = json(200, options.forecast ?? { Total: { Amount: '0', Unit: 'USD' }, ForecastResultsByTime: [] });
    } else {
      real = json(400, { __type: 'com.amazon.coral.validate#ValidationException', message: `fake CE does not know ${target}` });
    }
    const s = takeScripted(fake.script, target);
    if (!s) return real;
    return typeof s.response === 'function' ? s.response(real) : s.response;
  };
  function costAndUsage(body: Record<string, unknown>): unknown {
    const period = body.TimePeriod as { Start: string; End: string };
    const groupBy = (body.GroupBy ?? []) as Array<{ Type: string; Key: string }>;
    const metrics = body.Metrics as string[];
    const filter = body.Filter as CeExpression | undefined;
    const days = new Map<string, Map<string, AwsLineItem[]>>();
    for (const item of items) {
      if (item.day < period.Start || item.day >= period.End || !matches(item, filter)) continue;
      const keys = groupBy.map(g => (g.Type === 'TAG' ? `${g.Key}$${item.tags[g.Key] ?? ''}` : dimValue(item, g.Key)));
      const k = JSON.stringify(keys);
      const day = days.get(item.day) ?? new Map<string, AwsLineItem[]>();
      day.set(k, [...(day.get(k) ?? []), item]);
      days.set(item.day, day);
    }
    const metricOf = (list: AwsLineItem[], name: string) => {
      const sum = (f: (i: AwsLineItem) => number) => list.reduce((s, i) => s + f(i), 0);
      if (name === 'UsageQuantity') {
        const units = new Set(list.map(i => i.unit));
        return { Amount: String(round(sum(i => i.quantity))), Unit: units.size === 1 ? [...units][0] : 'N/A' };
      }
      const field = { UnblendedCost: 'unblended', AmortizedCost: 'amortized', NetAmortizedCost: 'netAmortized' }[name] as 'unblended' | 'amortized' | 'netAmortized';
      return { Amount: String(round(sum(i => i[field]))), Unit: 'USD' };
    };
    const results = [...days.keys()].sort().map(day => {
      const groups = [...days.get(day)!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, list]) => ({
        Keys: JSON.parse(k) as string[],
        Metrics: Object.fromEntries(metrics.map(m => [m, metricOf(list, m)])),
      }));
      return groupBy.length === 0
        ? { TimePeriod: { Start: day, End: nextDay(day) }, Total: Object.fromEntries(metrics.map(m => [m, metricOf([...days.get(day)!.values()].flat(), m)])), Groups: [], Estimated: false }
        : { TimePeriod: { Start: day, End: nextDay(day) }, Total: {}, Groups: groups, Estimated: false };
    });
    // Pages hold whole days, at most pageSize groups (at least one day).
    const start = body.NextPageToken ? Number(Buffer.from(String(body.NextPageToken), 'base64url').toString()) : 0;
    let end = start;
    let count = 0;
    while (end < results.length && (end === start || count + results[end].Groups.length <= pageSize)) {
      count += results[end].Groups.length;
      end += 1;
    }
    return {
      GroupDefinitions: groupBy,
      ResultsByTime: results.slice(start, end),
      DimensionValueAttributes: [],
      ...(end < results.length ? { NextPageToken: Buffer.from(String(end)).toString('base64url') } : {}),
    };
  }
  return fake;
}

// ---------------------------------------------------------------------------
// Azure Cost Management.

export interface AzureLineItem {
  day: string;
  serviceName: string;
  meter: string;
  meterCategory: string;
  resourceId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  actual: number;
  amortized: number;
  quantity: number;
}

interface AzFilter {
  and?: AzFilter[];
  or?: AzFilter[];
  tags?: { name: string; operator: string; values: string[] };
  dimensions?: { name: string; operator: string; values: string[] };
}

export interface AzureFake {
  handler: ReplayHandler;
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  script: Scripted[];
}

export function azureFake(items: AzureLineItem[], options: { prefix?: string; pageSize?: number; forecastRows?: Array<[number, number, string, string]>; rateLimitHeaders?: Record<string, string> } = {}): AzureFake {
  const prefix = options.prefix ?? '/azure';
  const pageSize = options.pageSize ?? 1000;
  const fake: AzureFake = { handler: () => undefined, requests: [], script: [] };
  const dim = (item: AzureLineItem, name: string): string => {
    switch (name) {
      case 'ServiceName': return item.serviceName;
      case 'Meter': return item.meter;
      case 'MeterCategory': return item.meterCategory;
      case 'ResourceId': return item.resourceId;
      case 'ResourceGroup': return item.resourceGroup;
      case 'ResourceLocation': return item.location;
      default: throw new Error(`fake Azure: dimension ${name}`);
    }
  };
  const matches = (item: AzureLineItem, f: AzFilter | undefined): boolean => {
    if (!f) return true;
    if (f.and) return f.and.every(x => matches(item, x));
    if (f.or) return f.or.some(x => matches(item, x));
    if (f.tags) return f.tags.values.includes(item.tags[f.tags.name] ?? '');
    if (f.dimensions) return f.dimensions.values.includes(dim(item, f.dimensions.name));
    return true;
  };
  fake.handler = (req: ReplayRequest) => {
    if (!req.url.pathname.startsWith(prefix)) return undefined;
    const path = req.url.pathname.slice(prefix.length);
    const body = req.body ? JSON.parse(req.body) as Record<string, unknown> : {};
    fake.requests.push({ path: path + req.url.search, body });
    let real: ReplayResponse;
    if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
      real = json(401, { error: { code: 'AuthenticationFailed', message: 'Authentication failed. The Authorization header is missing.' } });
    } else if (path.endsWith('/providers/Microsoft.CostManagement/query')) {
      real = json(200, query(path, body, req.url.searchParams.get('$skiptoken')), options.rateLimitHeaders);
    } else if (path.endsWith('/providers/Microsoft.CostManagement/forecast')) {
      real = json(200, resource(path, { nextLink: null, columns: [{ name: 'Cost', type: 'Number' }, { name: 'UsageDate', type: 'Number' }, { name: 'CostStatus', type: 'String' }, { name: 'Currency', type: 'String' }], rows: options.forecastRows ?? [] }));
    } else {
      real = json(404, { error: { code: 'NotFound', message: `fake Azure does not know ${path}` } });
    }
    const s = takeScripted(fake.script, path + req.url.search);
    if (!s) return real;
    return typeof s.response === 'function' ? s.response(real) : s.response;
  };
  function resource(path: string, properties: unknown) {
    const scope = path.replace(/^\//, '').replace(/\/providers\/Microsoft\.CostManagement\/.*$/, '');
    return { id: `${scope}/providers/Microsoft.CostManagement/query/00000000-0000-0000-0000-00000000demo`, name: '00000000-0000-0000-0000-00000000demo', type: 'Microsoft.CostManagement/query', location: null, sku: null, eTag: null, properties };
  }
  function query(path: string, body: Record<string, unknown>, skiptoken: string | null) {
    const type = body.type as string;
    const period = body.timePeriod as { from: string; to: string };
    const dataset = body.dataset as { grouping?: Array<{ type: string; name: string }>; filter?: AzFilter; aggregation: Record<string, { name: string }> };
    const grouping = dataset.grouping ?? [];
    const from = period.from.slice(0, 10);
    const to = period.to.slice(0, 10);
    const groups = new Map<string, AzureLineItem[]>();
    for (const item of items) {
      if (item.day < from || item.day > to || !matches(item, dataset.filter)) continue;
      const keys = grouping.flatMap(g => (g.type === 'TagKey' ? (item.tags[g.name] !== undefined ? [g.name, item.tags[g.name]] : ['', '']) : [dim(item, g.name)]));
      const k = JSON.stringify([item.day, ...keys]);
      groups.set(k, [...(groups.get(k) ?? []), item]);
    }
    const aggNames = Object.values(dataset.aggregation).map(a => a.name);
    const columns = [
      ...aggNames.map(name => ({ name, type: 'Number' })),
      { name: 'UsageDate', type: 'Number' },
      ...grouping.flatMap(g => (g.type === 'TagKey' ? [{ name: 'TagKey', type: 'String' }, { name: 'TagValue', type: 'String' }] : [{ name: g.name, type: 'String' }])),
      { name: 'Currency', type: 'String' },
    ];
    const rows = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, list]) => {
      const [day, ...keys] = JSON.parse(k) as string[];
      const cost = list.reduce((s, i) => s + (type === 'ActualCost' ? i.actual : i.amortized), 0);
      const qty = list.reduce((s, i) => s + i.quantity, 0);
      return [...aggNames.map(n => (n === 'UsageQuantity' ? round(qty) : round(cost))), Number(day.replaceAll('-', '')), ...keys, 'USD'];
    });
    const start = skiptoken ? Number(Buffer.from(skiptoken, 'base64url').toString()) : 0;
    const end = Math.min(rows.length, start + pageSize);
    const scope = path.replace(/\/providers\/Microsoft\.CostManagement\/.*$/, '');
    const nextLink = end < rows.length
      ? `https://management.azure.com${scope}/providers/Microsoft.CostManagement/query?api-version=2022-10-01&$skiptoken=${Buffer.from(String(end)).toString('base64url')}`
      : null;
    return resource(path, { nextLink, columns, rows: rows.slice(start, end) });
  }
  return fake;
}

// ---------------------------------------------------------------------------
// Google Cloud: Billing Catalog (REST fallback, answered at /v1/services/...) and BigQuery
// jobs.query / getQueryResults (under the apiEndpoint prefix).

export interface GcpExportRow {
  day: string;
  billing_account_id: string;
  project_id: string;
  service: string;
  sku_id: string;
  sku: string;
  region: string | null;
  machine_type: string | null;
  pricing_unit: string;
  currency: string;
  usage_amount: number;
  cost: number;
  cost_at_list: number;
  credits: number;
  discount_credits: number;
  labels: Array<{ key: string; value: string }>;
}

export const GCP_EXPORT_SCHEMA = [
  ['day', 'STRING'], ['billing_account_id', 'STRING'], ['project_id', 'STRING'], ['service', 'STRING'], ['sku_id', 'STRING'],
  ['sku', 'STRING'], ['region', 'STRING'], ['machine_type', 'STRING'], ['pricing_unit', 'STRING'], ['currency', 'STRING'],
  ['usage_amount', 'FLOAT'], ['cost', 'FLOAT'], ['cost_at_list', 'FLOAT'], ['credits', 'FLOAT'], ['discount_credits', 'FLOAT'], ['labels', 'STRING'],
] as const;

export interface GcpFake {
  handler: ReplayHandler;
  requests: Array<{ method: string; path: string; body: string }>;
  script: Scripted[];
}

export function gcpFake(rows: GcpExportRow[], skus: Record<string, unknown[]>, options: { prefix?: string; pageSize?: number; skuPageSize?: number; labelKeys?: string[] } = {}): GcpFake {
  const prefix = options.prefix ?? '/gcp';
  const pageSize = options.pageSize ?? 1000;
  const skuPageSize = options.skuPageSize ?? 1000;
  const fake: GcpFake = { handler: () => undefined, requests: [], script: [] };
  const toCells = (r: GcpExportRow) => ({
    f: GCP_EXPORT_SCHEMA.map(([name]) => {
      const v = r[name as keyof GcpExportRow];
      if (name === 'labels') return { v: JSON.stringify((v as GcpExportRow['labels']).filter(l => !options.labelKeys || options.labelKeys.includes(l.key)).sort((a, b) => (a.key < b.key ? -1 : 1))) };
      return { v: v === null ? null : String(v) };
    }),
  });
  const page = (jobId: string, start: number, selected: GcpExportRow[]) => {
    const end = Math.min(selected.length, start + pageSize);
    return {
      kind: 'bigquery#queryResponse',
      schema: { fields: GCP_EXPORT_SCHEMA.map(([name, type]) => ({ name, type, mode: 'NULLABLE' })) },
      jobReference: { projectId: 'demo-billing', jobId, location: 'EU' },
      totalRows: String(selected.length),
      rows: selected.slice(start, end).map(toCells),
      ...(end < selected.length ? { pageToken: Buffer.from(String(end)).toString('base64url') } : {}),
      totalBytesProcessed: '1048576',
      jobComplete: true,
      cacheHit: false,
    };
  };
  let window = { start: '0000-00-00', end: '9999-99-99' };
  let jobs = 0;
  const selected = () => rows.filter(r => r.day >= window.start && r.day < window.end);
  fake.handler = (req: ReplayRequest) => {
    const path = req.url.pathname;
    let real: ReplayResponse | undefined;
    const skuPath = /^\/v1\/(services\/[^/]+)\/skus$/.exec(path);
    if (skuPath) {
      const list = skus[skuPath[1]] ?? [];
      const start = req.url.searchParams.get('pageToken') ? Number(req.url.searchParams.get('pageToken')) : 0;
      const end = Math.min(list.length, start + skuPageSize);
      real = json(200, { skus: list.slice(start, end), nextPageToken: end < list.length ? String(end) : '' });
    } else if (path.startsWith(`${prefix}/bigquery/v2/projects/`)) {
      const queries = /\/projects\/([^/]+)\/queries(?:\/([^/]+))?$/.exec(path);
      if (req.method === 'POST' && queries && !queries[2]) {
        const body = JSON.parse(req.body) as { queryParameters?: Array<{ name: string; parameterValue: { value?: string } }> };
        const param = (name: string) => body.queryParameters?.find(p => p.name === name)?.parameterValue.value;
        window = { start: param('start') ?? window.start, end: param('end') ?? window.end };
        // Each query is a job of its own, as in BigQuery: the pages of a later query never share the first one's path.
        jobs++;
        real = json(200, page(jobs === 1 ? 'job_rightsizer_demo' : `job_rightsizer_demo_${jobs}`, 0, selected()));
      } else if (req.method === 'GET' && queries?.[2]) {
        const token = req.url.searchParams.get('pageToken');
        real = json(200, page(queries[2], token ? Number(Buffer.from(token, 'base64url').toString()) : 0, selected()));
      }
    }
    if (!real) return undefined;
    if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
      real = json(401, { error: { code: 401, message: 'Request is missing required authentication credential.', status: 'UNAUTHENTICATED' } });
    }
    fake.requests.push({ method: req.method, path: path + req.url.search, body: req.body });
    const s = takeScripted(fake.script, path);
    if (!s) return real;
    return typeof s.response === 'function' ? s.response(real) : s.response;
  };
  return fake;
}

/** A Cloud Billing Catalog SKU in REST JSON (units a string, nanos a number). */
export function catalogSku(service: string, skuId: string, description: string, resourceGroup: string, regions: string[], usageUnit: 'h' | 'GiBy.h', price: number, usageType = 'OnDemand'): unknown {
  const units = Math.floor(price);
  return {
    name: `${service}/skus/${skuId}`,
    skuId,
    description,
    category: { serviceDisplayName: 'Compute Engine', resourceFamily: 'Compute', resourceGroup, usageType },
    serviceRegions: regions,
    pricingInfo: [{
      summary: '',
      pricingExpression: {
        usageUnit,
        displayQuantity: 1,
        tieredRates: [{ startUsageAmount: 0, unitPrice: { currencyCode: 'USD', units: String(units), nanos: Math.round((price - units) * 1e9) } }],
        usageUnitDescription: usageUnit === 'h' ? 'hour' : 'gibibyte hour',
        baseUnit: usageUnit === 'h' ? 's' : 'By.s',
        baseUnitDescription: usageUnit === 'h' ? 'second' : 'byte second',
        baseUnitConversionFactor: usageUnit === 'h' ? 3600 : 3865470566400,
      },
      currencyConversionRate: 1,
      effectiveTime: '2026-11-01T05:03:22.514Z',
    }],
    serviceProviderName: 'Google',
    geoTaxonomy: { type: 'REGIONAL', regions },
  };
}

export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function daysOf(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d < end; d = nextDay(d)) out.push(d);
  return out;
}

function round(n: number): number {
  return Number(n.toFixed(10));
}
