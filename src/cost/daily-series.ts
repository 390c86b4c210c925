// FOCUS cost rows → dense daily spend series per cloud, service, cluster or team: one
// Float64Array per series (a value for every day of the range, zero where a group had no rows)
// so the anomaly and forecast code works on plain numbers.

import type { CloudName } from '../core/types.ts';
import type { FocusRow, ProviderName } from './focus.ts';

export type Dimension = 'provider' | 'service' | 'cluster' | 'team';

export const DIMENSIONS: readonly Dimension[] = ['provider', 'service', 'cluster', 'team'];

export interface DailySeries {
  /** The group: a cloud (`aws`), a service name, a cluster name or a team. */
  key: string;
  dimension: Dimension;
  /** Consecutive `YYYY-MM-DD` days. */
  dates: string[];
  /** Spend per day, same length as `dates`. */
  values: Float64Array;
  currency: string;
}

/** Rows carrying `key: value` belong to `cluster`. */
export interface ClusterTag {
  cluster: string;
  key: string;
  value: string;
}

/** The cluster tag keys the managed Kubernetes services put on their resources. */
export const WELL_KNOWN_CLUSTER_TAG_KEYS = [
  'eks:cluster-name', 'aws:eks:cluster-name', 'alpha.eksctl.io/cluster-name',
  'goog-k8s-cluster-name', 'aks-cluster', 'aks-managed-cluster-name',
] as const;

export const NO_CLUSTER = '(no cluster)';
export const NO_TEAM = '(no team)';

export interface DailySeriesOptions {
  /** EffectiveCost (amortised, net of discounts; the default) or BilledCost. */
  measure?: 'EffectiveCost' | 'BilledCost';
  /** Explicit cluster tags (from rightsizer.yaml); matched before `clusterTagKeys`. */
  clusterTags?: ClusterTag[];
  /** Tag keys whose value names the cluster when no explicit tag matches (default: the well-known ones). */
  clusterTagKeys?: readonly string[];
  /** Tag key of the owning team (default `team`). */
  teamTag?: string;
  /** First day (inclusive) and last day (exclusive) of the series; default: the days the rows cover. */
  start?: string;
  end?: string;
}

const CLOUD_OF: Record<ProviderName, CloudName> = {
  'AWS': 'aws', 'Google Cloud': 'gcp', 'Microsoft Azure': 'azure', 'On-premises': 'on-prem',
};

export function cloudOf(provider: string): string {
  return CLOUD_OF[provider as ProviderName] ?? provider.toLowerCase();
}

/** A function naming the group of a row in one dimension. */
export function keyFunction(by: Dimension, options: DailySeriesOptions = {}): (row: FocusRow) => string {
  switch (by) {
    case 'provider': return row => cloudOf(row.ProviderName);
    case 'service': return row => row.ServiceName || '(no service)';
    case 'team': {
      const tag = options.teamTag ?? 'team';
      return row => row.Tags?.[tag] || NO_TEAM;
    }
    case 'cluster': {
      const explicit = options.clusterTags ?? [];
      const keys = options.clusterTagKeys ?? WELL_KNOWN_CLUSTER_TAG_KEYS;
      return row => {
        const tags = row.Tags ?? {};
        for (const t of explicit) if (tags[t.key] === t.value) return t.cluster;
        for (const k of keys) if (tags[k]) return tags[k];
        return NO_CLUSTER;
      };
    }
  }
}

export function addDay(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Days from `start` (inclusive) to `end` (exclusive). */
export function dayRange(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = start; d < end; d = addDay(d, 1)) out.push(d);
  return out;
}

/**
 * Daily spend per group of `by`, one series per group and currency (a group billed in two
 * currencies gives two series; amounts in different currencies are never added).
 * Series are sorted by total spend, largest first.
 */
export function dailySeries(rows: FocusRow[], by: Dimension, options: DailySeriesOptions = {}): DailySeries[] {
  if (rows.length === 0) return [];
  const measure = options.measure ?? 'EffectiveCost';
  const keyOf = keyFunction(by, options);
  const days = [...new Set(rows.map(r => r.ChargePeriodStart.slice(0, 10)))].sort();
  const start = options.start ?? days[0];
  const end = options.end ?? addDay(days[days.length - 1], 1);
  const dates = dayRange(start, end);
  const index = new Map(dates.map((d, i) => [d, i]));

  // Rows are added in bill order, so each day's sum is the same whatever the grouping.
  const byGroup = new Map<string, DailySeries>();
  for (const r of rows) {
    const at = index.get(r.ChargePeriodStart.slice(0, 10));
    if (at === undefined) continue;
    const key = keyOf(r), currency = r.BillingCurrency || 'USD';
    const id = `${key}\u0000${currency}`;
    let s = byGroup.get(id);
    if (!s) {
      s = { key, dimension: by, dates, values: new Float64Array(dates.length), currency };
      byGroup.set(id, s);
    }
    const v = r[measure];
    s.values[at] += Number.isFinite(v) ? v : 0;
  }
  const series = [...byGroup.values()];
  // A group billed in several currencies: name the currency so the keys stay unique.
  const perKey = new Map<string, number>();
  for (const s of series) perKey.set(s.key, (perKey.get(s.key) ?? 0) + 1);
  for (const s of series) if (perKey.get(s.key)! > 1) s.key = `${s.key} (${s.currency})`;
  return series.sort((a, b) => total(b.values) - total(a.values) || a.key.localeCompare(b.key));
}

export function total(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}
