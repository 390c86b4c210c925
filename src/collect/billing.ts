// Billing from every configured cloud → one FOCUS cost table, unit prices and forecasts.
// One cloud failing does not stop the others: its SourceStatus says what went wrong.

import type { BillingConfig, ClusterConfig } from '../config/types.ts';
import type { UnitPrice } from '../core/types.ts';
import type { FocusRow } from '../cost/focus.ts';
import type { CostForecast, SourceStatus } from '../snapshot/types.ts';
import { BillingDataError } from '../cost/table.ts';
import { unitPrices, type ListPrices } from '../cost/unit-prices.ts';
import { AWS_SOURCE, AZURE_SOURCE, GCP_SOURCE } from './billing-sources.ts';
import type { collectAws } from './aws/cost-explorer.ts';
import type { collectGcp } from './gcp/collect.ts';
import type { collectAzure } from './azure/cost-management.ts';

// The clouds' SDKs take a third of a second to load: only a run that reads a bill loads them
// (a `pr --plan`, `verify` or `review` never does), and only the clouds it reads.
const loadAws = async (): Promise<typeof collectAws> => (await import('./aws/cost-explorer.ts')).collectAws;
const loadGcp = async (): Promise<typeof collectGcp> => (await import('./gcp/collect.ts')).collectGcp;
const loadAzure = async (): Promise<typeof collectAzure> => (await import('./azure/cost-management.ts')).collectAzure;

/** Tag / label keys whose values the cost table keeps (spend by team). */
export const DEFAULT_ALLOCATION_TAGS = ['team'];

export interface BillingOptions {
  log?: (line: string) => void;
  /** Environment to read the `*Env` credentials from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Waits between retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request when throttled (default 5). */
  maxAttempts?: number;
  /** Longest single wait a rate-limit header may ask for before we give up, seconds (default 120). */
  maxWaitSeconds?: number;
  allocationTags?: string[];
}

/** What each cloud collector gets: the window, its clusters, and the shared retry loop. */
export interface BillingContext {
  window: { start: string; end: string };
  clusters: ClusterConfig[];
  env: NodeJS.ProcessEnv;
  allocationTags: string[];
  log: (line: string) => void;
  /**
   * Runs `fn`, retrying while `throttleWait` says the error is throttling (it returns the seconds
   * to wait, or undefined for a real failure).
   */
  retry<T>(source: string, operation: string, fn: () => Promise<T>, throttleWait: (err: unknown, attempt: number) => number | undefined): Promise<T>;
}

export interface BillingResult {
  rows: FocusRow[];
  prices: UnitPrice[];
  forecasts: CostForecast[];
  sources: SourceStatus[];
}

export async function collectBilling(
  config: BillingConfig,
  clusters: ClusterConfig[],
  window: { start: string; end: string },
  options: BillingOptions = {},
): Promise<BillingResult> {
  for (const [name, day] of Object.entries(window)) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new BillingDataError('billing', `window.${name} is "${day}", expected YYYY-MM-DD`);
  }
  if (window.start >= window.end) throw new BillingDataError('billing', `window ${window.start}..${window.end} is empty (end is exclusive)`);
  const log = options.log ?? (() => {});
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 5;
  const maxWait = options.maxWaitSeconds ?? 120;
  const ctxFor = (cloud: ClusterConfig['cloud']): BillingContext => ({
    window,
    clusters: clusters.filter(c => c.cloud === cloud),
    env: options.env ?? process.env,
    allocationTags: options.allocationTags ?? DEFAULT_ALLOCATION_TAGS,
    log,
    async retry(source, operation, fn, throttleWait) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (err) {
          const wait = throttleWait(err, attempt);
          if (wait === undefined) throw err;
          if (attempt >= maxAttempts) {
            throw new BillingDataError(source, `${operation} still throttled after ${attempt} attempts: ${(err as Error).message ?? err}`);
          }
          if (wait > maxWait) {
            throw new BillingDataError(source, `${operation} is rate-limited for ${wait} s, longer than the ${maxWait} s we wait`);
          }
          log(`${source}: ${operation} throttled, retrying in ${wait} s (attempt ${attempt + 1} of ${maxAttempts})`);
          await sleep(wait * 1000);
        }
      }
    },
  });

  const rows: FocusRow[] = [];
  const forecasts: CostForecast[] = [];
  const sources: SourceStatus[] = [];
  const listPrices: ListPrices[] = [];
  const days = Math.round((Date.parse(window.end) - Date.parse(window.start)) / 86_400_000);
  const describe = (n: number, calls: number) => `${n} cost rows from ${calls} requests, ${window.start}..${window.end} (${days} days)`;

  const runs: Array<Promise<void>> = [];
  if (config.aws) {
    const aws = config.aws;
    runs.push((async () => {
      const started = Date.now();
      try {
        const r = await (await loadAws())(aws, ctxFor('aws'));
        rows.push(...r.rows);
        if (r.forecast) forecasts.push(r.forecast);
        sources.push({ source: AWS_SOURCE, ok: true, detail: `${describe(r.rows.length, r.calls)} in ${Date.now() - started} ms` });
      } catch (err) {
        sources.push({ source: AWS_SOURCE, ok: false, error: errorLine(AWS_SOURCE, err) });
      }
    })());
  }
  if (config.gcp) {
    const gcp = config.gcp;
    runs.push((async () => {
      const started = Date.now();
      const r = await (await loadGcp())(gcp, ctxFor('gcp'));
      rows.push(...r.rows);
      listPrices.push(...r.listPrices);
      if (r.exportError) sources.push({ source: GCP_SOURCE, ok: false, error: errorLine(GCP_SOURCE, r.exportError) });
      else sources.push({ source: GCP_SOURCE, ok: true, detail: `${describe(r.rows.length, r.calls)} in ${Date.now() - started} ms` });
      if (r.catalogError) sources.push({ source: `${GCP_SOURCE}:catalog`, ok: false, error: errorLine(`${GCP_SOURCE}:catalog`, r.catalogError) });
      else if (r.catalogSkus !== undefined) sources.push({ source: `${GCP_SOURCE}:catalog`, ok: true, detail: `${r.catalogSkus} SKUs read` });
    })());
  }
  if (config.azure) {
    const azure = config.azure;
    runs.push((async () => {
      const started = Date.now();
      try {
        const r = await (await loadAzure())(azure, ctxFor('azure'));
        rows.push(...r.rows);
        if (r.forecast) forecasts.push(r.forecast);
        sources.push({ source: AZURE_SOURCE, ok: true, detail: `${describe(r.rows.length, r.calls)} in ${Date.now() - started} ms` });
      } catch (err) {
        sources.push({ source: AZURE_SOURCE, ok: false, error: errorLine(AZURE_SOURCE, err) });
      }
    })());
  }
  await Promise.all(runs);
  for (const s of sources) log(s.ok ? `${s.source}: ${s.detail}` : `${s.source}: FAILED: ${s.error}`);

  // Stable order regardless of which cloud answered first.
  const order = ['AWS', 'Google Cloud', 'Microsoft Azure'];
  rows.sort((a, b) => order.indexOf(a.ProviderName) - order.indexOf(b.ProviderName) || (a.ChargePeriodStart < b.ChargePeriodStart ? -1 : a.ChargePeriodStart > b.ChargePeriodStart ? 1 : 0));
  sources.sort((a, b) => (a.source < b.source ? -1 : 1));
  forecasts.sort((a, b) => (a.provider < b.provider ? -1 : 1));
  const prices = unitPrices(rows, clusters, {
    window,
    listPrices,
    clusterTagKeys: { aws: config.aws?.clusterTagKey, gcp: config.gcp?.clusterLabelKey, azure: config.azure?.clusterTagKey },
  });
  return { rows, prices, forecasts, sources };
}

/** One line naming the source; the error's own prefix is not repeated. */
function errorLine(source: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message;
}
