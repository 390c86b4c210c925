// What the deliver stage works on: the plan cut into pull-request groups.

import type { PlanTotals } from '../core/plan.ts';
import type { Edit, Recommendation } from '../core/types.ts';

export interface PullRequestGroup {
  /** "all", an application, a namespace or a team name. */
  key: string;
  /** Deterministic branch name, e.g. "rightsizer/all" or "rightsizer/namespace-shop". */
  branch: string;
  title: string;
  recommendations: Recommendation[];
  edits: Edit[];
  totals: PlanTotals;
}
