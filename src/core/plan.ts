// The plan: what `rightsizer plan` prints and `rightsizer pr` delivers. Built only from the
// snapshot, the repository and the policies, never from the clock, so a dry run and the Action
// produce the same plan byte for byte.

import type { Edit, Recommendation, Unplaced, UnitPrice } from './types.ts';

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
}

export interface FailedSource {
  source: string;
  error: string;
}

/** One line per failed source, for the end of a run. */
export function failedSourcesError(failed: FailedSource[]): string {
  const names = failed.map(f => f.source).join(', ');
  return `${failed.length === 1 ? 'a source' : `${failed.length} sources`} could not be read (${names}), so this plan leaves out or does not price their workloads`;
}
