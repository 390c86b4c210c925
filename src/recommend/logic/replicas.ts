// Replicas and HPA coupling.
//
// Without an HPA: enough of today's pods that the P95 of the workload's total CPU demand fits at
// the target utilisation of today's per-pod request, plus one spare pod so that losing a pod (a
// rollout, a node drain) does not overload the rest. Fewer pods than today means the workload is
// over-replicated; the caller then resizes each pod for its larger share of the load.
//
// With an HPA scaling on CPU or memory utilisation, the HPA keeps usage / request near its
// target. Shrinking the request alone makes it add pods until usage per pod shrinks too, and the
// next run sees lower per-pod usage and shrinks again (the feedback loop in KRR PR #80). So the
// target moves with the request: new target = old target × old request / new request, which
// keeps the absolute usage per pod at which the HPA scales unchanged.

import type { HpaSpec } from '../../core/types.ts';
import { formatCpu } from '../../core/quantity.ts';
import type { DecayingHistogram } from '../model/decaying-histogram.ts';

export interface ReplicaRules {
  /** Percentile of total demand the replicas must carry. */
  demandPercentile: number;
  /** Pods added on top of the demand, for availability. */
  sparePods: number;
  /** HPA targets are kept within these bounds, percent. */
  minHpaTarget: number;
  maxHpaTarget: number;
}

export const REPLICA_RULES: ReplicaRules = { demandPercentile: 0.95, sparePods: 1, minHpaTarget: 30, maxHpaTarget: 90 };

export interface ReplicaEstimate {
  replicas: number;
  demandP95Cores: number;
  why: string;
}

export function estimateReplicas(
  totalCpu: DecayingHistogram,
  options: { podCpuRequest: number; targetUtilisation: number; minReplicas?: number },
  rules: ReplicaRules = REPLICA_RULES,
): ReplicaEstimate {
  const demand = totalCpu.quantile(rules.demandPercentile);
  const perPod = options.podCpuRequest * options.targetUtilisation;
  const forDemand = perPod > 0 ? Math.ceil(demand / perPod - 1e-9) : 1;
  const floor = Math.max(1, options.minReplicas ?? 1);
  const replicas = Math.max(floor, Math.max(1, forDemand) + rules.sparePods);
  const why = `P${Math.round(rules.demandPercentile * 100)} of total CPU demand ${formatCpu(demand)} at ${Math.round(options.targetUtilisation * 100)}% of ${formatCpu(options.podCpuRequest)} per pod (today's request) needs ${Math.max(1, forDemand)} pod(s), plus ${rules.sparePods} spare` +
    (replicas === floor && floor > 1 ? `; floor of ${floor}` : '');
  return { replicas, demandP95Cores: demand, why };
}

export interface HpaCoupling {
  targetCPUUtilization?: { from: number; to: number };
  targetMemoryUtilization?: { from: number; to: number };
  minReplicas?: { from: number; to: number };
  /** The request actually used (raised when the target would leave its bounds). */
  cpuRequest?: number;
  memoryRequest?: number;
  why: string;
}

/** Moves an HPA's utilisation target so that target × request stays what it was. */
export function coupleTarget(target: number, oldRequest: number, newRequest: number, rules: ReplicaRules = REPLICA_RULES): { target: number; request: number } {
  if (!(oldRequest > 0) || !(newRequest > 0)) return { target, request: newRequest };
  const wanted = (target * oldRequest) / newRequest;
  if (wanted > rules.maxHpaTarget) {
    // The request would shrink so far that the target leaves its bounds: shrink less.
    return { target: rules.maxHpaTarget, request: (target * oldRequest) / rules.maxHpaTarget };
  }
  if (wanted < rules.minHpaTarget) return { target: rules.minHpaTarget, request: (target * oldRequest) / rules.minHpaTarget };
  return { target: Math.round(wanted), request: newRequest };
}

export function coupleHpa(
  hpa: HpaSpec,
  requests: { cpu?: { from: number; to: number }; memory?: { from: number; to: number } },
  options: { minReplicas?: number } = {},
  rules: ReplicaRules = REPLICA_RULES,
): HpaCoupling {
  const out: HpaCoupling = { why: '' };
  const parts: string[] = [];
  if (hpa.targetCPUUtilization !== undefined && requests.cpu && requests.cpu.from !== requests.cpu.to) {
    const c = coupleTarget(hpa.targetCPUUtilization, requests.cpu.from, requests.cpu.to, rules);
    if (c.target !== hpa.targetCPUUtilization) out.targetCPUUtilization = { from: hpa.targetCPUUtilization, to: c.target };
    out.cpuRequest = c.request;
    parts.push(`HPA scales on CPU at ${hpa.targetCPUUtilization}% of ${formatCpu(requests.cpu.from)}; the target moves to ${c.target}% of ${formatCpu(c.request)} so pods are added at the same usage and the HPA does not undo the change`);
  }
  if (hpa.targetMemoryUtilization !== undefined && requests.memory && requests.memory.from !== requests.memory.to) {
    const c = coupleTarget(hpa.targetMemoryUtilization, requests.memory.from, requests.memory.to, rules);
    if (c.target !== hpa.targetMemoryUtilization) out.targetMemoryUtilization = { from: hpa.targetMemoryUtilization, to: c.target };
    out.memoryRequest = c.request;
    parts.push(`HPA scales on memory at ${hpa.targetMemoryUtilization}%; the target moves to ${c.target}% with the request`);
  }
  const floor = options.minReplicas;
  if (floor !== undefined && hpa.minReplicas < floor) {
    out.minReplicas = { from: hpa.minReplicas, to: Math.min(floor, hpa.maxReplicas) };
    parts.push(`minReplicas raised to the availability floor of ${floor}`);
  }
  out.why = parts.join('; ') || 'HPA left as is: requests unchanged';
  return out;
}
