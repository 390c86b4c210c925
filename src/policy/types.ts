// Policies after loading: plain data (globs stay strings; matchers are compiled on use).

import type { ContainerResources, Recommendation, WorkloadRef } from '../core/types.ts';

export type Resource = 'cpu' | 'memory' | 'gpu' | 'replicas';
export const RESOURCES: readonly Resource[] = ['cpu', 'memory', 'gpu', 'replicas'];

export type Direction = 'any' | 'increase' | 'decrease' | 'none';

/** Where something was written: `policies/defaults.yaml:12:7`. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Selector {
  clusters?: string[];
  namespaces?: string[];
  kinds?: string[];
  names?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  environments?: string[];
}

export interface FreezeWindow {
  name: string;
  reason?: string;
  /** YYYY-MM-DD or MM-DD (every year). */
  from?: string;
  to?: string;
  outsideHours?: { days: string[]; hours: string };
  timeZone: string;
  /** `file#rule` that declared it. */
  rule: string;
  location: SourceLocation;
}

export interface ApprovalRequirement {
  name: string;
  when: {
    decreaseOver?: number;
    increaseOver?: number;
    monthlyChangeOver?: { amount: number; currency: string };
    resources?: Resource[];
    energyIncrease?: boolean;
  };
  labels: string[];
  teams: string[];
  rule: string;
  location: SourceLocation;
}

/**
 * One scalar setting. Keys are dotted: `bounds.memory.min` (bytes), `steps.cpu.maxDecrease`
 * (fraction), `minMonthlySaving.USD` (amount), `changes.gpu` (direction), `gpu.migProfiles` (list).
 */
export type SettingValue = number | boolean | string | string[];

export interface Setting {
  value: SettingValue;
  /** The text as written, for messages (`512Mi`, `30%`). */
  text: string;
  location: SourceLocation;
}

export interface PolicyRule {
  /** `file#name`, or `file#name[env]` for an environment override. */
  id: string;
  file: string;
  name: string;
  description?: string;
  /** Environment of an override; undefined for the rule itself. */
  override?: string;
  match: Selector;
  location: SourceLocation;
  /** Position in load order (files in the order given, rules in file order). */
  order: number;
  settings: Record<string, Setting>;
  freeze: FreezeWindow[];
  approvals: ApprovalRequirement[];
}

export interface EnvironmentDefinition {
  name: string;
  match: Selector;
  location: SourceLocation;
}

export interface EnergyBudget {
  team: string;
  kwhPerMonth: number;
  location: SourceLocation;
}

export interface PolicySet {
  files: string[];
  rules: PolicyRule[];
  environments: EnvironmentDefinition[];
  energyBudgets: EnergyBudget[];
}

/** What the caller knows about a workload beyond its ref. */
export interface WorkloadMeta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  environment?: string;
  team?: string;
  /** Seconds of usage history behind the recommendation. */
  historySeconds?: number;
  replicas?: number;
  /** Today's requests and limits, when known (used to tell whether a pod is Guaranteed). */
  containers?: ContainerResources[];
}

export interface PolicyContext {
  now: Date;
  workloads?: Record<string, WorkloadMeta>;
  /** Monthly cost delta of a (possibly clamped) recommendation. */
  price?: (rec: Recommendation) => { monthly: number; currency: string } | undefined;
}

export interface MatchedRule {
  rule: PolicyRule;
  /** Why the selector matches, one phrase per key: `namespace shop matches "shop"`. */
  why: string[];
  specificity: number[];
}

export interface EffectiveSetting extends Setting {
  key: string;
  rule: string;
  /** Rules that set the same key and lost, with why. */
  overridden: Array<{ rule: string; text: string; location: SourceLocation; because: string }>;
}

export interface PolicyConflict {
  message: string;
  locations: SourceLocation[];
}

export interface Explanation {
  workload: string;
  ref: Partial<WorkloadRef>;
  environment?: string;
  environmentSource?: string;
  rules: Array<{ id: string; location: string; description?: string; why: string[]; specificity: string; sets: string[] }>;
  notMatched: number;
  effective: Array<{ key: string; value: string; rule: string; location: string; overridden: string[] }>;
  freeze: Array<{ name: string; rule: string; location: string; when: string }>;
  approvals: Array<{ name: string; rule: string; location: string; when: string; approvers: string[] }>;
  conflicts: string[];
}
