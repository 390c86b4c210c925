// Reading and validating policy files: YAML with positions, the JSON Schema, then semantic
// checks (globs, quantities, dates, time zones, overlapping freeze windows, conflicts between
// rules). Every problem is an InputError at the offending key or value.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import schema from '../../schema/policy.schema.json' with { type: 'json' };
import { InputError } from '../core/errors.ts';
import { errorAt, parseYamlSource, positionOf, schemaErrors } from '../config/schema-validate.ts';
import type { YamlPath, YamlSource } from '../config/schema-validate.ts';
import { dateProblem, describeFreeze, freezeOverlap, hoursProblem, timeZoneProblem } from './freeze.ts';
import { compareSpecificity, dnsGlobProblem, globMatches, globProblem, selectorsMayOverlap, specificity } from './match.ts';
import { mergeSettings, parseAmount, parseDuration, parsePercent } from './settings.ts';
import { RESOURCES } from './types.ts';
import type { ApprovalRequirement, EnergyBudget, EnvironmentDefinition, FreezeWindow, PolicyRule, PolicySet, Resource, Selector, Setting, SourceLocation } from './types.ts';

export const POLICY_SCHEMA: object = schema;

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function asList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

class FileChecker {
  readonly source: YamlSource;
  readonly errors: InputError[] = [];
  constructor(source: YamlSource) {
    this.source = source;
  }
  at(p: YamlPath, part: 'key' | 'value' = 'value'): SourceLocation {
    const pos = positionOf(this.source, p, part);
    return { file: this.source.file, line: pos.line, column: pos.column };
  }
  error(p: YamlPath, message: string, part: 'key' | 'value' = 'value'): void {
    this.errors.push(errorAt(this.source, p, message, part));
  }
}

function locationText(l: SourceLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

// ---------------------------------------------------------------------------
// Selectors

function readSelector(check: FileChecker, raw: unknown, at: YamlPath): Selector {
  if (!isObject(raw)) return {};
  const selector: Selector = {};
  for (const key of ['clusters', 'namespaces', 'kinds', 'names', 'environments'] as const) {
    const list = asList(raw[key]);
    if (!list) continue;
    selector[key] = list;
    list.forEach((glob, i) => {
      const where = Array.isArray(raw[key]) ? [...at, key, i] : [...at, key];
      const problem = globProblem(glob) ?? (key === 'namespaces' || key === 'names' ? dnsGlobProblem(glob) : undefined);
      if (problem) check.error(where, `${key.slice(0, -1)} glob "${glob}" ${problem}`);
    });
  }
  for (const key of ['labels', 'annotations'] as const) {
    const map = raw[key];
    if (!isObject(map)) continue;
    selector[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
    for (const [k, v] of Object.entries(selector[key] ?? {})) {
      const problem = globProblem(v);
      if (problem) check.error([...at, key, k], `${key.slice(0, -1)} ${k} glob "${v}" ${problem}`);
    }
  }
  return selector;
}

// ---------------------------------------------------------------------------
// Settings

function readSettings(check: FileChecker, raw: Raw, at: YamlPath, ruleId: string): { settings: Record<string, Setting>; freeze: FreezeWindow[]; approvals: ApprovalRequirement[] } {
  const settings: Record<string, Setting> = {};
  const set = (key: string, value: Setting['value'], p: YamlPath, text?: string) => {
    settings[key] = { value, text: text ?? (Array.isArray(value) ? `[${value.join(', ')}]` : String(value)), location: check.at(p) };
  };
  const sub = (name: string): Raw | undefined => (isObject(raw[name]) ? (raw[name] as Raw) : undefined);

  const bounds = sub('bounds');
  for (const r of RESOURCES) {
    const range = bounds && isObject(bounds[r]) ? (bounds[r] as Raw) : undefined;
    if (!range) continue;
    for (const end of ['min', 'max']) {
      if (range[end] === undefined) continue;
      const p = [...at, 'bounds', r, end];
      const amount = parseAmount(r, range[end]);
      if (amount === undefined) check.error(p, `bounds.${r}.${end}: "${String(range[end])}" is not a ${r} quantity`);
      else set(`bounds.${r}.${end}`, amount, p, String(range[end]));
    }
    const min = settings[`bounds.${r}.min`];
    const max = settings[`bounds.${r}.max`];
    if (min && max && Number(min.value) > Number(max.value)) {
      check.error([...at, 'bounds', r, 'min'], `bounds.${r}.min ${min.text} is above bounds.${r}.max ${max.text} (${locationText(max.location)})`);
    }
  }
  // Bounds that leave nothing to run: a container needs some CPU and memory, and a zero replica
  // maximum switches the workload off, which only an explicit allowScaleToZero may ask for.
  for (const r of ['cpu', 'memory'] as const) {
    const max = settings[`bounds.${r}.max`];
    if (max && Number(max.value) <= 0) check.error([...at, 'bounds', r, 'max'], `bounds.${r}.max ${max.text} leaves no ${r}: every workload this rule matches would be unschedulable`);
  }
  const replicasMax = settings['bounds.replicas.max'];
  if (replicasMax && Number(replicasMax.value) <= 0 && bounds?.allowScaleToZero !== true) {
    check.error([...at, 'bounds', 'replicas', 'max'], `bounds.replicas.max ${replicasMax.text} scales every workload this rule matches to zero; set bounds.allowScaleToZero: true if that is meant`);
  }
  const availability = sub('availability');
  if (availability?.minReplicas !== undefined) set('availability.minReplicas', Number(availability.minReplicas), [...at, 'availability', 'minReplicas']);

  const steps = sub('steps');
  for (const r of RESOURCES) {
    const step = steps && isObject(steps[r]) ? (steps[r] as Raw) : undefined;
    if (!step) continue;
    for (const dir of ['maxDecrease', 'maxIncrease']) {
      if (typeof step[dir] !== 'string') continue;
      const p = [...at, 'steps', r, dir];
      const fraction = parsePercent(step[dir] as string);
      if (dir === 'maxDecrease' && fraction >= 1) check.error(p, `steps.${r}.maxDecrease ${String(step[dir])} would allow cutting to zero; use at most 99%`);
      else set(`steps.${r}.${dir}`, fraction, p, String(step[dir]));
    }
  }
  const minChange = sub('minChange');
  if (minChange) {
    if (typeof minChange.relative === 'string') set('minChange.relative', parsePercent(minChange.relative), [...at, 'minChange', 'relative'], minChange.relative);
    for (const r of RESOURCES) {
      if (minChange[r] === undefined) continue;
      const amount = parseAmount(r, minChange[r]);
      const p = [...at, 'minChange', r];
      if (amount === undefined) check.error(p, `minChange.${r}: "${String(minChange[r])}" is not a ${r} quantity`);
      else set(`minChange.${r}`, amount, p, String(minChange[r]));
    }
  }
  const saving = sub('minMonthlySaving');
  if (saving) set(`minMonthlySaving.${String(saving.currency)}`, Number(saving.amount), [...at, 'minMonthlySaving', 'amount'], `${String(saving.amount)} ${String(saving.currency)}`);
  if (typeof raw.minConfidence === 'string') set('minConfidence', raw.minConfidence, [...at, 'minConfidence']);
  if (typeof raw.minHistory === 'string') set('minHistory', parseDuration(raw.minHistory), [...at, 'minHistory'], raw.minHistory);

  const qos = sub('qos');
  if (qos) {
    if (typeof qos.preserveGuaranteed === 'boolean') set('qos.preserveGuaranteed', qos.preserveGuaranteed, [...at, 'qos', 'preserveGuaranteed']);
    if (typeof qos.cpuLimits === 'string') set('qos.cpuLimits', qos.cpuLimits, [...at, 'qos', 'cpuLimits']);
    const ratio = isObject(qos.maxLimitRequestRatio) ? qos.maxLimitRequestRatio : undefined;
    for (const r of ['cpu', 'memory']) {
      if (typeof ratio?.[r] === 'number') set(`qos.maxLimitRequestRatio.${r}`, ratio[r] as number, [...at, 'qos', 'maxLimitRequestRatio', r]);
    }
    if (qos.preserveGuaranteed === true && qos.cpuLimits === 'drop') {
      check.error([...at, 'qos', 'cpuLimits'], 'qos.cpuLimits "drop" contradicts qos.preserveGuaranteed: Guaranteed pods need CPU limits equal to requests');
    }
  }
  for (const key of ['protected', 'allOrNothing']) {
    if (typeof raw[key] === 'boolean') set(key, raw[key] as boolean, [...at, key]);
  }
  const changes = sub('changes');
  for (const r of RESOURCES) {
    if (typeof changes?.[r] === 'string') set(`changes.${r}`, changes[r] as string, [...at, 'changes', r]);
  }
  const gpu = sub('gpu');
  if (gpu) {
    if (typeof gpu.maxWatts === 'number') set('gpu.maxWatts', gpu.maxWatts, [...at, 'gpu', 'maxWatts'], `${gpu.maxWatts} W`);
    if (Array.isArray(gpu.migProfiles)) set('gpu.migProfiles', gpu.migProfiles.map(String), [...at, 'gpu', 'migProfiles']);
    for (const key of ['timeSlicing', 'carbonAware']) {
      if (typeof gpu[key] === 'boolean') set(`gpu.${key}`, gpu[key] as boolean, [...at, 'gpu', key]);
    }
  }

  const freeze: FreezeWindow[] = [];
  if (Array.isArray(raw.freeze)) {
    const names = new Map<string, number>();
    raw.freeze.forEach((w: Raw, i) => {
      const p = [...at, 'freeze', i];
      const window: FreezeWindow = {
        name: String(w.name),
        reason: typeof w.reason === 'string' ? w.reason : undefined,
        from: typeof w.from === 'string' ? w.from : undefined,
        to: typeof w.to === 'string' ? w.to : undefined,
        outsideHours: isObject(w.outsideHours) ? { days: (w.outsideHours.days as string[]).map(String), hours: String(w.outsideHours.hours) } : undefined,
        timeZone: String(w.timeZone),
        rule: ruleId,
        location: check.at(p),
      };
      if (names.has(window.name)) check.error([...p, 'name'], `freeze window "${window.name}" is declared twice in this rule (first as freeze[${names.get(window.name)}])`);
      names.set(window.name, i);
      const zone = timeZoneProblem(window.timeZone);
      if (zone) check.error([...p, 'timeZone'], `freeze window "${window.name}": timeZone ${zone}`);
      const dates = window.from !== undefined || window.to !== undefined;
      if (dates && window.outsideHours) check.error([...p, 'outsideHours'], `freeze window "${window.name}": give either from/to or outsideHours, not both`, 'key');
      else if (!dates && !window.outsideHours) check.error(p, `freeze window "${window.name}": give from and to dates, or outsideHours`);
      else if (dates) {
        if (window.from === undefined || window.to === undefined) {
          check.error(p, `freeze window "${window.name}": needs both from and to`);
        } else {
          const fromProblem = dateProblem(window.from);
          const toProblem = dateProblem(window.to);
          if (fromProblem) check.error([...p, 'from'], `freeze window "${window.name}": from ${fromProblem}`);
          if (toProblem) check.error([...p, 'to'], `freeze window "${window.name}": to ${toProblem}`);
          if (!fromProblem && !toProblem) {
            if (window.from.length !== window.to.length) check.error([...p, 'to'], `freeze window "${window.name}": from and to must both be YYYY-MM-DD or both MM-DD`);
            else if (window.from.length === 10 && window.from > window.to) check.error([...p, 'to'], `freeze window "${window.name}": to ${window.to} is before from ${window.from}`);
          }
        }
      } else if (window.outsideHours) {
        const problem = hoursProblem(window.outsideHours.hours);
        if (problem) check.error([...p, 'outsideHours', 'hours'], `freeze window "${window.name}": ${problem}`);
      }
      freeze.push(window);
    });
  }

  const approvals: ApprovalRequirement[] = [];
  if (Array.isArray(raw.approvals)) {
    raw.approvals.forEach((a: Raw, i) => {
      const when = isObject(a.when) ? a.when : {};
      const require = isObject(a.require) ? a.require : {};
      const money = isObject(when.monthlyChangeOver) ? when.monthlyChangeOver : undefined;
      approvals.push({
        name: String(a.name),
        when: {
          decreaseOver: typeof when.decreaseOver === 'string' ? parsePercent(when.decreaseOver) : undefined,
          increaseOver: typeof when.increaseOver === 'string' ? parsePercent(when.increaseOver) : undefined,
          monthlyChangeOver: money ? { amount: Number(money.amount), currency: String(money.currency) } : undefined,
          resources: Array.isArray(when.resources) ? (when.resources as Resource[]) : undefined,
          energyIncrease: typeof when.energyIncrease === 'boolean' ? when.energyIncrease : undefined,
        },
        labels: Array.isArray(require.labels) ? require.labels.map(String) : [],
        teams: Array.isArray(require.teams) ? require.teams.map(String) : [],
        rule: ruleId,
        location: check.at([...at, 'approvals', i]),
      });
    });
  }
  return { settings, freeze, approvals };
}

// ---------------------------------------------------------------------------
// Files

function readFile1(file: { path: string; text: string }, order: { next: number }): { rules: PolicyRule[]; environments: EnvironmentDefinition[]; energyBudgets: EnergyBudget[]; errors: InputError[] } {
  const empty = { rules: [], environments: [], energyBudgets: [] };
  const parsed = parseYamlSource(file.path, file.text);
  if (parsed.errors.length > 0) return { ...empty, errors: parsed.errors };
  if (parsed.value === undefined || parsed.value === null) return { ...empty, errors: [new InputError(file.path, 'empty policy file: expected version: 1 and rules', { line: 1, column: 1 })] };
  const schemaProblems = schemaErrors(parsed.source, parsed.value, schema);
  if (schemaProblems.length > 0) return { ...empty, errors: schemaProblems };

  const check = new FileChecker(parsed.source);
  const doc = parsed.value as Raw;

  const environments: EnvironmentDefinition[] = [];
  (Array.isArray(doc.environments) ? doc.environments : []).forEach((e: Raw, i) => {
    const p: YamlPath = ['environments', i];
    const match = readSelector(check, e.match, [...p, 'match']);
    if (match.environments) check.error([...p, 'match', 'environments'], 'an environment definition cannot select by environment', 'key');
    if (environments.some(x => x.name === e.name)) check.error([...p, 'name'], `environment "${String(e.name)}" is defined twice`);
    environments.push({ name: String(e.name), match, location: check.at(p) });
  });

  const energyBudgets: EnergyBudget[] = [];
  (Array.isArray(doc.energyBudgets) ? doc.energyBudgets : []).forEach((b: Raw, i) => {
    const p: YamlPath = ['energyBudgets', i];
    if (energyBudgets.some(x => x.team === b.team)) check.error([...p, 'team'], `energy budget for team "${String(b.team)}" is given twice`);
    energyBudgets.push({ team: String(b.team), kwhPerMonth: Number(b.kwhPerMonth), location: check.at(p) });
  });

  const rules: PolicyRule[] = [];
  const names = new Map<string, number>();
  (doc.rules as Raw[]).forEach((raw, i) => {
    const p: YamlPath = ['rules', i];
    const name = String(raw.name);
    if (names.has(name)) check.error([...p, 'name'], `rule "${name}" is declared twice in this file (first at rules[${names.get(name)}])`);
    names.set(name, i);
    const id = `${file.path}#${name}`;
    const match = readSelector(check, raw.match, [...p, 'match']);
    const own = readSettings(check, raw, p, id);
    const base: PolicyRule = {
      id, file: file.path, name, description: typeof raw.description === 'string' ? raw.description : undefined,
      match, location: check.at(p), order: order.next++, ...own,
    };
    rules.push(base);
    const overrides = isObject(raw.overrides) ? raw.overrides : {};
    for (const [env, settingsRaw] of Object.entries(overrides)) {
      const op: YamlPath = [...p, 'overrides', env];
      if (match.environments && !match.environments.some(g => globProblem(g) === undefined && globMatches(g, env))) {
        check.error(op, `override "${env}" can never apply: the rule only selects environments ${match.environments.join(', ')}`, 'key');
      }
      const overrideSettings = readSettings(check, settingsRaw as Raw, op, `${id}[${env}]`);
      rules.push({
        id: `${id}[${env}]`, file: file.path, name, description: base.description, override: env,
        match: { ...match, environments: [env] }, location: check.at(op, 'key'), order: order.next++, ...overrideSettings,
      });
    }
  });
  return { rules, environments, energyBudgets, errors: check.errors };
}

function errorFor(message: string, locations: SourceLocation[]): InputError {
  const [first] = locations;
  return new InputError(first.file, `conflicting policy: ${message}`, { line: first.line, column: first.column });
}

/** Conflicts that show only when rules are merged: each rule alone, and every pair that can select the same workload. */
export function findConflicts(rules: PolicyRule[]): InputError[] {
  const seen = new Set<string>();
  const out: InputError[] = [];
  const report = (group: PolicyRule[]) => {
    const matched = group
      .map(rule => ({ rule, why: [], specificity: specificity(rule) }))
      .sort((a, b) => compareSpecificity(b.specificity, a.specificity) || a.rule.order - b.rule.order);
    for (const c of mergeSettings(matched).conflicts) {
      if (seen.has(c.message)) continue;
      seen.add(c.message);
      out.push(errorFor(c.message, c.locations));
    }
  };
  for (let i = 0; i < rules.length; i++) {
    report([rules[i]]);
    for (let j = i + 1; j < rules.length; j++) {
      if (selectorsMayOverlap(rules[i].match, rules[j].match)) report([rules[i], rules[j]]);
    }
  }
  return out;
}

/** Date freeze windows of rules with the same selector that share a day. */
export function findOverlappingFreezes(rules: PolicyRule[]): InputError[] {
  const groups = new Map<string, FreezeWindow[]>();
  for (const rule of rules) {
    const key = JSON.stringify(rule.match);
    groups.set(key, [...(groups.get(key) ?? []), ...rule.freeze.filter(w => w.from && w.to && !dateProblem(w.from) && !dateProblem(w.to))]);
  }
  const out: InputError[] = [];
  for (const windows of groups.values()) {
    for (let i = 0; i < windows.length; i++) {
      for (let j = 0; j < i; j++) {
        if (!freezeOverlap(windows[i], windows[j])) continue;
        const a = windows[j], b = windows[i];
        out.push(new InputError(b.location.file, `freeze window "${b.name}" (${describeFreeze(b)}) overlaps "${a.name}" (${describeFreeze(a)}) at ${locationText(a.location)}; merge them into one window`, { line: b.location.line, column: b.location.column }));
      }
    }
  }
  return out;
}

/** Loads and validates policy files. Rules of files with errors are left out of the set. */
export function loadPolicies(files: Array<{ path: string; text: string }>): { policies: PolicySet; errors: InputError[] } {
  const policies: PolicySet = { files: files.map(f => f.path), rules: [], environments: [], energyBudgets: [] };
  const errors: InputError[] = [];
  const order = { next: 0 };
  for (const file of files) {
    const result = readFile1(file, order);
    errors.push(...result.errors);
    if (result.errors.length > 0) continue;
    policies.rules.push(...result.rules);
    policies.environments.push(...result.environments);
    for (const budget of result.energyBudgets) {
      const existing = policies.energyBudgets.find(b => b.team === budget.team);
      // The same team budgeted in two files: the smaller budget holds.
      if (!existing) policies.energyBudgets.push(budget);
      else if (budget.kwhPerMonth < existing.kwhPerMonth) policies.energyBudgets.splice(policies.energyBudgets.indexOf(existing), 1, budget);
    }
  }
  errors.push(...findOverlappingFreezes(policies.rules), ...findConflicts(policies.rules));
  const fileOrder = new Map(files.map((f, i) => [f.path, i]));
  errors.sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { policies, errors };
}

const POLICY_EXTENSIONS = new Set(['.yaml', '.yml']);

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && POLICY_EXTENSIONS.has(path.extname(entry.name))) out.push(full);
  }
  return out;
}

/**
 * Reads policy files: files as given, folders recursively (*.yaml, *.yml, sorted). Paths in the
 * result are relative to `root` with forward slashes, as they appear in messages and rule ids.
 */
/** rightsizer's own policies/defaults.yaml (beside src/ or dist/). */
function isBuiltIn(file: string): boolean {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [1, 2, 3].some(up => path.join(here, ...Array(up).fill('..'), 'policies', path.basename(file)) === file);
}

export async function readPolicyFiles(pathsOrDirs: string[], root: string): Promise<Array<{ path: string; text: string }>> {
  const seen = new Set<string>();
  const out: Array<{ path: string; text: string }> = [];
  for (const given of pathsOrDirs) {
    const full = path.resolve(root, given);
    let info;
    try {
      info = await stat(full);
    } catch {
      throw new InputError(given, `no such policy file or folder (looked for ${full})`, {}, 'fix the policies list of the configuration (paths are relative to its folder), or remove it to use the built-in cautious defaults');
    }
    const files = info.isDirectory() ? await walk(full) : [full];
    for (const file of files) {
      if (seen.has(file)) continue;
      seen.add(file);
      const rel = path.relative(root, file);
      // Notes and evidence name files relative to the repository, never by a path of this machine.
      // The built-in files are named as such, also when rightsizer is installed below the root
      // (only rightsizer's own checkout names them as its policies/ folder).
      const builtIn = path.basename(path.dirname(file)) === 'policies' && isBuiltIn(file) && rel !== path.join('policies', path.basename(file));
      const shown = builtIn ? `rightsizer:policies/${path.basename(file)}` : rel;
      out.push({ path: shown.split(path.sep).join('/'), text: await readFile(file, 'utf8') });
    }
  }
  return out;
}
