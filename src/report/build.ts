// The cost report as plain data: spend by cloud, service, cluster and team, anomalies, the
// month-end forecast, unit prices with their sources, failed sources, and the savings the open
// recommendations would bring. Pure: the same snapshot and plan give the same report, so
// `--output json` is this object and every renderer draws from it.

import type { Plan } from '../core/plan.ts';
import { needsAttention, type Attention } from '../recommend/attention.ts';
import type { Confidence, PriceSource, UnitPrice, VerdictKind } from '../core/types.ts';
import { detectAnomalies, type Anomaly, type AnomalyOptions } from '../cost/anomalies.ts';
import { cloudOf, dailySeries, DIMENSIONS, total, type ClusterTag, type DailySeries, type Dimension } from '../cost/daily-series.ts';
import { combineForecasts, forecastMonthEnd, type MonthForecast } from '../cost/forecast.ts';
import type { CostForecast, Snapshot, SourceStatus } from '../snapshot/types.ts';
import type { FocusRow } from '../cost/focus.ts';
import type { LedgerEntry } from '../loop/ledger.ts';
import { realisedSavings, type RealisedSaving } from '../loop/realised.ts';

export const REPORT_SCHEMA_VERSION = 1;

export interface SpendLine {
  key: string;
  currency: string;
  amount: number;
  /** Share of all spend in this currency, 0..1. */
  share: number;
}

export interface WorkloadSaving {
  id: string;
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  /** Money per month saved (positive) or added (negative) by the recommendation. */
  monthlySaving: number;
  currency: string;
  confidence: Confidence;
  verdict: VerdictKind | 'none';
  priceSource: PriceSource;
}

export interface CloudForecast extends CostForecast {
  /** The cloud as the report keys it (`aws`, `gcp`, `azure`). */
  key: string;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** The snapshot's "as of" (end of the usage window). */
  asOf: string;
  /** Days covered by cost rows (end exclusive), or null without cost data. */
  period: { start: string; end: string; days: number } | null;
  measure: 'EffectiveCost' | 'BilledCost';
  totals: Array<{ currency: string; amount: number }>;
  spend: Record<Dimension, SpendLine[]>;
  /** Daily spend per cloud, for charts. */
  daily: { dates: string[]; byProvider: Array<{ key: string; currency: string; values: number[] }> };
  anomalies: Anomaly[];
  forecast: {
    /** All clouds together, one per currency. */
    total: Array<MonthForecast & { key: string }>;
    byProvider: Array<MonthForecast & { key: string }>;
    /** Forecasts the clouds' own APIs returned (AWS GetCostForecast, Azure forecast), keyed like byProvider. */
    fromClouds: CloudForecast[];
  };
  prices: UnitPrice[];
  sources: { ok: SourceStatus[]; failed: SourceStatus[] };
  savings: {
    available: boolean;
    /** Why there are no savings figures (no plan, or no priced recommendation). */
    reason?: string;
    /** Per currency: what all open recommendations would save per month. */
    totals: Array<{ currency: string; monthlySaving: number; workloads: number }>;
    /** The part the planned pull requests carry (the plan's totals). */
    inPullRequests?: { monthlySaving: number; currency: string; workloads: number };
    byWorkload: WorkloadSaving[];
  };
  /** Protected or frozen workloads that are OOM-killed or throttled, with the raise that would fix them. */
  attention?: Attention[];
  /** Merged rightsizer changes: predicted and realised savings (src/loop/realised.ts). */
  ledger: {
    available: boolean;
    /** Why there is no ledger (no GitHub access, no merged change). */
    reason?: string;
    changes: RealisedSaving[];
    /** Per currency; realised sums only the changes that have a figure (`measured`). */
    totals: Array<{ currency: string; predictedMonthlySaving: number; realisedMonthlySaving: number; changes: number; measured: number }>;
  };
  notes: string[];
}

export interface ReportOptions {
  measure?: 'EffectiveCost' | 'BilledCost';
  /** Cluster tags from rightsizer.yaml (key, value → cluster name). */
  clusterTags?: ClusterTag[];
  clusterTagKeys?: readonly string[];
  teamTag?: string;
  /** Detector settings; the report's default ignores changes under 1 currency unit a day. */
  anomalies?: AnomalyOptions;
  /** Why a plan is missing (shown instead of savings). */
  planUnavailable?: string;
  /** Merged changes and the cost rows around their merges (those may reach past the snapshot's). */
  ledger?: { entries: LedgerEntry[]; costs: FocusRow[]; until: string };
  /** Why there is no ledger (shown instead of it). */
  ledgerUnavailable?: string;
}

export function buildReport(snapshot: Snapshot, plan?: Plan, options: ReportOptions = {}): Report {
  const measure = options.measure ?? 'EffectiveCost';
  const notes: string[] = [];
  const rows = snapshot.costs;
  const days = [...new Set(rows.map(r => r.ChargePeriodStart.slice(0, 10)))].sort();
  const seriesOptions = {
    measure, clusterTags: options.clusterTags ?? defaultClusterTags(snapshot), clusterTagKeys: options.clusterTagKeys, teamTag: options.teamTag,
  };
  const series = Object.fromEntries(DIMENSIONS.map(d => [d, dailySeries(rows, d, seriesOptions)])) as Record<Dimension, DailySeries[]>;

  const totals = currencyTotals(series.provider);
  const spend = Object.fromEntries(DIMENSIONS.map(d => [d, spendLines(series[d], totals)])) as Record<Dimension, SpendLine[]>;

  const anomalyOptions: AnomalyOptions = { minAbsoluteChange: 1, ...options.anomalies };
  const anomalies = detectAnomalies(DIMENSIONS.flatMap(d => series[d]), anomalyOptions);
  if (days.length > 0 && days.length <= (anomalyOptions.warmupDays ?? 21)) {
    notes.push(`Only ${days.length} days of cost data: anomaly detection needs more than ${anomalyOptions.warmupDays ?? 21} days of history.`);
  }

  const byProvider: Report['forecast']['byProvider'] = [];
  for (const s of series.provider) {
    const f = forecastMonthEnd(s, snapshot.createdAt, { holidays: anomalyOptions.holidays });
    if (f) byProvider.push({ key: s.key, ...f });
  }
  // All clouds = the sum of the per-cloud rows, so the table adds up (see combineForecasts).
  const totalForecasts: Report['forecast']['total'] = [];
  for (const { currency } of totals) {
    const f = combineForecasts(byProvider.filter(p => p.currency === currency));
    if (f) totalForecasts.push({ key: 'all clouds', ...f });
  }

  const failed = snapshot.sources.filter(s => !s.ok);
  for (const f of failed) notes.push(`Source ${f.source} failed${f.error ? `: ${f.error}` : ''}. Figures that depend on it are missing.`);
  if (totals.length > 1) notes.push(`Spend is in ${totals.length} currencies (${totals.map(t => t.currency).join(', ')}); amounts in different currencies are never added.`);

  const primary = totals[0]?.currency;
  const chartSeries = series.provider.filter(s => s.currency === primary);
  const clusterNames = new Set(snapshot.clusters.map(c => c.name));
  const prices = [...snapshot.prices].sort((a, b) => a.cluster.localeCompare(b.cluster) || (a.nodePool ?? '').localeCompare(b.nodePool ?? ''));
  for (const c of clusterNames) {
    if (!prices.some(p => p.cluster === c)) notes.push(`No unit price for cluster ${c}: its recommendations are not priced.`);
  }

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    asOf: snapshot.createdAt,
    period: days.length > 0 ? { start: days[0], end: series.provider[0]?.dates.length ? nextDay(series.provider[0].dates.at(-1)!) : nextDay(days.at(-1)!), days: series.provider[0]?.dates.length ?? days.length } : null,
    measure,
    totals,
    spend,
    daily: {
      dates: chartSeries[0]?.dates ?? [],
      byProvider: chartSeries.map(s => ({ key: s.key, currency: s.currency, values: Array.from(s.values, round2) })),
    },
    anomalies,
    forecast: { total: totalForecasts, byProvider, fromClouds: snapshot.forecasts.map(cloudForecast) },
    prices,
    sources: { ok: snapshot.sources.filter(s => s.ok), failed },
    savings: savingsOf(plan, options.planUnavailable),
    attention: plan ? needsAttention(plan.recommendations) : [],
    ledger: ledgerOf(options, seriesOptions.clusterTags),
    notes,
  };
}

function ledgerOf(options: ReportOptions, clusterTags: ClusterTag[]): Report['ledger'] {
  if (!options.ledger) return { available: false, reason: options.ledgerUnavailable ?? 'no ledger: merged rightsizer pull requests are read from GitHub (GITHUB_TOKEN and repository.github), or give --ledger FILE', changes: [], totals: [] };
  if (options.ledger.entries.length === 0) return { available: false, reason: 'no merged rightsizer change in the ledger window', changes: [], totals: [] };
  const changes = realisedSavings(options.ledger.entries, options.ledger.costs, { clusterTags, until: options.ledger.until });
  const byCurrency = new Map<string, Report['ledger']['totals'][number]>();
  for (const c of changes) {
    const t = byCurrency.get(c.currency) ?? { currency: c.currency, predictedMonthlySaving: 0, realisedMonthlySaving: 0, changes: 0, measured: 0 };
    t.predictedMonthlySaving = round2(t.predictedMonthlySaving + c.predictedMonthlySaving);
    t.changes++;
    if (c.realisedMonthlySaving !== undefined) { t.realisedMonthlySaving = round2(t.realisedMonthlySaving + c.realisedMonthlySaving); t.measured++; }
    byCurrency.set(c.currency, t);
  }
  return { available: true, changes, totals: [...byCurrency.values()] };
}

/** A cloud's own forecast under the report's cloud key (`aws`, not `AWS`), money in cents. */
function cloudForecast(f: CostForecast): CloudForecast {
  return {
    ...f,
    key: cloudOf(f.provider),
    mean: round2(f.mean),
    ...(f.low === undefined ? {} : { low: round2(f.low) }),
    ...(f.high === undefined ? {} : { high: round2(f.high) }),
  };
}

/** Each snapshot cluster under the tag keys the managed services use, valued by its name. */
function defaultClusterTags(snapshot: Snapshot): ClusterTag[] {
  const keys: Record<string, string[]> = {
    aws: ['eks:cluster-name', 'aws:eks:cluster-name'], gcp: ['goog-k8s-cluster-name'], azure: ['aks-cluster', 'aks-managed-cluster-name'],
  };
  return snapshot.clusters.flatMap(c => (keys[c.cloud] ?? []).map(key => ({ cluster: c.name, key, value: c.name })));
}

function currencyTotals(providerSeries: DailySeries[]): Array<{ currency: string; amount: number }> {
  const byCurrency = new Map<string, number>();
  for (const s of providerSeries) byCurrency.set(s.currency, (byCurrency.get(s.currency) ?? 0) + total(s.values));
  return [...byCurrency].map(([currency, amount]) => ({ currency, amount: round2(amount) })).sort((a, b) => b.amount - a.amount);
}

function spendLines(list: DailySeries[], totals: Array<{ currency: string; amount: number }>): SpendLine[] {
  const all = new Map(totals.map(t => [t.currency, t.amount]));
  return list.map(s => {
    const amount = total(s.values);
    const whole = all.get(s.currency) ?? 0;
    return { key: s.key, currency: s.currency, amount: round2(amount), share: whole > 0 ? Math.round((amount / whole) * 10000) / 10000 : 0 };
  });
}

function savingsOf(plan: Plan | undefined, unavailable: string | undefined): Report['savings'] {
  if (!plan) {
    return { available: false, reason: unavailable ?? 'no plan: run with --demo, or with a configuration and GitOps checkout, to price the recommendations', totals: [], byWorkload: [] };
  }
  const open = plan.recommendations.filter(r => r.status === 'ok' && r.cost && r.policy?.verdict !== 'rejected');
  const byWorkload: WorkloadSaving[] = open.map(r => ({
    id: r.id, cluster: r.ref.cluster, namespace: r.ref.namespace, kind: r.ref.kind, name: r.ref.name,
    monthlySaving: round2(-r.cost!.monthly), currency: r.cost!.currency, confidence: r.confidence,
    verdict: r.policy?.verdict ?? ('none' as const), priceSource: r.cost!.priceSource,
  })).sort((a, b) => b.monthlySaving - a.monthlySaving || a.id.localeCompare(b.id));
  const byCurrency = new Map<string, { monthlySaving: number; workloads: number }>();
  for (const w of byWorkload) {
    const t = byCurrency.get(w.currency) ?? { monthlySaving: 0, workloads: 0 };
    t.monthlySaving += w.monthlySaving;
    t.workloads++;
    byCurrency.set(w.currency, t);
  }
  return {
    available: byWorkload.length > 0,
    ...(byWorkload.length === 0 ? { reason: 'no open recommendation with a price' } : {}),
    totals: [...byCurrency].map(([currency, t]) => ({ currency, monthlySaving: round2(t.monthlySaving), workloads: t.workloads })),
    inPullRequests: { monthlySaving: round2(-plan.totals.monthly), currency: plan.totals.currency, workloads: plan.totals.workloads },
    byWorkload,
  };
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
