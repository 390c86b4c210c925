// Selecting workloads: globs, selectors, specificity and whether two selectors can overlap.

// picomatch ships no type declarations (and @types/picomatch is not installed); the two calls
// used here are typed below. A static import so esbuild bundles it into the Action.
// @ts-ignore TS7016: no declaration file for 'picomatch'
import picomatchModule from 'picomatch';
import type { WorkloadRef } from '../core/types.ts';
import type { EnvironmentDefinition, MatchedRule, PolicyRule, Selector, WorkloadMeta } from './types.ts';

type Picomatch = { makeRe(glob: string, options?: object): RegExp; scan(glob: string): { isGlob: boolean } };
const picomatch = picomatchModule as Picomatch;

const compiled = new Map<string, RegExp>();

export function globRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (!re) {
    re = picomatch.makeRe(glob, { dot: true });
    compiled.set(glob, re);
  }
  return re;
}

export function isGlob(pattern: string): boolean {
  return picomatch.scan(pattern).isGlob;
}

export function globMatches(glob: string, value: string): boolean {
  return globRegExp(glob).test(value);
}

/** A problem with a glob that picomatch would silently accept, or undefined when it is fine. */
export function globProblem(glob: string): string | undefined {
  if (glob.trim() === '') return 'is empty';
  if (glob !== glob.trim()) return 'has leading or trailing spaces';
  const pairs: Array<[string, string]> = [['[', ']'], ['{', '}'], ['(', ')']];
  for (const [open, close] of pairs) {
    let depth = 0;
    for (let i = 0; i < glob.length; i++) {
      if (glob[i] === '\\') { i++; continue; }
      if (glob[i] === open) depth++;
      else if (glob[i] === close) depth--;
      if (depth < 0) return `has "${close}" without "${open}"`;
    }
    if (depth > 0) return `has "${open}" without "${close}"`;
  }
  try {
    const re = picomatch.makeRe(glob, { dot: true });
    if (re.source === '$^') return 'can never match';
  } catch (err) {
    return `is not a valid glob (${(err as Error).message})`;
  }
  return undefined;
}

/** Kubernetes names and namespaces are lowercase DNS labels; a glob that needs other characters never matches. */
export function dnsGlobProblem(glob: string): string | undefined {
  const literal = glob.replace(/\[[^\]]*\]|[*?{},()!+@]/g, '');
  const bad = literal.match(/[^a-z0-9.\-]/);
  if (bad) return `contains "${bad[0]}", which Kubernetes names never contain (they are lowercase letters, digits, "-" and ".")`;
  return undefined;
}

type ListKey = 'clusters' | 'namespaces' | 'kinds' | 'names' | 'environments';

/** 2 for literal values only, 1 when any entry is a glob, 0 when absent or a catch-all. */
function listSpecificity(patterns: string[] | undefined): number {
  if (!patterns || patterns.length === 0) return 0;
  if (patterns.some(p => p === '*' || p === '**')) return 0;
  return patterns.some(isGlob) ? 1 : 2;
}

/**
 * Specificity, compared left to right: workload name, labels and annotations (count),
 * namespace, kind, cluster, environment, environment override. Documented in docs/POLICIES.md.
 */
export function specificity(rule: Pick<PolicyRule, 'match' | 'override'>): number[] {
  const m = rule.match;
  const keys = Object.keys(m.labels ?? {}).length + Object.keys(m.annotations ?? {}).length;
  return [
    listSpecificity(m.names),
    keys,
    listSpecificity(m.namespaces),
    listSpecificity(m.kinds),
    listSpecificity(m.clusters),
    listSpecificity(m.environments),
    rule.override ? 1 : 0,
  ];
}

export function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function describeSpecificity(s: number[]): string {
  const names = ['name', 'labels', 'namespace', 'kind', 'cluster', 'environment', 'override'];
  const parts = s.map((v, i) => {
    if (v === 0) return '';
    if (i === 1) return `${names[i]}×${v}`;
    return i === 6 || v === 2 ? names[i] : `${names[i]} (glob)`;
  }).filter(Boolean);
  return parts.length > 0 ? parts.join(' > ') : 'catch-all';
}

export interface WorkloadFacts {
  ref: Partial<WorkloadRef>;
  meta: WorkloadMeta;
  environment?: string;
}

function matchList(key: ListKey, patterns: string[] | undefined, value: string | undefined, why: string[]): boolean {
  if (!patterns || patterns.length === 0) return true;
  const noun = key === 'environments' ? 'environment' : key.slice(0, -1);
  if (value === undefined) return false;
  const hit = patterns.find(p => globMatches(p, value));
  if (!hit) return false;
  why.push(`${noun} ${value} matches "${hit}"`);
  return true;
}

function matchMap(noun: string, patterns: Record<string, string> | undefined, values: Record<string, string> | undefined, why: string[]): boolean {
  if (!patterns) return true;
  for (const [key, glob] of Object.entries(patterns)) {
    const value = values?.[key];
    if (value === undefined || !globMatches(glob, value)) return false;
    why.push(`${noun} ${key}=${value} matches "${glob}"`);
  }
  return true;
}

/** Why a selector matches the workload, or undefined when it does not. */
export function selectorMatches(match: Selector, facts: WorkloadFacts): string[] | undefined {
  const why: string[] = [];
  const { ref, meta } = facts;
  const ok =
    matchList('clusters', match.clusters, ref.cluster, why) &&
    matchList('namespaces', match.namespaces, ref.namespace, why) &&
    matchList('kinds', match.kinds, ref.kind, why) &&
    matchList('names', match.names, ref.name, why) &&
    matchMap('label', match.labels, meta.labels, why) &&
    matchMap('annotation', match.annotations, meta.annotations, why) &&
    matchList('environments', match.environments, facts.environment, why);
  if (!ok) return undefined;
  if (why.length === 0) why.push('selects every workload');
  return why;
}

/** The workload's environment: from the caller, else from the first matching environment definition. */
export function resolveEnvironment(ref: Partial<WorkloadRef>, meta: WorkloadMeta, definitions: EnvironmentDefinition[]): { environment?: string; source?: string } {
  if (meta.environment) return { environment: meta.environment, source: 'given by the caller' };
  for (const def of definitions) {
    const why = selectorMatches({ ...def.match, environments: undefined }, { ref, meta });
    if (why) return { environment: def.name, source: `${def.location.file}:${def.location.line}:${def.location.column} (${why.join(', ')})` };
  }
  return {};
}

/** Rules whose selectors match, most specific first; ties keep load order. */
export function matchingRules(rules: PolicyRule[], facts: WorkloadFacts): MatchedRule[] {
  const out: MatchedRule[] = [];
  for (const rule of rules) {
    const why = selectorMatches(rule.match, facts);
    if (why) out.push({ rule, why, specificity: specificity(rule) });
  }
  return out.sort((a, b) => compareSpecificity(b.specificity, a.specificity) || a.rule.order - b.rule.order);
}

// ---------------------------------------------------------------------------
// Could two selectors select the same workload? Conservative: "maybe" unless provably disjoint.

function literalPrefix(glob: string): string {
  const i = glob.search(/[*?[\]{}()!+@\\]/);
  return i < 0 ? glob : glob.slice(0, i);
}

function literalSuffix(glob: string): string {
  const m = /[*?[\]{}()!+@\\]/g;
  let last = -1;
  for (let r = m.exec(glob); r; r = m.exec(glob)) last = r.index;
  return last < 0 ? glob : glob.slice(last + 1);
}

export function globsMayOverlap(a: string, b: string): boolean {
  const ga = isGlob(a);
  const gb = isGlob(b);
  if (!ga && !gb) return a === b;
  if (!ga) return globMatches(b, a);
  if (!gb) return globMatches(a, b);
  const pa = literalPrefix(a), pb = literalPrefix(b);
  if (!pa.startsWith(pb) && !pb.startsWith(pa)) return false;
  const sa = literalSuffix(a), sb = literalSuffix(b);
  if (!sa.endsWith(sb) && !sb.endsWith(sa)) return false;
  return true;
}

function listsMayOverlap(a: string[] | undefined, b: string[] | undefined): boolean {
  if (!a || !b || a.length === 0 || b.length === 0) return true;
  return a.some(x => b.some(y => globsMayOverlap(x, y)));
}

function mapsMayOverlap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (!a || !b) return true;
  for (const [key, glob] of Object.entries(a)) {
    if (key in b && !globsMayOverlap(glob, b[key])) return false;
  }
  return true;
}

export function selectorsMayOverlap(a: Selector, b: Selector): boolean {
  return (
    listsMayOverlap(a.clusters, b.clusters) &&
    listsMayOverlap(a.namespaces, b.namespaces) &&
    listsMayOverlap(a.kinds, b.kinds) &&
    listsMayOverlap(a.names, b.names) &&
    listsMayOverlap(a.environments, b.environments) &&
    mapsMayOverlap(a.labels, b.labels) &&
    mapsMayOverlap(a.annotations, b.annotations)
  );
}
