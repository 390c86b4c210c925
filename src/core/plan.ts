// The plan: what `rightsizer plan` prints and `rightsizer pr` delivers. Built only from the
// snapshot, the repository and the policies, never from the clock, so a dry run and the Action
// produce the same plan byte for byte.

import type { Edit, Recommendation, Unplaced, UnitPrice } from './types.ts';
import { formatMoney } from './money.ts';
import { plural } from './text.ts';

export const PLAN_SCHEMA_VERSION = 1;

export interface PlanTotals {
  /** Sum of monthly cost deltas of the recommendations that will be edited (negative = saving). */
  monthly: number;
  currency: string;
  workloads: number;
  clouds: string[];
}

export interface Plan {
  schemaVersion: typeof PLAN_SCHEMA_VERSION;
  /** ISO time of the end of the snapshot's usage window. */
  asOf: string;
  recommendations: Recommendation[];
  edits: Edit[];
  unplaced: Unplaced[];
  prices: UnitPrice[];
  totals: PlanTotals;
  /**
   * Sources that could not be read (a cluster's Prometheus, a billing API). Their workloads are
   * missing or unpriced, so the plan is partial: `plan` exits 1 and `pr` changes no pull request.
   * Absent when every source answered.
   */
  failedSources?: FailedSource[];
  /**
   * Settings where what runs is not what Git says (src/loop/live.ts): changed by hand, an
   * Application out of sync, or a merged change not rolled out. Nothing is proposed for those
   * containers until Git and the cluster agree. Absent when there is none.
   */
  drift?: DriftFinding[];
  /** Set on the plan of an undo pull request (src/loop/undo.ts): which merged change it reverts, and why. */
  revert?: RevertInfo;
}

export interface DriftFinding {
  workload: string;
  /** Absent for workload settings (replicas, HPA bounds). */
  container?: string;
  /** cpu.request, memory.limit, replicas… */
  field: string;
  /** The value Git holds, as written (`250m`, `512Mi`, `3`). */
  git: string;
  /** The value running, as written; absent when the workload has no such value live. */
  live?: string;
  /** `file`: the repository file says otherwise; `merged`: a merged rightsizer PR is not (or no longer) live. */
  source: 'file' | 'merged';
  /** The merged pull request, for `merged`. */
  pr?: number;
  reason: string;
}

export interface RevertInfo {
  /** The merged pull request whose change is undone. */
  pr: number;
  url: string;
  /** One line per regression seen, with its evidence (`api: 3 OOM kills in 6 h after, none in 24 h before`). */
  evidence: string[];
}

export interface FailedSource {
  source: string;
  error: string;
}

/**
 * The monthly total of some recommendations as people read it: `−$1,370.03/month`, with the
 * workloads that have no price counted, and `not priced` (never `$0.00`) when none has one.
 */
export function monthlyTotalText(totals: PlanTotals, recs: Recommendation[]): string {
  const priced = recs.filter(r => r.cost).length;
  if (recs.length > 0 && priced === 0) return 'not priced';
  const money = `${formatMoney(totals.monthly, totals.currency)}/month`;
  return priced < recs.length ? `${money} (${plural(recs.length - priced, 'workload')} not priced)` : money;
}

/** One line per failed source, for the end of a run. */
export function failedSourcesError(failed: FailedSource[]): string {
  const names = failed.map(f => f.source).join(', ');
  return `${failed.length === 1 ? 'a source' : `${failed.length} sources`} could not be read (${names}), so this plan leaves out or does not price their workloads`;
}
