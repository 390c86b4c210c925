// `rightsizer policy explain`: which rules select a workload and why, in precedence order, and
// the merged settings with the rule each one comes from.

import type { WorkloadRef } from '../core/types.ts';
import { parseWorkloadId } from '../core/workload-id.ts';
import { resolveWorkload } from './apply.ts';
import { describeFreeze } from './freeze.ts';
import { describeSpecificity } from './match.ts';
import { formatPercent } from './settings.ts';
import type { ApprovalRequirement, Explanation, PolicySet, SourceLocation, WorkloadMeta } from './types.ts';

function loc(l: SourceLocation): string {
  return `${l.file}:${l.line}:${l.column}`;
}

function describeWhen(a: ApprovalRequirement): string {
  const w = a.when;
  const parts = [
    w.decreaseOver !== undefined ? `a cut over ${formatPercent(w.decreaseOver)}` : '',
    w.increaseOver !== undefined ? `a raise over ${formatPercent(w.increaseOver)}` : '',
    w.monthlyChangeOver ? `a monthly cost change over ${w.monthlyChangeOver.amount} ${w.monthlyChangeOver.currency}` : '',
    w.resources ? `any ${w.resources.join('/')} change` : '',
    w.energyIncrease ? 'more energy use' : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' or ') : 'every change';
}

export function explainPolicies(ref: Partial<WorkloadRef>, meta: WorkloadMeta, policies: PolicySet): Explanation {
  const resolved = resolveWorkload(ref, meta, policies);
  const workload = [ref.cluster ?? '?', ref.namespace ?? '?', ref.kind ?? '?', ref.name ?? '?'].join('/');
  const freeze: Explanation['freeze'] = [];
  const approvals: Explanation['approvals'] = [];
  for (const m of resolved.matched) {
    for (const w of m.rule.freeze) freeze.push({ name: w.name, rule: w.rule, location: loc(w.location), when: describeFreeze(w) });
    for (const a of m.rule.approvals) {
      approvals.push({ name: a.name, rule: a.rule, location: loc(a.location), when: describeWhen(a), approvers: [...a.teams, ...a.labels.map(l => `label:${l}`)] });
    }
  }
  return {
    workload,
    ref,
    environment: resolved.environment,
    environmentSource: resolved.environmentSource,
    rules: resolved.matched.map(m => ({
      id: m.rule.id,
      location: loc(m.rule.location),
      description: m.rule.description,
      why: m.why,
      specificity: describeSpecificity(m.specificity),
      sets: [...Object.keys(m.rule.settings), ...(m.rule.freeze.length > 0 ? ['freeze'] : []), ...(m.rule.approvals.length > 0 ? ['approvals'] : [])],
    })),
    notMatched: policies.rules.length - resolved.matched.length,
    effective: [...resolved.merged.settings.values()]
      .sort((a, b) => a.key.localeCompare(b.key))
      .map(s => ({ key: s.key, value: s.text, rule: s.rule, location: loc(s.location), overridden: s.overridden.map(o => `${o.text} from ${o.rule} (${loc(o.location)}): ${o.because}`) })),
    freeze,
    approvals,
    conflicts: resolved.merged.conflicts.map(c => c.message),
  };
}

/** Plain text for the terminal. */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  lines.push(`workload ${e.workload}`);
  lines.push(`environment: ${e.environment ? `${e.environment} (${e.environmentSource})` : 'unknown (rules that select by environment do not apply)'}`);
  lines.push('');
  if (e.rules.length === 0) lines.push(`no rule applies (${e.notMatched} rules checked)`);
  else {
    lines.push(`rules that apply, in precedence order (${e.notMatched} other rules do not select this workload):`);
    e.rules.forEach((r, i) => {
      lines.push(`  ${i + 1}. ${r.id}  [${r.specificity}]  ${r.location}`);
      if (r.description) lines.push(`     ${r.description}`);
      lines.push(`     selects because: ${r.why.join('; ')}`);
      lines.push(`     sets: ${r.sets.length > 0 ? r.sets.join(', ') : 'nothing'}`);
    });
  }
  lines.push('');
  lines.push('effective settings:');
  if (e.effective.length === 0) lines.push('  (none)');
  const width = Math.max(0, ...e.effective.map(s => s.key.length));
  for (const s of e.effective) {
    lines.push(`  ${s.key.padEnd(width)}  ${s.value}  from ${s.rule} (${s.location})`);
    for (const o of s.overridden) lines.push(`  ${''.padEnd(width)}    overrides ${o}`);
  }
  if (e.freeze.length > 0) {
    lines.push('', 'freeze windows:');
    for (const f of e.freeze) lines.push(`  ${f.name}: ${f.when}  from ${f.rule} (${f.location})`);
  }
  if (e.approvals.length > 0) {
    lines.push('', 'approvals:');
    for (const a of e.approvals) lines.push(`  ${a.name}: ${a.when} needs ${a.approvers.join(' or ')}  from ${a.rule} (${a.location})`);
  }
  if (e.conflicts.length > 0) {
    lines.push('', 'conflicts:');
    for (const c of e.conflicts) lines.push(`  ${c}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A workload id, full or short (see core/workload-id.ts); kind case-insensitive. */
export function parseWorkloadArg(text: string): Partial<WorkloadRef> {
  return parseWorkloadId(text);
}
