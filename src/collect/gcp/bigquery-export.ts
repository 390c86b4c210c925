// Google Cloud actual spend from the standard Cloud Billing export to BigQuery
// (table gcp_billing_export_v1_<ACCOUNT>), read with @google-cloud/bigquery.
// Google bills instance cores, RAM and GPUs as separate SKUs, so the export already gives the
// effective price of each resource; committed-use and sustained-use discounts arrive as credits.

import { BigQuery } from '@google-cloud/bigquery';
import type { GcpBillingConfig } from '../../config/types.ts';
import type { FocusRow } from '../../cost/focus.ts';
import { BillingDataError, checkedDay, checkedNumber, dailyRow } from '../../cost/table.ts';
import type { BillingContext } from '../billing.ts';
import { GCP_SOURCE } from '../billing-sources.ts';
import { gcpAuthClient, gcpThrottleWait, describeGcpError } from './common.ts';

/** Label GKE cost allocation puts on node costs. */
export const GKE_NODE_POOL_LABEL = 'goog-k8s-node-pool-name';
export const GKE_CLUSTER_LABEL = 'goog-k8s-cluster-name';

/** The columns our query returns, in order (rows are read positionally, unparsed, and checked here). */
export const EXPORT_COLUMNS = [
  'day', 'billing_account_id', 'project_id', 'service', 'sku_id', 'sku', 'region', 'machine_type',
  'pricing_unit', 'currency', 'usage_amount', 'cost', 'cost_at_list', 'credits', 'discount_credits', 'labels',
] as const;

const TABLE_NAME = /^[A-Za-z0-9_.:-]+\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/;

/** The SQL (parameters @start, @end, @label_keys) over the standard export. */
export function exportQuery(table: string): string {
  if (!TABLE_NAME.test(table)) throw new BillingDataError(GCP_SOURCE, `billing.gcp.bigqueryTable "${table}" is not project.dataset.table`);
  return [
    'SELECT',
    "  FORMAT_DATE('%F', DATE(usage_start_time)) AS day, billing_account_id, project.id AS project_id,",
    '  service.description AS service, sku.id AS sku_id, sku.description AS sku, location.region AS region,',
    "  (SELECT value FROM UNNEST(system_labels) WHERE key = 'compute.googleapis.com/machine_spec') AS machine_type,",
    '  usage.pricing_unit AS pricing_unit, currency,',
    '  SUM(usage.amount_in_pricing_units) AS usage_amount, SUM(cost) AS cost, SUM(IFNULL(cost_at_list, cost)) AS cost_at_list,',
    '  SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) c), 0)) AS credits,',
    "  SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) c WHERE c.type != 'PROMOTION'), 0)) AS discount_credits,",
    "  TO_JSON_STRING(ARRAY(SELECT AS STRUCT l.key, l.value FROM UNNEST(labels) l WHERE l.key IN UNNEST(@label_keys) ORDER BY l.key)) AS labels",
    `FROM \`${table}\``,
    'WHERE usage_start_time >= TIMESTAMP(@start) AND usage_start_time < TIMESTAMP(@end)',
    '  AND _PARTITIONTIME >= TIMESTAMP_SUB(TIMESTAMP(@start), INTERVAL 1 DAY)',
    'GROUP BY day, billing_account_id, project_id, service, sku_id, sku, region, machine_type, pricing_unit, currency, labels',
    'ORDER BY day, project_id, service, sku_id',
  ].join('\n');
}

export interface ExportResult {
  rows: FocusRow[];
  calls: number;
}

export async function readBillingExport(config: GcpBillingConfig, ctx: BillingContext): Promise<ExportResult> {
  const table = config.bigqueryTable!;
  const query = exportQuery(table);
  const projectId = table.split('.')[0].split(':').pop()!;
  const labelKeys = [...new Set([
    config.clusterLabelKey ?? GKE_CLUSTER_LABEL,
    ...ctx.clusters.map(c => c.billingTag?.key).filter((k): k is string => Boolean(k)),
    GKE_NODE_POOL_LABEL,
    ...ctx.allocationTags,
  ])];
  const bq = new BigQuery({
    projectId,
    ...(config.apiEndpoint ? { apiEndpoint: config.apiEndpoint.replace(/\/+$/, '') } : {}),
    authClient: gcpAuthClient(config, ctx.env),
    autoRetry: false,
  } as ConstructorParameters<typeof BigQuery>[0]);
  let raw: unknown[];
  try {
    [raw] = await ctx.retry(GCP_SOURCE, 'BigQuery jobs.query', () => bq.query({
      query,
      params: { start: ctx.window.start, end: ctx.window.end, label_keys: labelKeys },
      types: { label_keys: ['STRING'] },
      skipParsing: true,
    }), gcpThrottleWait) as unknown as [unknown[]];
  } catch (err) {
    throw describeGcpError(err, GCP_SOURCE, `BigQuery query on ${table}`);
  }
  return { rows: parseExportRows(raw, table), calls: 1 };
}

/** Checks raw BigQuery rows (`{f: [{v}]}`) and turns them into FOCUS rows. */
export function parseExportRows(raw: unknown[], table: string): FocusRow[] {
  if (!Array.isArray(raw)) throw new BillingDataError(GCP_SOURCE, `BigQuery result for ${table} has no rows array`);
  return raw.map((r, i) => {
    const cells = (r as { f?: Array<{ v?: unknown }> })?.f;
    const at = `BigQuery ${table} rows[${i}]`;
    if (!Array.isArray(cells) || cells.length !== EXPORT_COLUMNS.length) {
      throw new BillingDataError(GCP_SOURCE, `${at} has ${Array.isArray(cells) ? cells.length : 'no'} cells, expected ${EXPORT_COLUMNS.length} (${EXPORT_COLUMNS.join(', ')})`);
    }
    const v = Object.fromEntries(EXPORT_COLUMNS.map((c, j) => [c, cells[j]?.v ?? undefined])) as Record<(typeof EXPORT_COLUMNS)[number], unknown>;
    const num = (c: (typeof EXPORT_COLUMNS)[number]) => checkedNumber(GCP_SOURCE, `${at}.${c}`, v[c]);
    const str = (c: (typeof EXPORT_COLUMNS)[number]) => (typeof v[c] === 'string' && v[c] !== '' ? (v[c] as string) : undefined);
    const cost = num('cost');
    const credits = num('credits');
    const discount = num('discount_credits');
    const tags: Record<string, string> = {};
    if (typeof v.labels === 'string' && v.labels !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v.labels);
      } catch {
        throw new BillingDataError(GCP_SOURCE, `${at}.labels is not JSON: ${JSON.stringify(v.labels.slice(0, 80))}`);
      }
      if (!Array.isArray(parsed)) throw new BillingDataError(GCP_SOURCE, `${at}.labels is not an array`);
      for (const l of parsed as Array<{ key?: unknown; value?: unknown }>) {
        if (typeof l?.key === 'string' && typeof l.value === 'string') tags[l.key] = l.value;
      }
    }
    const service = str('service') ?? 'Unknown';
    const unit = str('pricing_unit');
    return dailyRow(checkedDay(GCP_SOURCE, `${at}.day`, v.day), {
      ProviderName: 'Google Cloud',
      BillingAccountId: str('billing_account_id') ?? 'unknown',
      ...(str('project_id') ? { SubAccountId: str('project_id') } : {}),
      ServiceName: service,
      ServiceCategory: gcpServiceCategory(service),
      ...(str('region') ? { RegionId: str('region') } : {}),
      ...(str('sku_id') ? { SkuId: str('sku_id') } : {}),
      ...(unit ? { PricingUnit: unit, ConsumedUnit: unit } : {}),
      ConsumedQuantity: num('usage_amount'),
      ListCost: num('cost_at_list'),
      BilledCost: cost + credits,
      EffectiveCost: cost + discount,
      x_Credits: discount,
      BillingCurrency: str('currency') ?? 'USD',
      Tags: tags,
      ...(str('machine_type') ? { x_InstanceType: str('machine_type') } : {}),
      ...(str('sku') ? { x_UsageType: str('sku') } : {}),
    });
  });
}

function gcpServiceCategory(service: string): string {
  if (/Compute Engine|Kubernetes|Cloud Run|Functions/i.test(service)) return 'Compute';
  if (/Storage|Filestore/i.test(service)) return 'Storage';
  if (/SQL|Spanner|Bigtable|Firestore|Memorystore/i.test(service)) return 'Databases';
  if (/Networking|Load Balancing|CDN|DNS/i.test(service)) return 'Networking';
  if (/BigQuery|Dataflow|Dataproc|Pub\/Sub/i.test(service)) return 'Analytics';
  if (/Vertex|AI Platform/i.test(service)) return 'AI and Machine Learning';
  return 'Other';
}
