// The recommendation engine: UsageProfile → Recommendation, pure and deterministic.
// Model (sketches) in ./model, estimators in ./logic; docs/ENGINE.md says how each number is made.

import type {
  Change, Confidence, ContainerRecommendation, ContainerResources, Evidence, Recommendation, UsageProfile,
} from '../core/types.ts';
import { workloadId } from '../core/types.ts';
import { describeBytes, formatCpu } from '../core/quantity.ts';
import { DecayingHistogram } from './model/decaying-histogram.ts';
import { estimateContainer, type ContainerEstimate } from './estimate.ts';
import { calm, CPU_CALM, MEMORY_CALM } from './logic/calm.ts';
import { SUSTAINED_THROTTLING } from './logic/cpu.ts';
import { DEFAULT_WATTS_PER_CORE, energyDelta, WATTS_PER_GIB, type Reservation } from './logic/energy.ts';
import { days, lowestConfidence } from './logic/history.ts';
import { coupleHpa, estimateReplicas, REPLICA_RULES } from './logic/replicas.ts';
import { keptWithoutUtilisation } from './logic/gpu.ts';
import { assessServing, servingReplicas, type ServingAssessment } from './logic/serving.ts';
import { roundCpu, roundMemory } from './logic/rounding.ts';

export interface EngineOptions {
  historyDays: number;
  cpuPercentile: number;
  targetUtilisation: number;
  wattsPerCore?: number;
  carbonIntensity?: number /* kg CO2e per kWh */;
  keepCpuLimitRatio?: boolean;
  minReplicas?: number;
  now?: number /* seconds; defaults to the profile's last sample */;
}

export { estimateContainer } from './estimate.ts';
export { needsAttention, attentionText, type Attention } from './attention.ts';
export { SUSTAINED_THROTTLING } from './logic/cpu.ts';
export type { ContainerEstimate, EstimateOptions } from './estimate.ts';

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'Rollout']);

function change(from: number | undefined, to: number): Change {
  return from === undefined ? { to } : { from, to };
}

function profileNow(profile: UsageProfile): number {
  let now = -Infinity;
  for (const c of profile.containers) if (c.lastSample > now) now = c.lastSample;
  return Number.isFinite(now) ? now : 0;
}

interface ContainerPlan {
  rec: ContainerRecommendation;
  estimate: ContainerEstimate;
  cpuFrom?: number;
  cpuTo?: number;
  /** Memory request, today and proposed: the HPA couples to it, and pods are sized by it. */
  memFrom?: number;
  memTo?: number;
  /** Memory limit, today and proposed: its own step from its own current value. */
  memLimitFrom?: number;
  memLimitTo?: number;
  gpuFrom?: number;
  gpuTo?: number;
}

function planContainer(profile: UsageProfile, index: number, options: EngineOptions, now: number, serving?: ServingAssessment): ContainerPlan {
  const usage = profile.containers[index];
  const current: ContainerResources | undefined = profile.current.containers.find(c => c.container === usage.container);
  const memRequestNow = current?.requests.memoryBytes, memLimitNow = current?.limits.memoryBytes;
  const estimate = estimateContainer(usage, {
    // The workload lived within its limit: that is the cap when no OOM kill was seen. Without a
    // limit nothing capped it, so nothing caps the estimate (a request is not enforced).
    historyDays: options.historyDays, cpuPercentile: options.cpuPercentile, now, kind: profile.ref.kind, currentMemory: memLimitNow,
    serving, accelerator: current?.accelerator,
  });
  const notSmaller: string[] = [];
  const evidence: Evidence = {
    windowSeconds: estimate.windowSeconds, samples: usage.samples, coverage: usage.coverage,
    workloadClass: estimate.workloadClass, confidence: estimate.history.confidence, notSmallerBecause: notSmaller,
  };
  const rec: ContainerRecommendation = { container: usage.container, evidence };
  const plan: ContainerPlan = { rec, estimate };
  if (!estimate.sufficient) return plan;

  const cpu = estimate.cpu!;
  evidence.cpu = {
    percentile: cpu.percentile, value: cpu.value, peak: cpu.peak, margin: cpu.margin, why: cpu.why, statistic: cpu.statistic,
    ...(usage.throttledRatio !== undefined ? { throttledRatio: usage.throttledRatio } : {}),
  };
  notSmaller.push(...cpu.notSmallerBecause);
  const cpuFrom = current?.requests.cpuCores;
  const throttled = usage.throttledRatio !== undefined && usage.throttledRatio >= SUSTAINED_THROTTLING && (cpuFrom === undefined || cpu.cores > cpuFrom);
  if (throttled) evidence.safety = { ...evidence.safety, cpu: `CPU throttled in ${Math.round(usage.throttledRatio! * 100)}% of periods` };
  const cpuCalm = calm(cpuFrom, cpu.cores, CPU_CALM, throttled, formatCpu);
  plan.cpuFrom = cpuFrom;
  plan.cpuTo = cpuCalm.changed ? roundCpu(cpuCalm.value) : cpuFrom;
  if (cpuCalm.reason && cpuFrom !== undefined && cpu.cores < cpuFrom) notSmaller.push(`CPU request ${cpuCalm.reason}`);

  const mem = estimate.memory;
  if (mem) {
    evidence.memory = { peak: mem.peak, headroom: mem.headroom, volatility: mem.volatility, oomKills: mem.oomKills, why: mem.why };
    notSmaller.push(...mem.notSmallerBecause);
    const safety = memorySafety(mem.peak, mem.oomKills, memRequestNow, mem.bytes);
    if (safety) evidence.safety = { ...evidence.safety, memory: safety };
    const request = calm(memRequestNow, mem.bytes, MEMORY_CALM, !!safety, describeBytes);
    plan.memFrom = memRequestNow;
    plan.memTo = request.changed ? roundMemory(request.value) : memRequestNow;
    if (request.reason && memRequestNow !== undefined && mem.bytes < memRequestNow) notSmaller.push(`memory request ${request.reason}`);
    if (memLimitNow !== undefined) {
      const limit = calm(memLimitNow, mem.bytes, MEMORY_CALM, !!safety, describeBytes);
      plan.memLimitFrom = memLimitNow;
      plan.memLimitTo = limit.changed ? roundMemory(limit.value) : memLimitNow;
      if (limit.reason && mem.bytes < memLimitNow) notSmaller.push(`memory limit ${limit.reason}`);
    }
  }

  const gpu = estimate.gpu;
  if (gpu) {
    evidence.gpu = { utilisationP95: gpu.utilisationP95, memoryPeakBytes: gpu.memoryPeakBytes, powerP95Watts: gpu.powerP95Watts, why: gpu.why };
    notSmaller.push(...gpu.notSmallerBecause);
    const have = current?.limits.gpus ?? current?.requests.gpus ?? usage.gpu!.gpusPerPod;
    plan.gpuFrom = have;
    plan.gpuTo = gpu.gpus < have ? gpu.gpus : have;
    // One whole NVIDIA GPU that a MIG slice fits: name the resource it would become (the policy
    // stage applies it only where gpu.migProfiles allows the profile).
    const resource = current?.accelerator ?? 'nvidia.com/gpu';
    if (gpu.share?.kind === 'mig' && gpu.share.profile && plan.gpuTo === 1 && resource === 'nvidia.com/gpu') {
      rec.gpuResource = { from: resource, to: `nvidia.com/mig-${gpu.share.profile}` };
    }
  } else {
    const have = current?.limits.gpus ?? current?.requests.gpus;
    if (have) notSmaller.push(keptWithoutUtilisation(current?.accelerator, have));
  }
  return plan;
}

/** Why raising memory is a matter of safety, not money: it was killed, or it uses more than it requests. */
function memorySafety(peak: number, oomKills: number, request: number | undefined, estimate: number): string | undefined {
  if (oomKills > 0) return `${oomKills} OOM kill${oomKills > 1 ? 's' : ''} in the window`;
  if (request !== undefined && peak > request && estimate > request) return `memory peak ${describeBytes(peak)} is above the request ${describeBytes(request)}`;
  return undefined;
}

function fillChanges(plan: ContainerPlan, current: ContainerResources | undefined, options: EngineOptions, notes: string[]): void {
  const { rec } = plan;
  if (plan.cpuTo !== undefined && plan.cpuTo !== plan.cpuFrom) {
    rec.cpuRequest = change(plan.cpuFrom, plan.cpuTo);
    const limit = current?.limits.cpuCores;
    if (limit !== undefined) {
      if (options.keepCpuLimitRatio && plan.cpuFrom) {
        const to = roundCpu(plan.cpuTo * (limit / plan.cpuFrom));
        if (to !== limit) rec.cpuLimit = change(limit, to);
      } else if (limit < plan.cpuTo) {
        rec.cpuLimit = change(limit, plan.cpuTo);
        notes.push(`${rec.container}: CPU limit ${formatCpu(limit)} raised to the new request (a limit below the request is invalid).`);
      }
    }
  }
  // Memory request and limit each move from their own current value; the limit never ends below the request.
  const requestTo = plan.memTo ?? plan.memFrom;
  if (plan.memTo !== undefined && plan.memTo !== plan.memFrom) rec.memoryRequest = change(plan.memFrom, plan.memTo);
  if (plan.memLimitFrom !== undefined) {
    let limitTo = plan.memLimitTo ?? plan.memLimitFrom;
    if (requestTo !== undefined && limitTo < requestTo) {
      limitTo = requestTo;
      rec.evidence.notSmallerBecause?.push('memory limit: not below the memory request');
    }
    if (limitTo !== plan.memLimitFrom) rec.memoryLimit = change(plan.memLimitFrom, limitTo);
  } else if (rec.memoryRequest && plan.memTo !== undefined) {
    // No limit today: memory request = limit, so the container cannot grow past what it asked for.
    rec.memoryLimit = change(undefined, plan.memTo);
    if (plan.memTo > (plan.estimate.memory?.bytes ?? Infinity)) rec.evidence.notSmallerBecause?.push('memory limit: none today, set to the new memory request (request = limit)');
  }
  if (plan.gpuTo !== undefined && plan.gpuFrom !== undefined && plan.gpuTo !== plan.gpuFrom) {
    const reqFrom = current?.requests.gpus, limFrom = current?.limits.gpus;
    if (limFrom !== undefined || reqFrom === undefined) rec.gpuLimit = change(limFrom ?? plan.gpuFrom, plan.gpuTo);
    if (reqFrom !== undefined) rec.gpuRequest = change(reqFrom, plan.gpuTo);
  }
}

function sum(values: Array<number | undefined>): number {
  let s = 0;
  for (const v of values) s += v ?? 0;
  return s;
}

/**
 * With fewer pods each carries `share` times today's load: CPU scales with it; memory is assumed
 * to scale too, but never above today's request (much of a pod's memory does not follow load).
 */
function resizeForShare(plans: ContainerPlan[], share: number, notes: string[]): void {
  for (const p of plans) {
    const cpu = p.estimate.cpu;
    if (cpu && p.cpuTo !== undefined) {
      const carried = roundCpu(cpu.cores * share);
      if (carried > p.cpuTo) {
        p.cpuTo = carried;
        notes.push(`${p.rec.container}: CPU request ${formatCpu(carried)} carries ${share.toFixed(2)}× today's load per pod.`);
        p.rec.evidence.notSmallerBecause?.push(`CPU request: fewer pods, each carries ${share.toFixed(2)}× today's load`);
      }
    }
    if (p.memTo !== undefined && p.memFrom !== undefined) {
      const carried = roundMemory(Math.min(p.memFrom, p.memTo * share));
      if (carried > p.memTo) {
        p.memTo = carried;
        p.rec.evidence.notSmallerBecause?.push(`memory request: fewer pods, each carries up to ${share.toFixed(2)}× today's load`);
      }
    }
  }
}

export function recommendWorkload(profile: UsageProfile, options: EngineOptions): Recommendation {
  const id = workloadId(profile.ref);
  const windowSeconds = options.historyDays * 86400;
  if (profile.insufficient || profile.containers.length === 0) {
    const reason = profile.insufficient
      ? `${profile.insufficient.reason}: ${days(profile.insufficient.haveSeconds)} of usage, ${days(profile.insufficient.needSeconds)} needed.`
      : 'No container usage was collected.';
    return { id, ref: profile.ref, status: 'insufficient-data', containers: [], confidence: 'low', evidence: { windowSeconds, notes: [reason] } };
  }
  const now = options.now ?? profileNow(profile);
  const notes: string[] = [];
  const serving = profile.serving ? assessServing(profile.serving) : undefined;
  const plans = profile.containers.map((_, i) => planContainer(profile, i, options, now, serving));
  const currentOf = (name: string) => profile.current.containers.find(c => c.container === name);

  for (const p of plans) {
    if (!p.estimate.sufficient) notes.push(`${p.rec.container}: insufficient data (${p.estimate.insufficientBecause}).`);
  }

  // HPA coupling: the target moves with the pod's request (utilisation is usage / request, never the limit) so the HPA does not undo the change.
  const hpa = profile.current.hpa;
  let hpaOut: Recommendation['hpa'];
  if (hpa) {
    const cpuFrom = sum(plans.map(p => p.cpuFrom)), cpuTo = sum(plans.map(p => p.cpuTo ?? p.cpuFrom));
    const memFrom = sum(plans.map(p => p.memFrom)), memTo = sum(plans.map(p => p.memTo ?? p.memFrom));
    const coupling = coupleHpa(hpa, {
      cpu: cpuFrom > 0 && cpuTo > 0 ? { from: cpuFrom, to: cpuTo } : undefined,
      memory: memFrom > 0 && memTo > 0 ? { from: memFrom, to: memTo } : undefined,
    }, { minReplicas: options.minReplicas });
    // When the target hit its bounds the request shrinks less: scale each container's new request.
    const bounded = (what: string) => `${what} request: the HPA target stays within ${REPLICA_RULES.minHpaTarget}–${REPLICA_RULES.maxHpaTarget}%, so the request moves less`;
    if (coupling.cpuRequest !== undefined && cpuTo > 0 && Math.abs(coupling.cpuRequest - cpuTo) > 1e-9) {
      const f = coupling.cpuRequest / cpuTo;
      for (const p of plans) if (p.cpuTo !== undefined) p.cpuTo = roundCpu(p.cpuTo * f);
      if (f > 1) for (const p of plans) p.rec.evidence.notSmallerBecause?.push(bounded('CPU'));
    }
    if (coupling.memoryRequest !== undefined && memTo > 0 && Math.abs(coupling.memoryRequest - memTo) > 1) {
      const f = coupling.memoryRequest / memTo;
      for (const p of plans) if (p.memTo !== undefined) p.memTo = roundMemory(p.memTo * f);
      if (f > 1) for (const p of plans) p.rec.evidence.notSmallerBecause?.push(bounded('memory'));
    }
    const h: NonNullable<Recommendation['hpa']> = {};
    if (coupling.targetCPUUtilization) h.targetCPUUtilization = coupling.targetCPUUtilization;
    if (coupling.targetMemoryUtilization) h.targetMemoryUtilization = coupling.targetMemoryUtilization;
    if (coupling.minReplicas) h.minReplicas = coupling.minReplicas;
    if (Object.keys(h).length) hpaOut = h;
    for (const p of plans) if (p.estimate.sufficient) p.rec.evidence.hpa = { why: coupling.why };
    notes.push(coupling.why + '.');
  }

  // Replicas, for scalable workloads without an HPA: decided with today's pod size, then each pod
  // is resized for the share of the load it will carry. Pods are only removed (or raised to the
  // configured floor): adding pods because the request shrank would be circular, since the new
  // request is already sized to the load a pod carries.
  let replicas: Change | undefined;
  const currentReplicas = profile.current.replicas;
  if (!hpa && !serving && SCALABLE.has(profile.ref.kind) && profile.totalCpu && profile.totalCpu.count > 0 && currentReplicas !== undefined && plans.every(p => p.estimate.sufficient)) {
    const podCpuToday = sum(plans.map(p => p.cpuFrom));
    if (podCpuToday > 0) {
      const r = estimateReplicas(DecayingHistogram.fromState(profile.totalCpu), { podCpuRequest: podCpuToday, targetUtilisation: options.targetUtilisation, minReplicas: options.minReplicas });
      const floor = Math.max(1, options.minReplicas ?? 1);
      // Lower slowly: at most half the pods go in one run.
      const to = r.replicas < currentReplicas ? Math.max(r.replicas, Math.ceil(currentReplicas / 2)) : Math.max(currentReplicas, floor);
      let why = r.why;
      if (to < currentReplicas) {
        replicas = { from: currentReplicas, to };
        why += to !== r.replicas ? `; lowered to ${to} this run (at most half the pods per run)` : '';
        resizeForShare(plans, currentReplicas / to, notes);
      } else if (to > currentReplicas) {
        replicas = { from: currentReplicas, to };
        why = `raised to the floor of ${to} replicas`;
      } else if (r.replicas > currentReplicas) {
        why += `; kept at ${currentReplicas}: pods are not added to a workload without an HPA (its request grows instead)`;
      }
      for (const p of plans) p.rec.evidence.replicas = { demandP95Cores: r.demandP95Cores, targetUtilisation: options.targetUtilisation, why };
      notes.push(`Replicas: ${why}.`);
    }
  }

  // A serving engine's own metrics size its replicas: concurrency and queueing, not CPU.
  if (serving && !hpa && SCALABLE.has(profile.ref.kind) && currentReplicas !== undefined && plans.every(p => p.estimate.sufficient)) {
    const from = sum(plans.map(p => p.gpuFrom)), to = sum(plans.map(p => p.gpuTo ?? p.gpuFrom));
    const r = servingReplicas(serving, currentReplicas, from > 0 && to > 0 ? from / to : 1, undefined, Math.max(1, options.minReplicas ?? 1));
    if (r.replicas !== currentReplicas) replicas = { from: currentReplicas, to: r.replicas };
    if (r.replicas < currentReplicas) resizeForShare(plans, currentReplicas / r.replicas, notes);
    notes.push(`Replicas: ${r.why}.`);
  }
  if (serving) {
    const e = { engine: serving.engine, ...(serving.kvCacheP95 !== undefined ? { kvCacheP95: serving.kvCacheP95 } : {}), runningP95: serving.runningP95, waitingP95: serving.waitingP95, ...(serving.latencyP95Seconds !== undefined ? { latencyP95Seconds: serving.latencyP95Seconds } : {}), why: serving.why };
    for (const p of plans) if (p.estimate.gpu) p.rec.evidence.serving = e;
    notes.push(`Serving: ${serving.why}.`);
  }
  for (const p of plans) {
    if (p.estimate.sufficient && !p.estimate.gpu && p.gpuFrom === undefined) {
      const c = currentOf(p.rec.container);
      const have = c?.limits.gpus ?? c?.requests.gpus;
      if (have) notes.push(`${p.rec.container}: ${keptWithoutUtilisation(c?.accelerator, have)}.`);
    }
  }
  for (const p of plans) fillChanges(p, currentOf(p.rec.container), options, notes);

  const containers = plans.map(p => p.rec);
  for (const p of plans) {
    if (!p.estimate.sufficient) continue;
    const e = p.estimate;
    notes.push(`${p.rec.container}: ${e.classWhy}. CPU: ${e.cpu!.why}.` + (e.memory ? ` Memory: ${e.memory.why}.` : '') + (e.gpu ? ` GPU: ${e.gpu.why}.` : ''));
  }

  const changed = containers.some(c => c.cpuRequest || c.cpuLimit || c.memoryRequest || c.memoryLimit || c.gpuRequest || c.gpuLimit || c.gpuResource) || !!replicas || !!hpaOut;
  const sufficient = plans.filter(p => p.estimate.sufficient);
  const confidence: Confidence = sufficient.length ? lowestConfidence(sufficient.map(p => p.estimate.history.confidence)) : 'low';
  const status: Recommendation['status'] = sufficient.length === 0 ? 'insufficient-data' : changed ? 'ok' : 'no-change';
  const main = sufficient.slice().sort((a, b) => (b.estimate.cpu?.value ?? 0) - (a.estimate.cpu?.value ?? 0))[0];

  const rec: Recommendation = {
    id, ref: profile.ref, status, containers, confidence,
    evidence: { workloadClass: main?.estimate.workloadClass, windowSeconds, notes },
  };
  if (replicas) rec.replicas = replicas;
  if (hpaOut) rec.hpa = hpaOut;

  if (sufficient.length) {
    const wattsPerGpu = plans.find(p => p.estimate.gpu?.powerP50Watts !== undefined)?.estimate.gpu?.powerP50Watts;
    const before: Reservation = {
      cpuCores: sum(plans.map(p => p.cpuFrom)), memoryBytes: sum(plans.map(p => p.memFrom)),
      gpus: sum(plans.map(p => p.gpuFrom)), replicas: currentReplicas ?? hpa?.minReplicas ?? 1,
    };
    const after: Reservation = {
      cpuCores: sum(plans.map(p => p.cpuTo ?? p.cpuFrom)), memoryBytes: sum(plans.map(p => p.memTo ?? p.memFrom)),
      gpus: sum(plans.map(p => p.gpuTo ?? p.gpuFrom)), replicas: replicas?.to ?? before.replicas,
    };
    if (before.cpuCores > 0 || before.gpus > 0) {
      rec.energy = energyDelta(before, after, { wattsPerCore: options.wattsPerCore ?? DEFAULT_WATTS_PER_CORE, wattsPerGib: WATTS_PER_GIB, wattsPerGpu }, options.carbonIntensity);
    }
  }
  return rec;
}

export function recommendAll(profiles: UsageProfile[], options: EngineOptions): Recommendation[] {
  return profiles.map(p => recommendWorkload(p, options));
}
