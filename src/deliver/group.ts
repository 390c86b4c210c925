// Cuts a plan into pull-request groups: one PR for the whole repository, or one per
// application, namespace or team. Pure and deterministic: the same plan gives the same groups,
// branch names and titles in the same order, so re-running updates PRs instead of duplicating them.
//
// Files cannot be split: an Edit changes one whole file. When one file carries recommendations
// of two groups (a shared values file, a multi-document manifest), the file goes to the group
// whose key sorts first, the other group's recommendations carried by that file travel with it,
// and both groups get a note saying so.

import { formatMoney } from '../core/money.ts';
import { plural } from '../core/text.ts';
import type { Plan, PlanTotals } from '../core/plan.ts';
import type { Edit, Recommendation, Unplaced } from '../core/types.ts';
import type { PullRequestGroup } from './types.ts';

export type GroupBy = 'repository' | 'application' | 'namespace' | 'team';

/** A group as groupPlan returns it: a PullRequestGroup plus what the body needs to explain it. */
export interface PlannedGroup extends PullRequestGroup {
  groupBy: GroupBy;
  /** Facts a reviewer should know about how the group was cut (files shared between groups). */
  notes: string[];
  /** Recommendations of this group (or parts of them) that could not be placed in the repository. */
  unplaced: Unplaced[];
}

export interface GroupOptions {
  /**
   * The application a workload belongs to (Argo CD Application, Helm release), when the caller
   * knows it. Default: `namespace/name`, because a Recommendation carries only its WorkloadRef.
   */
  applicationOf?: (rec: Recommendation) => string | undefined;
  /** The owning team, when the caller knows it (from labels or annotations). Default: see teamOf. */
  teamOf?: (rec: Recommendation) => string | undefined;
}

/** Labels and annotations that name an owning team, in order of preference. */
export const TEAM_KEYS = ['team', 'owner', 'app.kubernetes.io/part-of', 'rightsizer.io/team'];

const TEAM_NOTE = /^(?:label|annotation)?\s*([\w./-]+)\s*[:=]\s*([\w.-]+)\s*$/i;

/**
 * The team of a workload: a `team=`/`owner=` label or annotation recorded in the evidence notes
 * (e.g. "label team=payments"), else its namespace.
 */
export function defaultTeamOf(rec: Recommendation): string {
  for (const key of TEAM_KEYS) {
    for (const note of rec.evidence.notes) {
      const m = TEAM_NOTE.exec(note);
      if (m && m[1].toLowerCase() === key && m[2]) return m[2];
    }
  }
  return rec.ref.namespace;
}

/** The group key of one recommendation: "all", an application, a namespace or a team name. */
export function groupKeyOf(rec: Recommendation, groupBy: GroupBy, options: GroupOptions = {}): string {
  switch (groupBy) {
    case 'repository': return 'all';
    case 'namespace': return rec.ref.namespace;
    case 'application': return options.applicationOf?.(rec) ?? `${rec.ref.namespace}/${rec.ref.name}`;
    case 'team': return options.teamOf?.(rec) ?? defaultTeamOf(rec);
  }
}

// ---------------------------------------------------------------------------
// Branch names.

/**
 * Makes `text` safe as part of one git ref component (git check-ref-format): no control
 * characters, spaces, `~^:?*[\`, `..`, `@{`, leading `.` or `-`, trailing `.`/`.lock`.
 * Slashes become dashes so a key never adds path components.
 */
export function sanitiseRefComponent(text: string): string {
  let s = text
    .replace(/[\x00-\x20\x7f~^:?*[\\/]+/g, '-')
    .replace(/@\{/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '');
  while (s.toLowerCase().endsWith('.lock')) s = s.slice(0, -5).replace(/[.-]+$/, '');
  if (s === '' || s === '@') s = 'x';
  return s;
}

/** A branch prefix as configured (`rightsizer/`), made safe but keeping its slashes. */
export function sanitiseBranchPrefix(prefix: string): string {
  const parts = prefix.split('/');
  const trailingSlash = prefix.endsWith('/');
  const clean = parts.filter(p => p !== '').map(sanitiseRefComponent);
  if (clean.length === 0) return '';
  // A prefix like "rightsizer/" ends a component; "rightsizer-" continues the last one.
  const last = parts[parts.length - 1];
  const joined = clean.join('/');
  if (trailingSlash) return `${joined}/`;
  return /[-_]$/.test(last) ? `${joined}-` : `${joined}/`;
}

/** A short, stable hash for disambiguating two keys that sanitise to the same branch. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function branchStem(groupBy: GroupBy, key: string): string {
  return groupBy === 'repository' ? 'all' : `${groupBy}-${key}`;
}

/** Git refs in practice stay well under this; long keys are cut and keep a hash. */
const MAX_BRANCH_COMPONENT = 100;

export function branchName(branchPrefix: string, groupBy: GroupBy, key: string): string {
  let stem = sanitiseRefComponent(branchStem(groupBy, key));
  if (stem.length > MAX_BRANCH_COMPONENT) stem = `${stem.slice(0, MAX_BRANCH_COMPONENT - 9).replace(/[.-]+$/, '')}-${fnv1a(key)}`;
  return `${sanitiseBranchPrefix(branchPrefix)}${stem}`;
}

// ---------------------------------------------------------------------------
// Money and titles.


/**
 * `rightsizer: rightsize 5 workloads (−$1,234/month)`; for a group other than the whole
 * repository, `… in namespace shop …`. Money in whole units, so a few cents of price drift
 * between runs does not retitle the PR.
 */
export function groupTitle(groupBy: GroupBy, key: string, totals: PlanTotals): string {
  const scope = groupBy === 'repository' ? '' : ` in ${groupBy} ${key}`;
  const whole = Math.round(totals.monthly);
  const money = whole === 0 ? '' : ` (${formatMoney(whole, totals.currency, { decimals: 0 })}/month)`;
  return `rightsizer: rightsize ${plural(totals.workloads, 'workload')}${scope}${money}`;
}

// ---------------------------------------------------------------------------
// Grouping.

/** Byte order, not locale order: the same on every machine. */
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Totals of a set of recommendations, in the plan's currency; clouds from the plan's prices. */
export function totalsOf(recs: Recommendation[], plan: Plan): PlanTotals {
  const currency = plan.totals.currency;
  const cloudOf = new Map(plan.prices.map(p => [p.cluster, p.cloud] as const));
  let monthly = 0;
  for (const r of recs) if (r.cost && r.cost.currency === currency) monthly += r.cost.monthly;
  const clouds = [...new Set(recs.map(r => cloudOf.get(r.ref.cluster)).filter((c): c is NonNullable<typeof c> => c !== undefined))].sort(byText);
  return { monthly: Math.round(monthly * 100) / 100, currency, workloads: recs.length, clouds };
}

/**
 * The plan's pull-request groups, ordered by key, each with a deterministic branch name and
 * title. Only groups with at least one edit are returned. A recommendation carried by an edit
 * is in every group whose edits carry it.
 */
export function groupPlan(plan: Plan, groupBy: GroupBy, branchPrefix: string, options: GroupOptions = {}): PlannedGroup[] {
  const recById = new Map(plan.recommendations.map(r => [r.id, r] as const));
  const keyOf = (id: string): string | undefined => {
    const rec = recById.get(id);
    return rec ? groupKeyOf(rec, groupBy, options) : undefined;
  };
  const FALLBACK = groupBy === 'repository' ? 'all' : 'other';

  interface Draft { key: string; edits: Edit[]; recIds: Set<string>; notes: string[] }
  const drafts = new Map<string, Draft>();
  const draft = (key: string): Draft => {
    let d = drafts.get(key);
    if (!d) drafts.set(key, d = { key, edits: [], recIds: new Set(), notes: [] });
    return d;
  };

  for (const edit of plan.edits) {
    const keys = [...new Set(edit.recommendations.map(keyOf).map(k => k ?? FALLBACK))].sort(byText);
    const home = draft(keys[0] ?? FALLBACK);
    home.edits.push(edit);
    for (const id of edit.recommendations) home.recIds.add(id);
    if (keys.length > 1) {
      const others = keys.slice(1);
      home.notes.push(`\`${edit.path}\` also carries changes for ${others.map(k => `${groupBy} ${k}`).join(', ')}; a file cannot be split between pull requests, so those changes are in this one.`);
      for (const other of others) {
        draft(other).notes.push(`\`${edit.path}\` is shared with ${groupBy} ${home.key}; its changes for this ${groupBy} are in the pull request for ${home.key}.`);
      }
    }
  }

  const keys = [...drafts.keys()].sort(byText);
  const used = new Map<string, string>();
  const groups: PlannedGroup[] = [];
  for (const key of keys) {
    const d = drafts.get(key)!;
    // Groups that only received notes (their files all went elsewhere) open no PR.
    if (d.edits.length === 0) continue;
    const recommendations = plan.recommendations.filter(r => d.recIds.has(r.id));
    const totals = totalsOf(recommendations, plan);
    let branch = branchName(branchPrefix, groupBy, key);
    // Two keys that sanitise alike ("a b" and "a-b") must not share a branch.
    if (used.has(branch) && used.get(branch) !== key) branch = `${branch}-${fnv1a(key)}`;
    used.set(branch, key);
    const groupIds = new Set(plan.recommendations.filter(r => groupKeyOf(r, groupBy, options) === key).map(r => r.id));
    for (const id of d.recIds) groupIds.add(id);
    groups.push({
      key,
      branch,
      title: groupTitle(groupBy, key, totals),
      recommendations,
      edits: d.edits,
      totals,
      groupBy,
      notes: d.notes,
      unplaced: plan.unplaced.filter(u => groupIds.has(u.recommendation) || (groupBy === 'repository')),
    });
  }
  return groups;
}
