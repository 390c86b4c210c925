// The undo of a merged change that regressed: recommendations that put back the values it
// replaced, for the containers that regressed (and the workload's replicas and HPA bounds when
// the change moved them). Where the old value showed the same trouble before the merge, it is
// raised further instead (by `raiseFactor`): restoring a value that also failed fixes nothing.
// Pure; the plan it makes goes through the normal delivery path (branch, scope guard, marker).

import type { RegressionThresholds } from '../config/types.ts';
import type { Plan } from '../core/plan.ts';
import type { Change, ContainerRecommendation, Edit, Recommendation, Unplaced, WorkloadKind } from '../core/types.ts';
import { gitValues, type ContainerField, type LedgerEntry, type LedgerWorkload, type WorkloadField } from './ledger.ts';
import type { Regression } from './regression.ts';

const MIB = 2 ** 20;

const KEY: Record<ContainerField, keyof Omit<ContainerRecommendation, 'container' | 'evidence' | 'gpuResource'>> = {
  'cpu.request': 'cpuRequest', 'cpu.limit': 'cpuLimit', 'memory.request': 'memoryRequest',
  'memory.limit': 'memoryLimit', 'gpu.request': 'gpuRequest', 'gpu.limit': 'gpuLimit',
};

/** The value written back: the old one, or more when the old one failed the same way. */
function undoValue(field: string, oldValue: number | null, newValue: number, raise: boolean, factor: number): number {
  const base = Math.max(oldValue ?? newValue, newValue);
  if (!raise && oldValue !== null) return oldValue;
  const raised = base * factor;
  if (field.startsWith('memory.')) return Math.ceil(raised / MIB) * MIB;
  if (field.startsWith('cpu.')) return Math.ceil(raised * 1000) / 1000;
  return Math.ceil(raised);
}

function refOf(id: string): Recommendation['ref'] {
  const [cluster, namespace, kind, ...name] = id.split('/');
  return { cluster, namespace, kind: kind as WorkloadKind, name: name.join('/') };
}

/**
 * Recommendations that undo `entry` where it regressed. Only settings Git still holds from this
 * entry are touched (a later merge that changed them again is left alone).
 */
export function undoRecommendations(entry: LedgerEntry, ledger: LedgerEntry[], regressions: Regression[], t: RegressionThresholds): Recommendation[] {
  const still = new Set(gitValues(ledger).filter(v => v.entry === entry).map(v => `${v.workload}|${v.container ?? ''}|${v.field}`));
  const out: Recommendation[] = [];
  const byWorkload = new Map<string, Regression[]>();
  for (const r of regressions) byWorkload.set(r.workload, [...(byWorkload.get(r.workload) ?? []), r]);
  for (const [id, regs] of [...byWorkload].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const w: LedgerWorkload | undefined = entry.block.workloads.find(x => x.id === id);
    if (!w) continue;
    const windowSeconds = Math.max(0, Math.round((Date.parse(entry.block.window.end) - Date.parse(entry.block.window.start)) / 1000));
    const again = entry.block.kind === 'revert';
    const containers: ContainerRecommendation[] = [];
    for (const c of w.containers) {
      const mine = regs.filter(r => r.container === c.name);
      if (mine.length === 0) continue;
      // Memory is raised past the old value when the old value was OOM-killed too; CPU when it was
      // throttled too. An undo that regressed again is never undone back to the change it
      // replaced: the resource that failed is raised further, the rest is left as it is.
      const raiseMemory = mine.some(r => (r.kind === 'oom' && (r.oldAlsoFailed || again)) || (again && r.kind === 'restarts'));
      const raiseCpu = mine.some(r => (r.kind === 'throttling' && (r.oldAlsoFailed || again)) || (again && r.kind === 'restarts'));
      const rec: ContainerRecommendation = {
        container: c.name,
        evidence: { windowSeconds, samples: 0, coverage: 1, confidence: 'high', notSmallerBecause: mine.map(r => r.evidence) },
      };
      for (const [field, pair] of Object.entries(c.values) as Array<[ContainerField, [number | null, number]]>) {
        if (!still.has(`${id}|${c.name}|${field}`)) continue;
        const raise = (field.startsWith('memory.') && raiseMemory) || (field.startsWith('cpu.') && raiseCpu) || pair[0] === null;
        if (again && !raise) continue;
        const change: Change = { from: pair[1], to: undoValue(field, pair[0], pair[1], raise, t.raiseFactor) };
        if (change.to !== change.from) rec[KEY[field]] = change;
      }
      if (Object.keys(rec).length > 2) containers.push(rec);
    }
    const values = w.values as Partial<Record<WorkloadField, [number | null, number]>>;
    const back = (field: WorkloadField): Change | undefined => {
      const p = values[field];
      if (again || !p || p[0] === null || !still.has(`${id}||${field}`)) return undefined;
      return { from: p[1], to: p[0] };
    };
    const replicas = back('replicas'), min = back('hpa.minReplicas'), max = back('hpa.maxReplicas');
    if (containers.length === 0 && !replicas && !min && !max) continue;
    out.push({
      id, ref: refOf(id), status: 'ok', containers,
      ...(replicas ? { replicas } : {}),
      ...(min || max ? { hpa: { ...(min ? { minReplicas: min } : {}), ...(max ? { maxReplicas: max } : {}) } } : {}),
      confidence: 'high',
      evidence: { windowSeconds, notes: [`undo of #${entry.pr} (${entry.url})`, ...regs.map(r => r.evidence)] },
    });
  }
  return out;
}

/** A workload whose change was undone: lowering it again waits until `until` (YYYY-MM-DD). */
export interface Hold {
  pr: number;
  until: string;
}

/** Workloads undone by a merge within the last `days`: rightsizer does not fight its own undo. */
export function undoneWorkloads(ledger: LedgerEntry[], now: Date, days: number): Map<string, Hold> {
  const held = new Map<string, Hold>();
  for (const e of ledger) {
    if (e.block.kind !== 'revert') continue;
    const until = Date.parse(e.mergedAt) + days * 86_400_000;
    if (until <= now.getTime()) continue;
    for (const w of e.block.workloads) held.set(w.id, { pr: e.pr, until: new Date(until).toISOString().slice(0, 10) });
  }
  return held;
}

/** Does the recommendation lower any setting (a request, a limit, replicas, an HPA bound)? */
export function lowers(rec: Recommendation): boolean {
  const down = (c: Change | undefined) => c?.from !== undefined && c.to !== undefined && c.to < c.from;
  return rec.containers.some(c => (Object.values(KEY) as Array<keyof ContainerRecommendation>).some(k => down(c[k] as Change | undefined)))
    || down(rec.replicas) || down(rec.hpa?.minReplicas) || down(rec.hpa?.maxReplicas);
}

/**
 * The plan without the lowering recommendations of workloads undone recently: they are listed as
 * not placed, with the undo that holds them, and the files are edited for the others only
 * (`replan` places a list of recommendations, as the plan stage does).
 */
export function holdBackUndone(plan: Plan, held: Map<string, Hold>, replan: (recs: Recommendation[]) => { edits: Edit[]; unplaced: Unplaced[] }): Plan {
  const edited = new Set(plan.edits.flatMap(e => e.recommendations));
  const holds = plan.recommendations.filter(r => held.has(r.id) && edited.has(r.id) && lowers(r));
  if (holds.length === 0) return plan;
  const ids = new Set(holds.map(r => r.id));
  const { edits, unplaced } = replan(plan.recommendations.filter(r => !ids.has(r.id)));
  const nowEdited = new Set(edits.flatMap(e => e.recommendations));
  const included = plan.recommendations.filter(r => nowEdited.has(r.id));
  const currencies = [...new Set(included.map(r => r.cost?.currency).filter(Boolean))] as string[];
  const clouds = [...new Set(included.map(r => plan.prices.find(p => p.cluster === r.ref.cluster)?.cloud).filter(Boolean))] as string[];
  return {
    ...plan,
    edits,
    unplaced: [
      ...unplaced,
      ...holds.map(r => ({ recommendation: r.id, reason: `undone in #${held.get(r.id)!.pr} after a regression: not lowered again before ${held.get(r.id)!.until} (closedCooldownDays)` })),
    ],
    totals: {
      monthly: Math.round(included.reduce((a, r) => a + (r.cost?.monthly ?? 0), 0) * 100) / 100,
      currency: currencies.length === 1 ? currencies[0] : currencies.length === 0 ? 'USD' : 'mixed',
      workloads: included.length,
      clouds: clouds.sort(),
    },
  };
}
