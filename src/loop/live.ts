// Live or drift: does the cluster run what Git says? Pure comparisons of the values kube-state-
// metrics reports (a WorkloadSpec: the snapshot's `current`, or verify's instant queries) with
// the values of the repository files (plan) or of the merged pull requests (verify).

import type { DriftFinding } from '../core/plan.ts';
import { formatCpu, formatMemory } from '../core/quantity.ts';
import type { WorkloadSpec } from '../core/types.ts';
import { gitValues, type ContainerField, type GitValue, type LedgerEntry, type WorkloadField } from './ledger.ts';

/** Live value of one setting, in base units; undefined when the cluster reports none. */
export function liveValue(spec: WorkloadSpec, field: ContainerField | WorkloadField, container?: string): number | undefined {
  if (field === 'replicas') return spec.replicas;
  if (field === 'hpa.minReplicas') return spec.hpa?.minReplicas;
  if (field === 'hpa.maxReplicas') return spec.hpa?.maxReplicas;
  const c = spec.containers.find(x => x.container === container);
  if (!c) return undefined;
  const side = field.endsWith('.request') ? c.requests : c.limits;
  if (field.startsWith('cpu.')) return side.cpuCores;
  if (field.startsWith('memory.')) return side.memoryBytes;
  return side.gpus;
}

/**
 * Equal as Kubernetes stores them: CPU to the millicore, memory to 0.1% (a file's `1.5Gi` and
 * the bytes kube-state-metrics reports are the same number, but a float can differ in the last
 * digits), counts exactly.
 */
export function sameValue(field: string, a: number, b: number): boolean {
  if (field.startsWith('cpu.')) return Math.abs(a - b) < 0.0005;
  if (field.startsWith('memory.')) return Math.abs(a - b) <= Math.max(1, 0.001 * Math.max(a, b));
  return a === b;
}

/** A value as people write it in a manifest. */
export function valueText(field: string, v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (field.startsWith('cpu.')) return formatCpu(v);
  if (field.startsWith('memory.')) return formatMemory(v);
  return String(v);
}

export type LiveState = 'live' | 'pending' | 'drift' | 'unknown' | 'superseded';

export interface ChangeStatus {
  entry: LedgerEntry;
  state: LiveState;
  /** Settings of this change that Git still holds and the cluster does not run (drift or pending). */
  findings: DriftFinding[];
  /** One line for people. */
  summary: string;
}

/**
 * The state of every merged change: `live` when the cluster runs every value of it that Git
 * still holds; `pending` when it does not yet and was merged less than `liveAfterSeconds` ago;
 * `drift` after that (not rolled out, or changed by hand since); `unknown` when Prometheus does
 * not report the workload; `superseded` when later merges changed all its settings again.
 */
export function liveStatus(ledger: LedgerEntry[], live: Map<string, WorkloadSpec>, now: Date, liveAfterSeconds: number): ChangeStatus[] {
  const current = gitValues(ledger);
  const out: ChangeStatus[] = [];
  for (const entry of ledger) {
    const mine = current.filter(v => v.entry === entry);
    if (mine.length === 0) { out.push({ entry, state: 'superseded', findings: [], summary: `#${entry.pr}: every setting was changed again by later merges` }); continue; }
    const missing = [...new Set(mine.filter(v => !live.has(v.workload)).map(v => v.workload))];
    const differ = mine.filter(v => live.has(v.workload)).filter(v => {
      const l = liveValue(live.get(v.workload)!, v.field, v.container);
      return l === undefined || !sameValue(v.field, l, v.value);
    });
    const age = (now.getTime() - Date.parse(entry.mergedAt)) / 1000;
    if (differ.length === 0 && missing.length === 0) {
      out.push({ entry, state: 'live', findings: [], summary: `#${entry.pr} is live: the cluster runs the ${mine.length === 1 ? 'value' : `${mine.length} values`} it merged` });
      continue;
    }
    if (differ.length === 0) {
      out.push({ entry, state: 'unknown', findings: [], summary: `#${entry.pr}: Prometheus reports nothing for ${missing.join(', ')}` });
      continue;
    }
    const pending = age < liveAfterSeconds;
    const findings = differ.map(v => finding(v, live.get(v.workload)!, pending, liveAfterSeconds));
    out.push({
      entry, state: pending ? 'pending' : 'drift', findings,
      summary: pending
        ? `#${entry.pr} is merged but not running yet (${findings.length} ${findings.length === 1 ? 'setting' : 'settings'} differ; drift after ${Math.round(liveAfterSeconds / 60)} min)`
        : `#${entry.pr}: drift, the cluster does not run what Git says (${findings.map(f => `${f.workload}${f.container ? ` ${f.container}` : ''} ${f.field}: Git ${f.git}, live ${f.live ?? 'unset'}`).join('; ')})`,
    });
  }
  return out;
}

function finding(v: GitValue, spec: WorkloadSpec, pending: boolean, liveAfterSeconds: number): DriftFinding {
  const l = liveValue(spec, v.field, v.container);
  return {
    workload: v.workload, ...(v.container ? { container: v.container } : {}), field: v.field,
    git: valueText(v.field, v.value)!, ...(l !== undefined ? { live: valueText(v.field, l) } : {}),
    source: 'merged', pr: v.entry.pr,
    reason: pending
      ? `merged in #${v.entry.pr}, not rolled out yet`
      : `merged in #${v.entry.pr} at ${v.entry.mergedAt}, and after ${Math.round(liveAfterSeconds / 60)} min the cluster still does not run it (not synced, or changed by hand)`,
  };
}

/**
 * A file's value against the live one, for the plan: a finding when they differ, undefined when
 * they agree or either is unknown (a value that is not a quantity, nothing reported live).
 */
export function fileDrift(input: { workload: string; container?: string; field: string; fileText: string; fileValue: number | undefined; live: number | undefined; where: string }): DriftFinding | undefined {
  if (input.fileValue === undefined || input.live === undefined || sameValue(input.field, input.fileValue, input.live)) return undefined;
  return {
    workload: input.workload, ...(input.container ? { container: input.container } : {}), field: input.field,
    git: input.fileText, live: valueText(input.field, input.live), source: 'file',
    reason: `${input.where} says ${input.fileText} but the cluster runs ${valueText(input.field, input.live)} (changed by hand, an Application out of sync, or a merge not rolled out yet)`,
  };
}
