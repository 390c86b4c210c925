// AWS Cost Explorer → FOCUS rows.
//
// Cost Explorer returns at most two GroupBy dimensions per GetCostAndUsage call. We hold one table
// without double counting by taking, per segment (each cluster's cost-allocation tag value, and
// everything else), a primary breakdown by SERVICE × USAGE_TYPE and refining it with the shares
// of other breakdowns that share a key with it (see splitRows in src/cost/table.ts):
//   USAGE_TYPE → INSTANCE_TYPE, REGION, node group tag;  SERVICE → LINKED_ACCOUNT, team tags.
// Costs: BilledCost = UnblendedCost, EffectiveCost = NetAmortizedCost (reservations, savings
// plans and discounts netted, upfront fees spread), x_AmortizedCost = AmortizedCost.

import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type Expression,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  type GroupDefinition,
} from '@aws-sdk/client-cost-explorer';
import type { AwsBillingConfig, ClusterConfig } from '../../config/types.ts';
import type { CostForecast } from '../../snapshot/types.ts';
import type { FocusRow } from '../../cost/focus.ts';
import {
  BillingDataError, addDays, addShare, checkedDay, checkedNumber, dailyRow, splitRows, type Share,
} from '../../cost/table.ts';
import type { BillingContext } from '../billing.ts';
import { AWS_SOURCE } from '../billing-sources.ts';

const METRICS = ['UnblendedCost', 'AmortizedCost', 'NetAmortizedCost', 'UsageQuantity'] as const;
/** The tag EKS managed node groups put on their instances. */
export const EKS_NODEGROUP_TAG = 'eks:nodegroup-name';
/** CE's placeholder values for "this dimension does not apply". */
const NO_VALUE = new Set(['NoInstanceType', 'NoRegion', 'NoResourceId', 'NoUsageType', 'NoLinkedAccount', '']);

export interface AwsCollectResult {
  rows: FocusRow[];
  forecast?: CostForecast;
  calls: number;
}

export function awsClient(config: AwsBillingConfig, env: NodeJS.ProcessEnv = process.env): CostExplorerClient {
  const credentials = staticCredentials(config, env);
  return new CostExplorerClient({
    region: config.region ?? 'us-east-1',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    // Our own retry loop handles throttling so the wait is visible and testable.
    maxAttempts: 1,
  });
}

function staticCredentials(config: AwsBillingConfig, env: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (!config.accessKeyIdEnv && !config.secretAccessKeyEnv) return undefined; // standard AWS chain
  if (!config.accessKeyIdEnv || !config.secretAccessKeyEnv) {
    throw new BillingDataError(AWS_SOURCE, 'billing.aws needs both accessKeyIdEnv and secretAccessKeyEnv, or neither (standard AWS credential chain)');
  }
  const accessKeyId = env[config.accessKeyIdEnv];
  const secretAccessKey = env[config.secretAccessKeyEnv];
  for (const [name, value] of [[config.accessKeyIdEnv, accessKeyId], [config.secretAccessKeyEnv, secretAccessKey]] as const) {
    if (!value) throw new BillingDataError(AWS_SOURCE, `environment variable ${name} (named by billing.aws) is not set`);
  }
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! };
}

interface Segment {
  /** Tags every row of the segment carries (the cluster tag), empty for "everything else". */
  tags: Record<string, string>;
  filter?: Expression;
  cluster?: string;
}

function segments(clusters: ClusterConfig[], config: AwsBillingConfig): Segment[] {
  const tagged = clusters
    .map(c => ({ cluster: c.name, key: c.billingTag?.key ?? config.clusterTagKey, value: c.billingTag?.value ?? c.name }))
    .filter((c): c is { cluster: string; key: string; value: string } => Boolean(c.key));
  if (tagged.length === 0) return [{ tags: {} }];
  const out: Segment[] = tagged.map(t => ({
    cluster: t.cluster,
    tags: { [t.key]: t.value },
    filter: { Tags: { Key: t.key, Values: [t.value], MatchOptions: ['EQUALS'] } },
  }));
  const byKey = new Map<string, string[]>();
  for (const t of tagged) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t.value]);
  const nots: Expression[] = [...byKey].map(([Key, Values]) => ({ Not: { Tags: { Key, Values, MatchOptions: ['EQUALS'] } } }));
  out.push({ tags: {}, filter: nots.length === 1 ? nots[0] : { And: nots } });
  return out;
}

/** One group of one day, metrics parsed and checked. */
interface CeGroup {
  day: string;
  keys: Array<string | undefined>;
  unblended: number;
  amortized: number;
  netAmortized: number;
  quantity: number;
  quantityUnit?: string;
  currency: string;
}

export async function collectAws(config: AwsBillingConfig, ctx: BillingContext): Promise<AwsCollectResult> {
  const client = awsClient(config, ctx.env);
  let calls = 0;
  const query = async (groupBy: GroupDefinition[], filter: Expression | undefined): Promise<CeGroup[]> => {
    const { groups, pages } = await getCostAndUsage(client, ctx, {
      TimePeriod: { Start: ctx.window.start, End: ctx.window.end },
      Granularity: 'DAILY',
      Metrics: [...METRICS],
      GroupBy: groupBy,
      ...(filter ? { Filter: filter } : {}),
    });
    calls += pages;
    return groups;
  };
  const dim = (Key: string): GroupDefinition => ({ Type: 'DIMENSION', Key });
  const tag = (Key: string): GroupDefinition => ({ Type: 'TAG', Key });

  const rows: FocusRow[] = [];
  try {
    for (const seg of segments(ctx.clusters, config)) {
      const primary = await query([dim('SERVICE'), dim('USAGE_TYPE')], seg.filter);
      let segRows = primary.map(g => dailyRow(g.day, {
        ProviderName: 'AWS',
        BillingAccountId: 'aws',
        ServiceName: g.keys[0] ?? 'Unknown',
        ServiceCategory: serviceCategory(g.keys[0] ?? ''),
        x_UsageType: g.keys[1],
        ConsumedQuantity: g.quantity,
        ...(g.quantityUnit && g.quantityUnit !== 'N/A' ? { ConsumedUnit: g.quantityUnit, PricingUnit: g.quantityUnit } : {}),
        BilledCost: g.unblended,
        EffectiveCost: g.netAmortized,
        x_AmortizedCost: g.amortized,
        BillingCurrency: g.currency,
        Tags: { ...seg.tags },
      }));
      const byUsageType = (r: FocusRow) => `${r.ChargePeriodStart.slice(0, 10)}|${r.x_UsageType ?? ''}`;
      const byService = (r: FocusRow) => `${r.ChargePeriodStart.slice(0, 10)}|${r.ServiceName}`;
      const refine = async (groupBy: GroupDefinition[], keyOf: (r: FocusRow) => string, apply: (r: FocusRow, v: string | undefined) => FocusRow) => {
        const groups = await query(groupBy, seg.filter);
        segRows = splitRows(segRows, keyOf, shareMap(groups), apply);
      };
      await refine([dim('INSTANCE_TYPE'), dim('USAGE_TYPE')], byUsageType, (r, v) => (v ? { ...r, x_InstanceType: v } : r));
      await refine([dim('REGION'), dim('USAGE_TYPE')], byUsageType, (r, v) => (v ? { ...r, RegionId: v } : r));
      await refine([dim('LINKED_ACCOUNT'), dim('SERVICE')], byService, (r, v) => (v ? { ...r, BillingAccountId: v, SubAccountId: v } : r));
      for (const key of ctx.allocationTags) {
        await refine([tag(key), dim('SERVICE')], byService, (r, v) => (v ? { ...r, Tags: { ...r.Tags, [key]: v } } : r));
      }
      if (seg.cluster) {
        await refine([tag(EKS_NODEGROUP_TAG), dim('USAGE_TYPE')], byUsageType, (r, v) => (v ? { ...r, Tags: { ...r.Tags, [EKS_NODEGROUP_TAG]: v } } : r));
      }
      rows.push(...segRows);
    }
  } catch (err) {
    throw describeAwsError(err, 'GetCostAndUsage');
  }

  let forecast: CostForecast | undefined;
  try {
    forecast = await getForecast(client, ctx);
    calls += 1;
  } catch (err) {
    const e = describeAwsError(err, 'GetCostForecast');
    ctx.log(`${AWS_SOURCE}: no forecast: ${e.message}`);
  }
  return { rows, forecast, calls };
}

function shareMap(groups: CeGroup[]): Map<string, Share[]> {
  const shares = new Map<string, Share[]>();
  for (const g of groups) addShare(shares, `${g.day}|${g.keys[1] ?? ''}`, { value: g.keys[0], cost: g.netAmortized, quantity: g.quantity });
  return shares;
}

/** GetCostAndUsage with NextPageToken paging; every amount checked. */
export async function getCostAndUsage(
  client: CostExplorerClient,
  ctx: BillingContext,
  input: GetCostAndUsageCommandInput,
): Promise<{ groups: CeGroup[]; pages: number }> {
  const groups: CeGroup[] = [];
  let token: string | undefined;
  let page = 0;
  do {
    page += 1;
    const out: GetCostAndUsageCommandOutput = await ctx.retry(AWS_SOURCE, 'GetCostAndUsage', () =>
      client.send(new GetCostAndUsageCommand({ ...input, ...(token ? { NextPageToken: token } : {}) })), awsThrottleWait);
    groups.push(...parseCostAndUsage(out, page, input.GroupBy?.length ?? 0));
    token = out.NextPageToken || undefined;
    if (page > 10_000) throw new BillingDataError(AWS_SOURCE, 'GetCostAndUsage kept returning NextPageToken after 10000 pages');
  } while (token);
  return { groups, pages: page };
}

/** Checks one GetCostAndUsage page and flattens it to daily groups. */
export function parseCostAndUsage(out: GetCostAndUsageCommandOutput, page: number, groupByCount: number): CeGroup[] {
  const where = page > 1 ? `GetCostAndUsage (page ${page})` : 'GetCostAndUsage';
  const results = out.ResultsByTime;
  if (!Array.isArray(results)) throw new BillingDataError(AWS_SOURCE, `${where} ResultsByTime is missing (truncated response?)`);
  const groups: CeGroup[] = [];
  results.forEach((result, i) => {
    const at = `${where} ResultsByTime[${i}]`;
    const day = checkedDay(AWS_SOURCE, `${at}.TimePeriod.Start`, result.TimePeriod?.Start);
    const entries = groupByCount === 0
      ? [{ keys: [] as string[], metrics: result.Total, field: `${at}.Total` }]
      : (result.Groups ?? []).map((g, j) => ({ keys: g.Keys ?? [], metrics: g.Metrics, field: `${at}.Groups[${j}]` }));
    for (const entry of entries) {
      if (entry.keys.length !== groupByCount) {
        throw new BillingDataError(AWS_SOURCE, `${entry.field}.Keys has ${entry.keys.length} values, expected ${groupByCount}`);
      }
      const metric = (name: string) => {
        const m = entry.metrics?.[name];
        if (!m) throw new BillingDataError(AWS_SOURCE, `${entry.field}.Metrics.${name} is missing`);
        return { amount: checkedNumber(AWS_SOURCE, `${entry.field}.Metrics.${name}.Amount`, m.Amount), unit: m.Unit };
      };
      const unblended = metric('UnblendedCost');
      const quantity = metric('UsageQuantity');
      groups.push({
        day,
        keys: entry.keys.map(keyValue),
        unblended: unblended.amount,
        amortized: metric('AmortizedCost').amount,
        netAmortized: metric('NetAmortizedCost').amount,
        quantity: quantity.amount,
        quantityUnit: quantity.unit,
        currency: unblended.unit ?? 'USD',
      });
    }
  });
  return groups;
}

/** CE keys: dimension values as-is (placeholders → undefined); tags as `Key$value` (`Key$` = untagged). */
function keyValue(key: string): string | undefined {
  const dollar = key.indexOf('$');
  const value = dollar >= 0 ? key.slice(dollar + 1) : key;
  return NO_VALUE.has(value) ? undefined : value;
}

async function getForecast(client: CostExplorerClient, ctx: BillingContext): Promise<CostForecast> {
  const start = ctx.window.end;
  const end = addDays(start, 30);
  const out = await ctx.retry(AWS_SOURCE, 'GetCostForecast', () => client.send(new GetCostForecastCommand({
    TimePeriod: { Start: start, End: end },
    Metric: 'NET_AMORTIZED_COST',
    Granularity: 'MONTHLY',
    PredictionIntervalLevel: 80,
  })), awsThrottleWait);
  const mean = checkedNumber(AWS_SOURCE, 'GetCostForecast Total.Amount', out.Total?.Amount);
  let low = 0;
  let high = 0;
  let bounds = true;
  (out.ForecastResultsByTime ?? []).forEach((r, i) => {
    if (r.PredictionIntervalLowerBound === undefined || r.PredictionIntervalUpperBound === undefined) { bounds = false; return; }
    low += checkedNumber(AWS_SOURCE, `GetCostForecast ForecastResultsByTime[${i}].PredictionIntervalLowerBound`, r.PredictionIntervalLowerBound);
    high += checkedNumber(AWS_SOURCE, `GetCostForecast ForecastResultsByTime[${i}].PredictionIntervalUpperBound`, r.PredictionIntervalUpperBound);
  });
  return {
    provider: 'AWS',
    currency: out.Total?.Unit ?? 'USD',
    periodStart: start,
    periodEnd: end,
    mean,
    ...(bounds && (out.ForecastResultsByTime ?? []).length > 0 ? { low, high } : {}),
    source: 'aws:GetCostForecast',
  };
}

/** Seconds to wait before retrying, or undefined when the error is not throttling. */
export function awsThrottleWait(err: unknown, attempt: number): number | undefined {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string> } };
  const throttled = e?.name === 'LimitExceededException' || e?.name === 'ThrottlingException' || e?.name === 'TooManyRequestsException'
    || e?.$metadata?.httpStatusCode === 429 || e?.$metadata?.httpStatusCode === 503;
  if (!throttled) return undefined;
  const retryAfter = Number(e.$response?.headers?.['retry-after']);
  return Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : Math.min(2 ** (attempt - 1), 30);
}

/** An SDK error turned into one line naming the source and the operation; secrets never included. */
export function describeAwsError(err: unknown, operation: string): Error {
  if (err instanceof BillingDataError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { body?: unknown } };
  const status = e?.$metadata?.httpStatusCode;
  if (e instanceof SyntaxError || e?.name === 'SyntaxError' || /Unexpected end of JSON|Unterminated string|is not valid JSON|JSON at position/i.test(e?.message ?? '')) {
    return new BillingDataError(AWS_SOURCE, `${operation} response is not valid JSON (truncated?): ${e.message}`);
  }
  const auth = ['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId', 'CredentialsProviderError'];
  const hint = auth.includes(e?.name ?? '') || status === 401 || status === 403
    ? ' (check the credentials named by billing.aws and the ce:GetCostAndUsage permission)' : '';
  return new BillingDataError(AWS_SOURCE, `${operation} failed${status ? ` (HTTP ${status})` : ''}: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${hint}`);
}

function serviceCategory(service: string): string {
  if (/Elastic Compute Cloud - Compute|Kubernetes|Lambda|Fargate|Container/i.test(service)) return 'Compute';
  if (/Storage|S3|EBS|EC2 - Other|Backup/i.test(service)) return 'Storage';
  if (/Database|RDS|DynamoDB|ElastiCache/i.test(service)) return 'Databases';
  if (/Transfer|CloudFront|VPC|Route 53|Load Balanc|Network/i.test(service)) return 'Networking';
  if (/SageMaker|Bedrock/i.test(service)) return 'AI and Machine Learning';
  return 'Other';
}
