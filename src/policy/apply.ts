// Applying policies to recommendations: pure, returns copies. Order per recommendation:
//   conflicts → confidence/history gates → per field (direction, step limit, bounds, minimum
//   change) → requests/limits (Guaranteed QoS, CPU limits, limit ≥ request, limit/request ratio)
//   → GPU and power → energy budget → minimum saving → all-or-nothing → approvals →
//   protection and freeze windows → verdict.

import { formatMoney } from '../core/money.ts';
import { describeBytes } from '../core/quantity.ts';
import type { Change, ContainerRecommendation, Recommendation, ResourceAmounts, WorkloadRef } from '../core/types.ts';
import { describeFreeze, freezeActive } from './freeze.ts';
import { matchingRules, resolveEnvironment } from './match.ts';
import { CONFIDENCE_RANK, formatAmount, formatDuration, formatPercent, mergeSettings } from './settings.ts';
import type { MergedSettings } from './settings.ts';
import type { ApprovalRequirement, EffectiveSetting, FreezeWindow, MatchedRule, PolicyContext, PolicySet, Resource, WorkloadMeta } from './types.ts';

const MIB = 2 ** 20;
const HOURS_PER_MONTH = 730;

type ContainerField = 'cpuRequest' | 'cpuLimit' | 'memoryRequest' | 'memoryLimit' | 'gpuRequest' | 'gpuLimit';
const CONTAINER_FIELDS: Array<{ key: ContainerField; resource: 'cpu' | 'memory' | 'gpu'; side: 'request' | 'limit' }> = [
  { key: 'cpuRequest', resource: 'cpu', side: 'request' },
  { key: 'cpuLimit', resource: 'cpu', side: 'limit' },
  { key: 'memoryRequest', resource: 'memory', side: 'request' },
  { key: 'memoryLimit', resource: 'memory', side: 'limit' },
  { key: 'gpuRequest', resource: 'gpu', side: 'request' },
  { key: 'gpuLimit', resource: 'gpu', side: 'limit' },
];

/** One editable number of a recommendation, wherever it lives. */
interface Field {
  label: string;
  resource: Resource;
  /** Whether bounds and availability apply (HPA targets are percentages, not amounts). */
  bounded: boolean;
  availability: boolean;
  container?: ContainerRecommendation;
  get(): Change | undefined;
  set(change: Change): void;
  remove(): void;
}

function fieldsOf(rec: Recommendation): Field[] {
  const out: Field[] = [];
  for (const c of rec.containers) {
    for (const f of CONTAINER_FIELDS) {
      if (!c[f.key]) continue;
      out.push({
        label: `${f.resource}.${f.side} (${c.container})`,
        resource: f.resource, bounded: true, availability: false, container: c,
        get: () => c[f.key], set: ch => { c[f.key] = ch; }, remove: () => { delete c[f.key]; },
      });
    }
  }
  if (rec.replicas) {
    out.push({ label: 'replicas', resource: 'replicas', bounded: true, availability: true, get: () => rec.replicas, set: ch => { rec.replicas = ch; }, remove: () => { delete rec.replicas; } });
  }
  const hpa = rec.hpa;
  if (hpa) {
    for (const key of ['minReplicas', 'maxReplicas', 'targetCPUUtilization', 'targetMemoryUtilization'] as const) {
      if (!hpa[key]) continue;
      const amount = key === 'minReplicas' || key === 'maxReplicas';
      out.push({
        label: `hpa.${key}`, resource: 'replicas', bounded: amount, availability: amount,
        get: () => hpa[key], set: ch => { hpa[key] = ch; }, remove: () => { delete hpa[key]; if (Object.keys(hpa).length === 0) delete rec.hpa; },
      });
    }
  }
  return out;
}

function isChange(ch: Change | undefined): boolean {
  return ch !== undefined && ch.from !== ch.to && !(ch.from === undefined && ch.to === undefined);
}

function directionOf(ch: Change): 'increase' | 'decrease' {
  if (ch.to === undefined) return 'decrease';
  if (ch.from === undefined) return 'increase';
  return ch.to > ch.from ? 'increase' : 'decrease';
}

function roundUp(resource: Resource, v: number): number {
  if (resource === 'cpu') return Math.ceil(v * 1000 - 1e-6) / 1000;
  if (resource === 'memory') return Math.ceil(v / MIB - 1e-9) * MIB;
  return Math.ceil(v - 1e-9);
}

function roundDown(resource: Resource, v: number): number {
  if (resource === 'cpu') return Math.floor(v * 1000 + 1e-6) / 1000;
  if (resource === 'memory') return Math.floor(v / MIB + 1e-9) * MIB;
  return Math.floor(v + 1e-9);
}

function show(resource: Resource, v: number | undefined): string {
  if (v === undefined) return 'unset';
  if (resource === 'memory') return v % MIB === 0 ? formatAmount('memory', v) : describeBytes(v);
  return formatAmount(resource, v);
}

function showChange(resource: Resource, ch: Change): string {
  return `${show(resource, ch.from)} → ${show(resource, ch.to)}`;
}

/** An amount without its sign (the sentence says which way): `$6.00`. */
function money(amount: number, currency: string): string {
  return formatMoney(Math.abs(amount), currency, { signed: false });
}

/** Per-recommendation bookkeeping: notes, rules that acted, whether anything was changed or cut. */
class Verdict {
  readonly notes: string[] = [];
  readonly rules: string[] = [];
  readonly approvals: string[] = [];
  modified = false;
  rejectedField = false;
  reportOnly = false;
  act(rule: string, note: string): void {
    this.notes.push(`${note} (${rule})`);
    if (!this.rules.includes(rule)) this.rules.push(rule);
  }
}

interface Resolved {
  meta: WorkloadMeta;
  environment?: string;
  matched: MatchedRule[];
  merged: MergedSettings;
}

export function resolveWorkload(ref: Partial<WorkloadRef>, meta: WorkloadMeta, policies: PolicySet): Resolved & { environmentSource?: string } {
  const env = resolveEnvironment(ref, meta, policies.environments);
  const matched = matchingRules(policies.rules, { ref, meta, environment: env.environment });
  return { meta, environment: env.environment, environmentSource: env.source, matched, merged: mergeSettings(matched) };
}

function teamOf(meta: WorkloadMeta): string | undefined {
  return meta.team ?? meta.labels?.team;
}

function rejectAll(rec: Recommendation, verdict: Verdict): void {
  for (const f of fieldsOf(rec)) f.remove();
  verdict.modified = true;
}

/** Power of the whole workload, watts, before and after, from GPU power evidence or the energy estimate. */
function power(rec: Recommendation, meta: WorkloadMeta): { before: number; after: number } | undefined {
  let before = 0, after = 0, known = false;
  const replicasBefore = rec.replicas?.from ?? meta.replicas ?? 1;
  const replicasAfter = rec.replicas?.to ?? rec.replicas?.from ?? meta.replicas ?? 1;
  for (const c of rec.containers) {
    const watts = c.evidence.gpu?.powerP95Watts;
    if (watts === undefined) continue;
    const current = meta.containers?.find(m => m.container === c.container)?.requests.gpus;
    const gpusBefore = c.gpuRequest?.from ?? c.gpuLimit?.from ?? current ?? 0;
    const gpusAfter = c.gpuRequest?.to ?? c.gpuLimit?.to ?? gpusBefore;
    before += watts * gpusBefore * replicasBefore;
    after += watts * gpusAfter * replicasAfter;
    known = true;
  }
  if (known) return { before, after };
  if (rec.energy) return { before: (rec.energy.kwhPerMonthBefore * 1000) / HOURS_PER_MONTH, after: (rec.energy.kwhPerMonthAfter * 1000) / HOURS_PER_MONTH };
  return undefined;
}

function currentAmount(meta: WorkloadMeta, c: ContainerRecommendation, resource: 'cpu' | 'memory', side: 'request' | 'limit'): number | undefined {
  const key: ContainerField = `${resource}${side === 'request' ? 'Request' : 'Limit'}`;
  const fromRec = c[key]?.from;
  if (fromRec !== undefined) return fromRec;
  const spec = meta.containers?.find(m => m.container === c.container);
  const amounts: ResourceAmounts | undefined = side === 'request' ? spec?.requests : spec?.limits;
  return resource === 'cpu' ? amounts?.cpuCores : amounts?.memoryBytes;
}

function notSmaller(container: ContainerRecommendation | undefined, why: string): void {
  if (!container) return;
  const list = (container.evidence.notSmallerBecause ??= []);
  if (!list.includes(why)) list.push(why);
}

/** A raise the engine marked as needed for safety (OOM kills, peak above the request, sustained throttling). */
function safetyRaise(field: Field): string | undefined {
  const ch = field.get();
  if (!ch || !isChange(ch) || directionOf(ch) !== 'increase') return undefined;
  const safety = field.container?.evidence.safety;
  if (field.resource === 'memory') return safety?.memory ?? ((field.container?.evidence.memory?.oomKills ?? 0) > 0 ? 'OOM kills in the window' : undefined);
  if (field.resource === 'cpu') return safety?.cpu;
  return undefined;
}

// ---------------------------------------------------------------------------

function applyFieldRules(rec: Recommendation, s: (key: string) => EffectiveSetting | undefined, verdict: Verdict, blocked: Set<Resource>): void {
  for (const field of fieldsOf(rec)) {
    let ch = field.get();
    if (!ch || !isChange(ch)) continue;
    const r = field.resource;

    if (blocked.has(r)) {
      field.remove();
      verdict.modified = verdict.rejectedField = true;
      continue;
    }

    const allowed = s(`changes.${r}`);
    const dir = directionOf(ch);
    if (allowed && allowed.value !== 'any' && allowed.value !== dir) {
      verdict.act(allowed.rule, `rejected ${field.label} ${showChange(r, ch)}: ${r} changes allowed: ${String(allowed.value)}`);
      field.remove();
      verdict.modified = verdict.rejectedField = true;
      continue;
    }
    if (ch.to === undefined || !field.bounded) continue;

    // Step limits, relative to today's value.
    const from = ch.from;
    if (from !== undefined && from > 0) {
      const dec = s(`steps.${r}.maxDecrease`);
      if (dec && ch.to < from * (1 - Number(dec.value))) {
        const to = Math.min(roundUp(r, from * (1 - Number(dec.value))), from);
        verdict.act(dec.rule, `clamped ${field.label} ${showChange(r, ch)} to ${show(r, to)}: step limit −${dec.text} per PR`);
        notSmaller(field.container, `${field.label}: step limit −${dec.text} per PR (${dec.rule})`);
        ch = { ...ch, to };
        field.set(ch);
        verdict.modified = true;
      }
      const inc = s(`steps.${r}.maxIncrease`);
      if (inc && ch.to !== undefined && ch.to > from * (1 + Number(inc.value))) {
        const to = Math.max(roundDown(r, from * (1 + Number(inc.value))), from);
        verdict.act(inc.rule, `clamped ${field.label} ${showChange(r, ch)} to ${show(r, to)}: step limit +${inc.text} per PR`);
        ch = { ...ch, to };
        field.set(ch);
        verdict.modified = true;
      }
    }

    // Absolute bounds (and the availability floor for replica counts) win over step limits.
    const floors = [s(`bounds.${r}.min`), field.availability ? s('availability.minReplicas') : undefined].filter((x): x is EffectiveSetting => x !== undefined);
    const floor = floors.sort((a, b) => Number(b.value) - Number(a.value))[0];
    if (floor && ch.to !== undefined && ch.to < Number(floor.value)) {
      const why = floor.key === 'availability.minReplicas' ? `availability needs at least ${floor.text} replicas` : `minimum ${floor.text}`;
      verdict.act(floor.rule, `clamped ${field.label} ${showChange(r, ch)} to ${show(r, Number(floor.value))}: ${why}`);
      notSmaller(field.container, `${field.label}: ${why} (${floor.rule})`);
      ch = { ...ch, to: Number(floor.value) };
      field.set(ch);
      verdict.modified = true;
    }
    const ceiling = s(`bounds.${r}.max`);
    if (ceiling && ch.to !== undefined && ch.to > Number(ceiling.value)) {
      verdict.act(ceiling.rule, `clamped ${field.label} ${showChange(r, ch)} to ${show(r, Number(ceiling.value))}: maximum ${ceiling.text}`);
      ch = { ...ch, to: Number(ceiling.value) };
      field.set(ch);
      verdict.modified = true;
    }
    if (!isChange(ch)) {
      field.remove();
      verdict.notes.push(`no change left for ${field.label} after clamping`);
      continue;
    }

    // The smallest change worth a pull request. Never hold back a raise needed for safety.
    if (from !== undefined && from > 0 && ch.to !== undefined && !safetyRaise(field)) {
      const delta = Math.abs(ch.to - from);
      const rel = s('minChange.relative');
      const abs = s(`minChange.${r}`);
      if (rel && delta / from < Number(rel.value)) {
        verdict.act(rel.rule, `left ${field.label} at ${show(r, from)}: change of ${formatPercent(delta / from)} is below the ${rel.text} minimum`);
        field.remove();
        verdict.modified = true;
      } else if (abs && delta < Number(abs.value)) {
        verdict.act(abs.rule, `left ${field.label} at ${show(r, from)}: change of ${show(r, delta)} is below the ${abs.text} minimum`);
        field.remove();
        verdict.modified = true;
      }
    }
  }
}

function ensureChange(c: ContainerRecommendation, key: ContainerField, from: number | undefined, to: number): void {
  const existing = c[key];
  c[key] = { from: existing?.from ?? from, to };
}

function applyLimitRules(rec: Recommendation, meta: WorkloadMeta, s: (key: string) => EffectiveSetting | undefined, verdict: Verdict): void {
  const preserve = s('qos.preserveGuaranteed');
  const cpuLimits = s('qos.cpuLimits');
  for (const c of rec.containers) {
    const cur = {
      cpu: { request: currentAmount(meta, c, 'cpu', 'request'), limit: currentAmount(meta, c, 'cpu', 'limit') },
      memory: { request: currentAmount(meta, c, 'memory', 'request'), limit: currentAmount(meta, c, 'memory', 'limit') },
    };
    const guaranteed = (['cpu', 'memory'] as const).every(r => cur[r].request !== undefined && cur[r].request === cur[r].limit);

    // CPU limits: keep or drop.
    if (cpuLimits?.value === 'drop' && c.cpuLimit && c.cpuLimit.from === undefined && c.cpuLimit.to !== undefined && !(guaranteed && preserve?.value === true)) {
      verdict.act(cpuLimits.rule, `rejected adding cpu.limit (${c.container}) ${show('cpu', c.cpuLimit.to)}: CPU limits are dropped here`);
      delete c.cpuLimit;
      verdict.modified = verdict.rejectedField = true;
    }
    if (cpuLimits?.value === 'keep' && c.cpuLimit && c.cpuLimit.from !== undefined && c.cpuLimit.to === undefined) {
      verdict.act(cpuLimits.rule, `rejected removing cpu.limit (${c.container}) ${show('cpu', c.cpuLimit.from)}: CPU limits are kept here`);
      delete c.cpuLimit;
      verdict.modified = verdict.rejectedField = true;
    }

    for (const r of ['cpu', 'memory'] as const) {
      const reqKey: ContainerField = `${r}Request`;
      const limKey: ContainerField = `${r}Limit`;
      const reqChanged = isChange(c[reqKey]);
      const limChanged = isChange(c[limKey]);
      if (!reqChanged && !limChanged) continue;
      const newReq = reqChanged ? c[reqKey]?.to : cur[r].request;
      const newLim = limChanged ? c[limKey]?.to : cur[r].limit;
      if (newReq === undefined) continue;

      if (guaranteed && preserve?.value === true) {
        if (newLim !== newReq) {
          const target = reqChanged && limChanged && newLim !== undefined ? Math.max(newReq, newLim) : reqChanged ? newReq : (newLim as number);
          if (newReq !== target) ensureChange(c, reqKey, cur[r].request, target);
          if (newLim !== target) ensureChange(c, limKey, cur[r].limit, target);
          verdict.act(preserve.rule, `kept ${c.container} Guaranteed: ${r}.limit = ${r}.request = ${show(r, target)}`);
          verdict.modified = true;
        }
        continue;
      }
      // A limit below the request is invalid: the limit follows a raised request.
      if (newLim !== undefined && newReq > newLim && reqChanged) {
        ensureChange(c, limKey, cur[r].limit, newReq);
        verdict.notes.push(`raised ${r}.limit (${c.container}) to ${show(r, newReq)} so it is not below the request`);
        verdict.modified = true;
        continue;
      }
      const ratio = s(`qos.maxLimitRequestRatio.${r}`);
      if (ratio && newLim !== undefined && newReq > 0 && newLim / newReq > Number(ratio.value) + 1e-9) {
        const max = Number(ratio.value);
        if (reqChanged) {
          const to = roundUp(r, newLim / max);
          const from = c[reqKey]?.from;
          verdict.act(ratio.rule, `clamped ${r}.request (${c.container}) to ${show(r, to)}: limit/request at most ${max}`);
          notSmaller(c, `${r}.request (${c.container}): limit/request ratio at most ${max} (${ratio.rule})`);
          if (from !== undefined && to >= from) delete c[reqKey];
          else c[reqKey] = { from, to };
        } else {
          const to = roundDown(r, newReq * max);
          verdict.act(ratio.rule, `clamped ${r}.limit (${c.container}) to ${show(r, to)}: limit/request at most ${max}`);
          c[limKey] = { from: c[limKey]?.from, to };
        }
        verdict.modified = true;
      }
    }
  }
}

/** The workload annotation that caps its GPU power, as a per-workload `gpu.maxWatts`. */
export const MAX_WATTS_ANNOTATION = 'rightsizer.dev/max-watts';

/**
 * `rightsizer.dev/max-watts: "300"` on a workload acts as its own `gpu.maxWatts`: the most
 * specific setting there is, so it wins over the policies' (shown the same way, named by the
 * annotation). An unreadable value is ignored with the policies' cap in force.
 */
function annotatedMaxWatts(meta: WorkloadMeta): EffectiveSetting | undefined {
  const text = meta.annotations?.[MAX_WATTS_ANNOTATION]?.trim();
  const watts = text ? Number(text.replace(/\s*W$/i, '')) : NaN;
  if (!(watts > 0)) return undefined;
  return { key: 'gpu.maxWatts', value: watts, text: `${watts} W`, rule: `annotation ${MAX_WATTS_ANNOTATION}`, location: { file: 'workload annotation', line: 0, column: 0 }, overridden: [] };
}

function applyGpuRules(rec: Recommendation, meta: WorkloadMeta, s: (key: string) => EffectiveSetting | undefined, verdict: Verdict): void {
  const mig = s('gpu.migProfiles');
  const slicing = s('gpu.timeSlicing');
  const sharing = [
    ...(mig && (mig.value as string[]).length > 0 ? [`MIG profiles ${(mig.value as string[]).join(', ')}`] : []),
    ...(slicing?.value === true ? ['time-slicing'] : []),
  ];
  for (const c of rec.containers) {
    const slice = c.gpuResource?.to !== undefined && c.gpuResource.to !== c.gpuResource.from ? /^nvidia\.com\/mig-(.+)$/.exec(c.gpuResource.to) : undefined;
    if (c.gpuResource && slice) {
      // A MIG suggestion names the resource it would become; only a policy's migProfiles lets it through.
      const allowed = (mig?.value as string[] | undefined) ?? [];
      if (allowed.includes(slice[1])) verdict.notes.push(`${c.container} moves from ${c.gpuResource.from ?? 'nvidia.com/gpu'} to ${c.gpuResource.to} (MIG profile ${slice[1]} allowed by ${mig!.rule})`);
      else {
        verdict.notes.push(`suggestion: ${c.container} fits a MIG slice ${c.gpuResource.to}; not applied: ${mig ? `gpu.migProfiles of ${mig.rule} allows ${allowed.join(', ') || 'no profile'}` : 'no policy sets gpu.migProfiles'}`);
        delete c.gpuResource;
        verdict.modified = true;
      }
    }
    for (const key of ['gpuRequest', 'gpuLimit'] as const) {
      const ch = c[key];
      if (ch?.to !== undefined && !Number.isInteger(ch.to)) {
        const to = Math.ceil(ch.to);
        const how = sharing.length > 0 ? `; to share a GPU use ${sharing.join(' or ')}` : '';
        verdict.notes.push(`rounded ${key === 'gpuRequest' ? 'gpu.request' : 'gpu.limit'} (${c.container}) ${ch.to} up to ${to}: Kubernetes schedules whole GPUs${how}`);
        if (ch.from === to) delete c[key];
        else c[key] = { ...ch, to };
        verdict.modified = true;
      }
    }
    const util = c.evidence.gpu?.utilisationP95;
    const gpus = c.gpuRequest?.to ?? c.gpuRequest?.from ?? meta.containers?.find(m => m.container === c.container)?.requests.gpus;
    // An engine that preallocates its GPU's memory (serving evidence) cannot share it.
    if (sharing.length > 0 && util !== undefined && util < 30 && gpus === 1 && !c.evidence.serving) {
      verdict.notes.push(`suggestion: ${c.container} uses ${Math.round(util)}% of its GPU at p95; ${sharing.join(' or ')} could share it (${(mig ?? slicing)?.rule})`);
    }
  }

  const maxWatts = annotatedMaxWatts(meta) ?? s('gpu.maxWatts');
  const watts = power(rec, meta);
  if (maxWatts && watts && watts.after > Number(maxWatts.value)) {
    if (watts.after > watts.before) {
      for (const f of fieldsOf(rec)) {
        const ch = f.get();
        if (!ch || !isChange(ch) || directionOf(ch) !== 'increase' || (f.resource !== 'gpu' && f.label !== 'replicas')) continue;
        verdict.act(maxWatts.rule, `rejected ${f.label} ${showChange(f.resource, ch)}: projected ${Math.round(watts.after)} W is above max-watts ${maxWatts.text}`);
        f.remove();
        verdict.modified = verdict.rejectedField = true;
      }
    } else {
      verdict.notes.push(`still above max-watts ${maxWatts.text} (${Math.round(watts.after)} W), but this change lowers it from ${Math.round(watts.before)} W (${maxWatts.rule})`);
    }
  }
  const carbon = s('gpu.carbonAware');
  if (carbon?.value === true && rec.energy && rec.energy.kwhPerMonthAfter > rec.energy.kwhPerMonthBefore && hasAnyChange(rec)) {
    const kwh = rec.energy.kwhPerMonthAfter - rec.energy.kwhPerMonthBefore;
    const co2 = rec.energy.kgCo2ePerMonthAfter - rec.energy.kgCo2ePerMonthBefore;
    verdict.act(carbon.rule, `carbon-aware: raises energy use by ${kwh.toFixed(0)} kWh/month (${co2.toFixed(1)} kg CO2e); prefer a lower-power option if one fits`);
  }
}

function hasAnyChange(rec: Recommendation): boolean {
  // A move to a MIG slice is a change too, even with the count unchanged.
  return fieldsOf(rec).some(f => isChange(f.get())) || rec.containers.some(c => c.gpuResource?.to !== undefined && c.gpuResource.to !== c.gpuResource.from);
}

function monthlyOf(rec: Recommendation, context: PolicyContext, modified: boolean): { monthly: number; currency: string; stale: boolean } | undefined {
  const priced = context.price?.(rec);
  if (priced) return { ...priced, stale: false };
  if (rec.cost) return { monthly: rec.cost.monthly, currency: rec.cost.currency, stale: modified };
  return undefined;
}

function approvalReasons(rec: Recommendation, a: ApprovalRequirement, monthly: { monthly: number; currency: string } | undefined): string[] {
  const reasons: string[] = [];
  const changed = fieldsOf(rec).filter(f => isChange(f.get()));
  if (changed.length === 0) return [];
  const w = a.when;
  const none = w.decreaseOver === undefined && w.increaseOver === undefined && !w.monthlyChangeOver && !w.resources && w.energyIncrease === undefined;
  if (none) reasons.push('every change');
  for (const f of changed) {
    const ch = f.get() as Change;
    if (ch.from === undefined || ch.to === undefined || ch.from <= 0 || !f.bounded) continue;
    const rel = (ch.to - ch.from) / ch.from;
    if (w.decreaseOver !== undefined && -rel > w.decreaseOver) reasons.push(`${f.label} cut by ${formatPercent(-rel)} (over ${formatPercent(w.decreaseOver)})`);
    if (w.increaseOver !== undefined && rel > w.increaseOver) reasons.push(`${f.label} raised by ${formatPercent(rel)} (over ${formatPercent(w.increaseOver)})`);
  }
  if (w.monthlyChangeOver && monthly && monthly.currency === w.monthlyChangeOver.currency && Math.abs(monthly.monthly) > w.monthlyChangeOver.amount) {
    reasons.push(`monthly cost changes by ${money(monthly.monthly, monthly.currency)} (over ${money(w.monthlyChangeOver.amount, w.monthlyChangeOver.currency)})`);
  }
  if (w.resources) {
    const hit = [...new Set(changed.filter(f => w.resources?.includes(f.resource)).map(f => f.resource))];
    if (hit.length > 0) reasons.push(`changes ${hit.join(', ')}`);
  }
  if (w.energyIncrease && rec.energy && rec.energy.kwhPerMonthAfter > rec.energy.kwhPerMonthBefore) reasons.push('raises energy use');
  return reasons;
}

function applyOne(original: Recommendation, resolved: Resolved, context: PolicyContext, teamEnergy: Map<string, number>, policies: PolicySet): Recommendation {
  const rec = structuredClone(original);
  const verdict = new Verdict();
  const { meta, matched, merged } = resolved;
  const s = (key: string) => merged.settings.get(key);
  const hadChanges = hasAnyChange(rec);

  // Contradicting settings: the affected resource is left alone.
  const blocked = new Set<Resource>();
  for (const conflict of merged.conflicts) verdict.notes.push(`policy conflict: ${conflict.message}`);
  for (const r of ['cpu', 'memory', 'gpu', 'replicas'] as const) {
    const min = s(`bounds.${r}.min`);
    const max = s(`bounds.${r}.max`);
    const avail = r === 'replicas' ? s('availability.minReplicas') : undefined;
    if (max && ((min && Number(min.value) > Number(max.value)) || (avail && Number(avail.value) > Number(max.value)))) blocked.add(r);
  }
  for (const r of blocked) verdict.notes.push(`rejected ${r} changes: the policies contradict each other (see the conflict above)`);

  let rejected = false;
  if (hadChanges) {
    const minConfidence = s('minConfidence');
    if (minConfidence && CONFIDENCE_RANK[rec.confidence] < CONFIDENCE_RANK[String(minConfidence.value)]) {
      verdict.act(minConfidence.rule, `rejected: confidence ${rec.confidence} is below the minimum ${minConfidence.text}`);
      rejected = true;
    }
    const minHistory = s('minHistory');
    const history = meta.historySeconds ?? rec.evidence.windowSeconds;
    if (!rejected && minHistory && history < Number(minHistory.value)) {
      verdict.act(minHistory.rule, `rejected: ${formatDuration(history)} of history is less than the minimum ${minHistory.text}`);
      rejected = true;
    }
  }
  if (rejected) rejectAll(rec, verdict);
  else if (hadChanges) {
    applyFieldRules(rec, s, verdict, blocked);
    applyLimitRules(rec, meta, s, verdict);
    applyGpuRules(rec, meta, s, verdict);

    const team = teamOf(meta);
    const budget = team === undefined ? undefined : policies.energyBudgets.find(b => b.team === team);
    const projected = team === undefined ? undefined : teamEnergy.get(team);
    if (budget && projected !== undefined && projected > budget.kwhPerMonth && rec.energy && rec.energy.kwhPerMonthAfter > rec.energy.kwhPerMonthBefore && hasAnyChange(rec)) {
      const where = `${budget.location.file}:${budget.location.line}:${budget.location.column}`;
      verdict.act(`${budget.location.file}#energy-budget-${team}`, `rejected: team ${team} would use ${projected.toFixed(0)} kWh/month, over its ${budget.kwhPerMonth} kWh budget (${where}), and this change raises it`);
      rejectAll(rec, verdict);
    }

    const monthly = monthlyOf(rec, context, verdict.modified);
    if (monthly && rec.cost && monthly.currency === rec.cost.currency && !monthly.stale) rec.cost = { ...rec.cost, monthly: monthly.monthly };
    const minSaving = monthly ? s(`minMonthlySaving.${monthly.currency}`) : undefined;
    const energySaving = rec.energy !== undefined && rec.energy.kwhPerMonthAfter < rec.energy.kwhPerMonthBefore && s('gpu.carbonAware')?.value === true;
    const safety = fieldsOf(rec).map(safetyRaise).filter((x): x is string => x !== undefined);
    if (monthly && minSaving && hasAnyChange(rec) && monthly.monthly <= 0 && -monthly.monthly < Number(minSaving.value)) {
      if (safety.length > 0) {
        verdict.notes.push(`kept despite saving only ${money(monthly.monthly, monthly.currency)}/month: it raises what is needed for safety (${[...new Set(safety)].join('; ')}); a saving threshold never holds back a safety raise`);
      } else if (energySaving) {
        verdict.notes.push(`kept despite saving only ${money(monthly.monthly, monthly.currency)}/month: carbon-aware policy prefers the lower-power option (${s('gpu.carbonAware')?.rule})`);
      } else {
        verdict.act(minSaving.rule, `rejected: saves ${money(monthly.monthly, monthly.currency)}/month${monthly.stale ? ' (before clamping)' : ''}, below the ${minSaving.text} minimum worth a pull request`);
        rejectAll(rec, verdict);
      }
    }

    const allOrNothing = s('allOrNothing');
    if (allOrNothing?.value === true && verdict.rejectedField && hasAnyChange(rec)) {
      verdict.act(allOrNothing.rule, 'rejected the whole recommendation: its settings change together and part of it was rejected');
      rejectAll(rec, verdict);
    }

    const seen = new Set<string>();
    const priced = monthlyOf(rec, context, verdict.modified);
    for (const m of matched) {
      for (const a of m.rule.approvals) {
        const id = `${a.rule}/${a.name}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const reasons = approvalReasons(rec, a, priced);
        if (reasons.length === 0) continue;
        const who = [...a.teams, ...a.labels.map(l => `label:${l}`)];
        for (const w of who) if (!verdict.approvals.includes(w)) verdict.approvals.push(w);
        const alternatives = [...a.labels.map(l => `label "${l}"`), ...a.teams.map(t => `review by ${t}`)].join(' or ');
        verdict.act(a.rule, `needs approval "${a.name}": ${reasons.join('; ')}; approve with ${alternatives}`);
      }
    }
  }

  const protectedBy = s('protected');
  if (protectedBy?.value === true) {
    const rule = matched.find(m => m.rule.id === protectedBy.rule)?.rule;
    verdict.reportOnly = true;
    verdict.act(protectedBy.rule, `protected: report only, never edited${rule?.description ? ` — ${rule.description}` : ''}`);
  }
  const windows: FreezeWindow[] = [];
  for (const m of matched) for (const w of m.rule.freeze) if (!windows.some(x => x.rule === w.rule && x.name === w.name)) windows.push(w);
  for (const w of windows) {
    if (!freezeActive(w, context.now)) continue;
    verdict.reportOnly = true;
    verdict.act(w.rule, `freeze window "${w.name}" (${describeFreeze(w)}) is in force: report only${w.reason ? ` — ${w.reason}` : ''}`);
  }

  const remaining = hasAnyChange(rec);
  rec.policy = {
    verdict: hadChanges && !remaining ? 'rejected' : verdict.modified && hadChanges ? 'clamped' : 'accepted',
    notes: verdict.notes,
    rules: verdict.rules,
    ...(verdict.approvals.length > 0 ? { approvals: verdict.approvals } : {}),
    ...(verdict.reportOnly ? { reportOnly: true } : {}),
  };
  return rec;
}

/**
 * Applies the policies to each recommendation and returns copies: values clamped, rejected
 * fields removed, and `policy` set on every one (accepted when no rule acted).
 */
export function applyPolicies(recommendations: Recommendation[], policies: PolicySet, context: PolicyContext): Recommendation[] {
  const resolved = recommendations.map(rec => resolveWorkload(rec.ref, context.workloads?.[rec.id] ?? {}, policies));
  // Projected energy per team, over every recommendation that has energy data.
  const teamEnergy = new Map<string, number>();
  recommendations.forEach((rec, i) => {
    const team = teamOf(resolved[i].meta);
    if (team !== undefined && rec.energy) teamEnergy.set(team, (teamEnergy.get(team) ?? 0) + rec.energy.kwhPerMonthAfter);
  });
  return recommendations.map((rec, i) => applyOne(rec, resolved[i], context, teamEnergy, policies));
}
