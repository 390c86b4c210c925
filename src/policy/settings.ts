// Settings as flat dotted keys, how they are read from a policy file, how two values of one key
// compare ("stricter"), and how the settings of several rules merge into one effective set.

import { cpuCores, formatCpu, formatMemory, memoryBytes } from '../core/quantity.ts';
import { compareSpecificity } from './match.ts';
import { RESOURCES } from './types.ts';
import type { EffectiveSetting, MatchedRule, PolicyConflict, Resource, Setting, SettingValue, SourceLocation } from './types.ts';

export const CONFIDENCE_RANK: Record<string, number> = { low: 0, medium: 1, high: 2 };

/** `30%` → 0.3 */
export function parsePercent(text: string): number {
  return Number(text.slice(0, -1)) / 100;
}

/** `1w3d12h` → seconds */
export function parseDuration(text: string): number {
  const unit: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60 };
  let total = 0;
  for (const m of text.matchAll(/(\d+)([wdhm])/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

export function formatDuration(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  return `${Math.round(seconds / 60)}m`;
}

/** A quantity of a resource in base units: cores, bytes, GPUs, replicas. */
export function parseAmount(resource: Resource, raw: unknown): number | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  if (resource === 'cpu') return cpuCores(raw);
  if (resource === 'memory') return memoryBytes(raw);
  return typeof raw === 'number' ? raw : undefined;
}

export function formatAmount(resource: Resource, value: number): string {
  if (resource === 'cpu') return formatCpu(value);
  if (resource === 'memory') return formatMemory(value);
  return String(value);
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

type Strictness = 'higher' | 'lower' | 'true' | 'false' | 'directions' | 'intersect' | 'exclusive';

/** How two values of the same key compare when rules of equal specificity both set it. */
export function strictness(key: string): Strictness {
  if (key.startsWith('changes.')) return 'directions';
  if (key === 'gpu.migProfiles') return 'intersect';
  if (key === 'qos.cpuLimits') return 'exclusive';
  if (key === 'gpu.timeSlicing') return 'false';
  if (key === 'protected' || key === 'allOrNothing' || key === 'qos.preserveGuaranteed' || key === 'gpu.carbonAware') return 'true';
  if (key.endsWith('.max') || key.startsWith('steps.') || key.startsWith('qos.maxLimitRequestRatio.') || key === 'gpu.maxWatts') return 'lower';
  return 'higher';
}

function rank(key: string, value: SettingValue): number {
  return key === 'minConfidence' ? CONFIDENCE_RANK[String(value)] ?? 0 : Number(value);
}

const DIRECTION_SETS: Record<string, string[]> = { any: ['increase', 'decrease'], increase: ['increase'], decrease: ['decrease'], none: [] };

function directionOf(set: string[]): string {
  if (set.includes('increase') && set.includes('decrease')) return 'any';
  return set[0] ?? 'none';
}

export function formatSetting(key: string, value: SettingValue): string {
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  const resource = key.split('.')[1] as Resource;
  if (typeof value === 'number') {
    if (key.startsWith('bounds.') || (key.startsWith('minChange.') && key !== 'minChange.relative')) return formatAmount(resource, value);
    if (key.startsWith('steps.') || key === 'minChange.relative') return formatPercent(value);
    if (key === 'minHistory') return formatDuration(value);
    if (key === 'gpu.maxWatts') return `${value} W`;
    if (key.startsWith('minMonthlySaving.')) return `${value} ${key.split('.')[1]}`;
  }
  return String(value);
}

function loc(l: SourceLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

interface Candidate {
  rule: string;
  setting: Setting;
}

/**
 * Combines values of one key from rules of equal specificity: the stricter one wins.
 * Returns a conflict message when the values cannot be combined (keep vs drop).
 */
function combine(key: string, candidates: Candidate[]): { value: SettingValue; from: Candidate; conflict?: string } {
  const kind = strictness(key);
  let best = candidates[0];
  if (kind === 'higher' || kind === 'lower') {
    for (const c of candidates.slice(1)) {
      const d = rank(key, c.setting.value) - rank(key, best.setting.value);
      if ((kind === 'higher' && d > 0) || (kind === 'lower' && d < 0)) best = c;
    }
    return { value: best.setting.value, from: best };
  }
  if (kind === 'true' || kind === 'false') {
    const want = kind === 'true';
    best = candidates.find(c => c.setting.value === want) ?? best;
    return { value: best.setting.value, from: best };
  }
  if (kind === 'directions') {
    let set = DIRECTION_SETS.any;
    for (const c of candidates) set = set.filter(d => DIRECTION_SETS[String(c.setting.value)].includes(d));
    const value = directionOf(set);
    return { value, from: candidates.find(c => c.setting.value === value) ?? best };
  }
  if (kind === 'intersect') {
    let set = candidates[0].setting.value as string[];
    for (const c of candidates.slice(1)) set = set.filter(p => (c.setting.value as string[]).includes(p));
    const conflict = set.length === 0 && candidates.every(c => (c.setting.value as string[]).length > 0)
      ? `${key}: no profile is allowed by all of ${candidates.map(c => `${c.rule} (${loc(c.setting.location)})`).join(' and ')}`
      : undefined;
    return { value: set, from: best, conflict };
  }
  // exclusive: 'any' yields to the others; two different others conflict.
  const opinions = candidates.filter(c => c.setting.value !== 'any');
  if (opinions.length === 0) return { value: best.setting.value, from: best };
  const distinct = new Set(opinions.map(c => c.setting.value));
  if (distinct.size > 1) {
    const keep = opinions.find(c => c.setting.value === 'keep') ?? opinions[0];
    return {
      value: keep.setting.value,
      from: keep,
      conflict: `${key}: ${opinions.map(c => `"${String(c.setting.value)}" in ${c.rule} (${loc(c.setting.location)})`).join(' conflicts with ')}, at equal specificity; using "keep"`,
    };
  }
  return { value: opinions[0].setting.value, from: opinions[0] };
}

export interface MergedSettings {
  settings: Map<string, EffectiveSetting>;
  conflicts: PolicyConflict[];
}

/** Merges settings of matched rules (most specific first): per key, most specific wins, then stricter. */
export function mergeSettings(matched: MatchedRule[]): MergedSettings {
  const byKey = new Map<string, Array<Candidate & { specificity: number[] }>>();
  for (const m of matched) {
    for (const [key, setting] of Object.entries(m.rule.settings)) {
      const list = byKey.get(key) ?? [];
      list.push({ rule: m.rule.id, setting, specificity: m.specificity });
      byKey.set(key, list);
    }
  }
  const settings = new Map<string, EffectiveSetting>();
  const conflicts: PolicyConflict[] = [];
  for (const [key, list] of byKey) {
    const top = list.filter(c => compareSpecificity(c.specificity, list[0].specificity) === 0);
    const { value, from, conflict } = combine(key, top);
    if (conflict) conflicts.push({ message: conflict, locations: top.map(c => c.setting.location) });
    const text = value === from.setting.value ? from.setting.text : formatSetting(key, value);
    const overridden = list
      .filter(c => c !== from)
      .map(c => ({
        rule: c.rule,
        text: c.setting.text,
        location: c.setting.location,
        because: top.includes(c) ? (value === c.setting.value ? 'same value' : 'less strict at equal specificity') : 'less specific',
      }));
    settings.set(key, { ...from.setting, value, text, key, rule: from.rule, overridden });
  }
  conflicts.push(...invariantConflicts(settings));
  return { settings, conflicts };
}

function describe(s: EffectiveSetting): string {
  return `${s.key} ${s.text} (${s.rule}, ${loc(s.location)})`;
}

/** Merged settings that contradict each other, e.g. a minimum above a maximum. */
export function invariantConflicts(settings: Map<string, EffectiveSetting>): PolicyConflict[] {
  const out: PolicyConflict[] = [];
  const pair = (low: EffectiveSetting | undefined, high: EffectiveSetting | undefined, why: string) => {
    if (low && high && Number(low.value) > Number(high.value)) out.push({ message: `${describe(low)} ${why} ${describe(high)}`, locations: [low.location, high.location] });
  };
  for (const r of RESOURCES) pair(settings.get(`bounds.${r}.min`), settings.get(`bounds.${r}.max`), 'is above');
  pair(settings.get('availability.minReplicas'), settings.get('bounds.replicas.max'), 'is above');
  const relative = settings.get('minChange.relative');
  if (relative) {
    for (const r of RESOURCES) {
      for (const dir of ['maxDecrease', 'maxIncrease']) {
        const step = settings.get(`steps.${r}.${dir}`);
        if (step && Number(step.value) < Number(relative.value)) {
          out.push({ message: `${describe(relative)} is above ${describe(step)}: no ${dir === 'maxDecrease' ? 'cut' : 'raise'} of ${r} could ever be proposed`, locations: [relative.location, step.location] });
        }
      }
    }
  }
  return out;
}
