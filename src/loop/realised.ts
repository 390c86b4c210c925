// Realised savings: what the bill says a merged change did, beside what it predicted. Pure.
//
// For each merged change and each cluster it touched: the cluster's mean daily spend (FOCUS
// rows, EffectiveCost, attributed to the cluster as the report does) over up to 14 whole days
// after the merge day, minus the mean over up to 14 days before it, times 730/24 for a month.
// A cluster's spend moves for many reasons, so each figure carries how much it can be trusted:
//
// - none: fewer than 3 whole days of bill after the merge (or none before): no figure yet;
// - low: the move is within the cluster's day-to-day noise (less than one standard error of the
//   difference of the means), or the spend moved the other way from the prediction;
// - medium: the move is past one standard error in the predicted direction, or past two but
//   shared with other merged changes in the same cluster and window (split in proportion to
//   their predictions);
// - high: past two standard errors in the predicted direction, and no other merged change in
//   the same cluster and window.

import type { FocusRow } from '../cost/focus.ts';
import { addDay, dailySeries, type ClusterTag } from '../cost/daily-series.ts';
import type { LedgerEntry } from './ledger.ts';

export type AttributionConfidence = 'high' | 'medium' | 'low' | 'none';

export interface RealisedSaving {
  pr: number;
  url: string;
  kind: 'change' | 'revert';
  /** Merge day, YYYY-MM-DD. */
  merged: string;
  cluster: string;
  workloads: number;
  currency: string;
  /** Predicted by the pull request, per month; positive = saving. */
  predictedMonthlySaving: number;
  /** From the bill, per month, this change's share; positive = saving. Absent with confidence none. */
  realisedMonthlySaving?: number;
  confidence: AttributionConfidence;
  /** Whole days of bill compared before and after the merge day. */
  daysBefore: number;
  daysAfter: number;
  /** Other merged changes in the same cluster within the window (the move is shared with them). */
  sharedWith: number[];
  /** One sentence: why this confidence. */
  why: string;
}

export const REALISED_WINDOW_DAYS = 14;
const MIN_DAYS_AFTER = 3;
const MONTH_DAYS = 730 / 24;
const round2 = (v: number) => Math.round(v * 100) / 100;

interface Part {
  entry: LedgerEntry;
  cluster: string;
  merged: string;
  predicted: number;
  currency: string;
  workloads: number;
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
}
function variance(v: number[]): number {
  if (v.length < 2) return 0;
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
}

/**
 * Predicted and realised savings of each merged change, per cluster it touched. `rows` must
 * cover the days around the merges (up to 14 before and after); `until` is the first day not to
 * count (today: its bill is not complete).
 */
export function realisedSavings(ledger: LedgerEntry[], rows: FocusRow[], options: { clusterTags?: ClusterTag[]; until: string }): RealisedSaving[] {
  const parts: Part[] = [];
  for (const entry of ledger) {
    const byCluster = new Map<string, Part>();
    for (const w of entry.block.workloads) {
      const cluster = w.id.split('/')[0];
      const part = byCluster.get(cluster) ?? { entry, cluster, merged: entry.mergedAt.slice(0, 10), predicted: 0, currency: w.currency ?? 'USD', workloads: 0 };
      part.predicted += -(w.monthly ?? 0);
      part.workloads++;
      byCluster.set(cluster, part);
    }
    parts.push(...byCluster.values());
  }
  const series = dailySeries(rows, 'cluster', { clusterTags: options.clusterTags });
  const out: RealisedSaving[] = [];
  for (const part of parts) {
    const s = series.find(x => x.key === part.cluster && x.currency === part.currency);
    const value = (day: string) => { const i = s ? s.dates.indexOf(day) : -1; return i < 0 ? undefined : s!.values[i]; };
    const before: number[] = [], after: number[] = [];
    for (let k = 1; k <= REALISED_WINDOW_DAYS; k++) {
      const b = value(addDay(part.merged, -k));
      if (b !== undefined) before.push(b);
      const day = addDay(part.merged, k);
      const a = day < options.until ? value(day) : undefined;
      if (a !== undefined) after.push(a);
    }
    const sharedWith = parts.filter(p => p !== part && p.cluster === part.cluster && Math.abs(Date.parse(p.merged) - Date.parse(part.merged)) <= REALISED_WINDOW_DAYS * 86_400_000).map(p => p.entry.pr);
    const base = {
      pr: part.entry.pr, url: part.entry.url, kind: part.entry.block.kind, merged: part.merged, cluster: part.cluster, workloads: part.workloads,
      currency: part.currency, predictedMonthlySaving: round2(part.predicted), daysBefore: before.length, daysAfter: after.length, sharedWith: [...new Set(sharedWith)].sort((a, b) => a - b),
    };
    if (!s || before.length === 0 || after.length < MIN_DAYS_AFTER) {
      out.push({ ...base, confidence: 'none', why: !s ? `no cost rows of cluster ${part.cluster} in ${part.currency}` : `${after.length} whole ${after.length === 1 ? 'day' : 'days'} of bill after the merge; a figure needs ${MIN_DAYS_AFTER}` });
      continue;
    }
    const dailySaving = mean(before) - mean(after);
    const se = Math.sqrt(variance(before) / before.length + variance(after) / Math.max(1, after.length));
    // Several merged changes in one cluster and window share its move, in proportion to their predictions.
    const group = [part, ...parts.filter(p => p !== part && base.sharedWith.includes(p.entry.pr) && p.cluster === part.cluster)];
    const predictedAll = group.reduce((a, p) => a + p.predicted, 0);
    const share = group.length > 1 && predictedAll !== 0 ? part.predicted / predictedAll : 1;
    const realised = dailySaving * MONTH_DAYS * share;
    const sameWay = Math.sign(dailySaving) === Math.sign(part.predicted) && dailySaving !== 0;
    const z = se > 0 ? Math.abs(dailySaving) / se : Math.abs(dailySaving) > 0 ? Infinity : 0;
    let confidence: AttributionConfidence;
    let why: string;
    if (!sameWay) { confidence = 'low'; why = `the cluster's spend moved the other way from the prediction: other changes outweigh this one`; }
    else if (z < 1) { confidence = 'low'; why = `the move is within the cluster's day-to-day noise`; }
    else if (z >= 2 && group.length === 1) { confidence = 'high'; why = `the cluster's daily spend moved past twice its noise, in the predicted direction, with no other merged change in the window`; }
    else { confidence = 'medium'; why = group.length > 1 ? `shared with ${base.sharedWith.map(n => `#${n}`).join(', ')} in proportion to the predictions` : `the move is past the cluster's noise, but not twice it`; }
    out.push({ ...base, realisedMonthlySaving: round2(realised), confidence, why: `${why} (${before.length} days before, ${after.length} after)` });
  }
  return out.sort((a, b) => a.merged.localeCompare(b.merged) || a.pr - b.pr || a.cluster.localeCompare(b.cluster));
}
