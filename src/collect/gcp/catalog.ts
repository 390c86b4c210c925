// Google Cloud list prices from the Cloud Billing Catalog API (CloudCatalogClient.listSkus):
// per-vCPU, per-GiB and per-GPU hourly on-demand prices by region and machine family.
// Used to state the discount against list, and as the price when no billing export is configured.

import { CloudCatalogClient } from '@google-cloud/billing';
import type { GcpBillingConfig } from '../../config/types.ts';
import { BillingDataError, checkedNumber } from '../../cost/table.ts';
import { classifyGcpSku, type ListPrices } from '../../cost/unit-prices.ts';
import type { BillingContext } from '../billing.ts';
import { GCP_SOURCE } from '../billing-sources.ts';
import { gcpAuthClient, gcpThrottleWait, describeGcpError } from './common.ts';

export const COMPUTE_ENGINE_SERVICE = 'services/6F81-5844-456A';
export const KUBERNETES_ENGINE_SERVICE = 'services/CCD8-9BF1-090E';
const CATALOG_SOURCE = `${GCP_SOURCE}:catalog`;

export function catalogClient(config: GcpBillingConfig, env: NodeJS.ProcessEnv): CloudCatalogClient {
  const auth = gcpAuthClient(config, env);
  if (!config.apiEndpoint) return new CloudCatalogClient({ fallback: true, ...('getClient' in auth ? { auth } : { authClient: auth }) } as unknown as ConstructorParameters<typeof CloudCatalogClient>[0]);
  // gax builds `${protocol}://${host}:${port}/v1/...`: it takes no path prefix, so a replay server
  // must answer /v1/services/... at its root.
  const u = new URL(config.apiEndpoint.includes('://') ? config.apiEndpoint : `https://${config.apiEndpoint}`);
  return new CloudCatalogClient({
    fallback: true,
    apiEndpoint: u.hostname,
    port: Number(u.port || (u.protocol === 'http:' ? 80 : 443)),
    protocol: u.protocol.replace(':', ''),
    ...('getClient' in auth ? { auth } : { authClient: auth }),
  } as unknown as ConstructorParameters<typeof CloudCatalogClient>[0]);
}

interface RawSku {
  skuId?: string | null;
  description?: string | null;
  category?: { resourceFamily?: string | null; resourceGroup?: string | null; usageType?: string | null } | null;
  serviceRegions?: string[] | null;
  pricingInfo?: Array<{ pricingExpression?: { usageUnit?: string | null; tieredRates?: Array<{ startUsageAmount?: number | null; unitPrice?: { currencyCode?: string | null; units?: unknown; nanos?: unknown } | null }> | null } | null }> | null;
}

export async function listSkus(client: CloudCatalogClient, ctx: BillingContext, service: string): Promise<RawSku[]> {
  try {
    const [skus] = await ctx.retry(CATALOG_SOURCE, `listSkus ${service}`, () => client.listSkus({ parent: service }, { autoPaginate: true, retry: null } as never), gcpThrottleWait);
    return skus as RawSku[];
  } catch (err) {
    throw describeGcpError(err, CATALOG_SOURCE, `listSkus ${service}`);
  }
}

/** List prices per machine family in `region` from Compute Engine SKUs (on-demand only). */
export function listPricesFromSkus(skus: RawSku[], region: string, service = COMPUTE_ENGINE_SERVICE): ListPrices[] {
  const byFamily = new Map<string, { cpu?: number; ram?: number; skuIds: string[]; currency: string }>();
  const gpus: Record<string, number> = {};
  const gpuSkus: string[] = [];
  let currency = 'USD';
  skus.forEach((sku, i) => {
    const at = `listSkus ${service} skus[${i}]`;
    if (sku.category?.usageType !== 'OnDemand') return;
    if (!(sku.serviceRegions ?? []).includes(region)) return;
    const kind = classifyGcpSku(sku.description ?? '');
    if (!kind) return;
    const expr = sku.pricingInfo?.[0]?.pricingExpression;
    const unit = expr?.usageUnit;
    if (unit !== 'h' && unit !== 'GiBy.h') return;
    const rate = expr?.tieredRates?.[0]?.unitPrice;
    if (!rate) throw new BillingDataError(CATALOG_SOURCE, `${at}.pricingInfo[0].pricingExpression.tieredRates[0].unitPrice is missing`);
    const units = checkedNumber(CATALOG_SOURCE, `${at}.pricingInfo[0].pricingExpression.tieredRates[0].unitPrice.units`, rate.units ?? '0');
    const nanos = checkedNumber(CATALOG_SOURCE, `${at}.pricingInfo[0].pricingExpression.tieredRates[0].unitPrice.nanos`, rate.nanos ?? 0);
    const price = units + nanos / 1e9;
    currency = rate.currencyCode ?? currency;
    if (kind.kind === 'gpu') {
      gpus[kind.model] = price;
      gpuSkus.push(sku.skuId ?? '?');
      return;
    }
    const entry = byFamily.get(kind.family) ?? { skuIds: [], currency };
    entry[kind.kind] = price;
    entry.skuIds.push(sku.skuId ?? '?');
    byFamily.set(kind.family, entry);
  });
  const out: ListPrices[] = [];
  for (const [family, e] of byFamily) {
    if (e.cpu === undefined || e.ram === undefined) continue;
    out.push({
      cloud: 'gcp', region, family, currency: e.currency,
      perVcpuHour: e.cpu, perGibHour: e.ram, perGpuHour: { ...gpus },
      detail: `Cloud Billing Catalog on-demand SKUs ${[...e.skuIds, ...gpuSkus].join(', ')} (${region})`,
    });
  }
  return out;
}
