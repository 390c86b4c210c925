// The snapshot: the only hand-off between collecting and planning. A versioned JSON document
// that lets a CI matrix collect clusters in parallel (--shard), lets `plan` run offline, and
// makes a bug report reproducible.

import type { CloudName, UnitPrice, UsageProfile } from '../core/types.ts';
import type { FocusRow } from '../cost/focus.ts';

export const SNAPSHOT_SCHEMA_VERSION = 1;

/** How one source fared: the report says which failed and the run goes on. */
export interface SourceStatus {
  /** e.g. "prometheus:prod-eks", "billing:aws". */
  source: string;
  ok: boolean;
  error?: string;
  detail?: string;
  /** What each query cost the server (Prometheus sources): samples read and peak samples held, from its `stats`. */
  queries?: QueryCost[];
}

export interface QueryCost {
  query: string;
  samplesRead: number;
  peakSamples: number;
}

export interface CostForecast {
  provider: string;
  currency: string;
  /** ISO dates, end exclusive. */
  periodStart: string;
  periodEnd: string;
  mean: number;
  low?: number;
  high?: number;
  /** "aws:GetCostForecast", "azure:forecast", "rightsizer:model". */
  source: string;
}

export interface Snapshot {
  schemaVersion: typeof SNAPSHOT_SCHEMA_VERSION;
  /** ISO time of the end of the usage window; the plan's "as of". */
  createdAt: string;
  window: { start: string; end: string };
  shard?: { index: number; count: number };
  clusters: Array<{ name: string; cloud: CloudName; region?: string }>;
  profiles: UsageProfile[];
  /** Daily cost rows in FOCUS columns, all clouds. */
  costs: FocusRow[];
  prices: UnitPrice[];
  forecasts: CostForecast[];
  sources: SourceStatus[];
}
