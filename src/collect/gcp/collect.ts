// Google Cloud billing: actual spend from the BigQuery billing export, list prices from the
// Cloud Billing Catalog. Either can fail alone; the caller reports each as its own source.

import type { GcpBillingConfig } from '../../config/types.ts';
import type { FocusRow } from '../../cost/focus.ts';
import type { ListPrices } from '../../cost/unit-prices.ts';
import type { BillingContext } from '../billing.ts';
import { readBillingExport } from './bigquery-export.ts';
import { catalogClient, listPricesFromSkus, listSkus, COMPUTE_ENGINE_SERVICE } from './catalog.ts';


export interface GcpCollectResult {
  rows: FocusRow[];
  listPrices: ListPrices[];
  calls: number;
  exportError?: unknown;
  catalogError?: unknown;
  /** SKUs read from the catalog; undefined when the catalog was not asked. */
  catalogSkus?: number;
}

export async function collectGcp(config: GcpBillingConfig, ctx: BillingContext): Promise<GcpCollectResult> {
  const result: GcpCollectResult = { rows: [], listPrices: [], calls: 0 };
  const exportRun = (async () => {
    if (!config.bigqueryTable) {
      ctx.log('billing:gcp: no bigqueryTable configured; Google Cloud clusters are priced from list prices');
      return;
    }
    try {
      const r = await readBillingExport(config, ctx);
      result.rows = r.rows;
      result.calls += r.calls;
    } catch (err) {
      result.exportError = err;
    }
  })();
  const regions = [...new Set(ctx.clusters.map(c => c.region).filter((r): r is string => Boolean(r)))];
  const catalogRun = (async () => {
    if (regions.length === 0) return;
    try {
      const client = catalogClient(config, ctx.env);
      try {
        const skus = await listSkus(client, ctx, COMPUTE_ENGINE_SERVICE);
        result.calls += 1;
        result.catalogSkus = skus.length;
        for (const region of regions) result.listPrices.push(...listPricesFromSkus(skus, region));
      } finally {
        await client.close();
      }
    } catch (err) {
      result.catalogError = err;
    }
  })();
  await Promise.all([exportRun, catalogRun]);
  return result;
}
