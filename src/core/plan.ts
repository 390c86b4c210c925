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
}
