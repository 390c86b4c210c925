// Serving evidence: what an inference engine (vLLM, TGI, Triton) says about its own load.
//
// Engines that preallocate accelerator memory (vLLM reserves --gpu-memory-utilization, 90% by
// default, for weights plus a KV cache) keep the framebuffer nearly full whatever the load, so
// DCGM framebuffer use cannot size them. Their own gauges can:
// - KV-cache usage says how much of the cache the running sequences hold. Fewer accelerators
//   per pod shrink the cache by more than their share (the weights take a larger part of each
//   one), so a cut is allowed only when today's P95 usage, scaled by old/new count, stays at or
//   below `kvCacheTarget` (50%): it leaves the other half for the weights' larger share and for
//   bursts.
// - Waiting requests are queueing: a pod that queues is never cut, and replicas grow with the
//   queue (waiting + running over running).
// - Latency (time to first token for vLLM, request latency otherwise): no cut while its P95 is
//   above `maxLatencySeconds`.
// Replicas of a serving workload follow the same KV-cache figure: enough pods that the P95
// per-pod usage, after any accelerator cut, sits at the target.

import type { ServingUsage } from '../../core/types.ts';
import { DecayingHistogram } from '../model/decaying-histogram.ts';

export interface ServingRules {
  /** KV-cache usage (percent) per pod the new shape should run at, at P95. */
  kvCacheTarget: number;
  /** P95 waiting requests per pod at or above which the workload is queueing. */
  queueingWaiting: number;
  /** No cut while P95 latency is above this, seconds. */
  maxLatencySeconds: number;
  /** Replicas grow at most by this factor in one run. */
  maxGrowth: number;
}

export const SERVING_RULES: ServingRules = { kvCacheTarget: 50, queueingWaiting: 1, maxLatencySeconds: 2, maxGrowth: 2 };

export interface ServingAssessment {
  engine: ServingUsage['engine'];
  kvCacheP95?: number;
  runningP95: number;
  waitingP95: number;
  latencyP95Seconds?: number;
  queueing: boolean;
  slow: boolean;
  why: string;
}

const fmt = (n: number, digits = 1) => (Number.isInteger(n) ? String(n) : n.toFixed(digits));

export function assessServing(s: ServingUsage, rules: ServingRules = SERVING_RULES): ServingAssessment {
  const q = (state: ServingUsage['running'] | undefined) => {
    if (!state) return undefined;
    const h = DecayingHistogram.fromState(state);
    return h.isEmpty() ? undefined : h.quantile(0.95);
  };
  const kvCacheP95 = q(s.kvCache);
  const runningP95 = q(s.running) ?? 0;
  const waitingP95 = q(s.waiting) ?? 0;
  const latencyP95Seconds = q(s.latencyP95);
  const queueing = waitingP95 >= rules.queueingWaiting;
  const slow = latencyP95Seconds !== undefined && latencyP95Seconds > rules.maxLatencySeconds;
  const parts = [`${s.engine} reports P95 ${fmt(runningP95)} running and ${fmt(waitingP95)} waiting requests per pod`];
  if (kvCacheP95 !== undefined) parts.push(`KV cache ${fmt(kvCacheP95, 0)}% used`);
  if (latencyP95Seconds !== undefined) parts.push(`${s.engine === 'vllm' ? 'time to first token' : 'latency'} P95 ${latencyP95Seconds.toFixed(2)} s`);
  return { engine: s.engine, kvCacheP95, runningP95, waitingP95, latencyP95Seconds, queueing, slow, why: parts.join(', ') };
}

/**
 * The fewest accelerators per pod (≤ `have`) the serving evidence allows, and why not fewer.
 * Without a KV-cache figure (TGI, Triton) only queueing and latency speak: the count is kept.
 */
export function servingAcceleratorFloor(a: ServingAssessment, have: number, rules: ServingRules = SERVING_RULES): { floor: number; because?: string } {
  if (a.queueing) return { floor: have, because: `requests queue (P95 ${fmt(a.waitingP95)} waiting per pod): no accelerator is removed from a pod that queues` };
  if (a.slow) return { floor: have, because: `P95 latency ${a.latencyP95Seconds!.toFixed(2)} s is above ${rules.maxLatencySeconds} s` };
  if (a.kvCacheP95 === undefined) return { floor: have, because: `${a.engine} exports no KV-cache usage, so the memory an accelerator cut would take is unknown` };
  const floor = Math.max(1, Math.ceil((a.kvCacheP95 * have) / rules.kvCacheTarget - 1e-9));
  if (floor >= have) return { floor: have, because: `KV cache P95 ${fmt(a.kvCacheP95, 0)}% leaves no room for fewer accelerators at ≤${rules.kvCacheTarget}%` };
  return { floor };
}

export interface ServingReplicas {
  replicas: number;
  why: string;
}

/**
 * Replicas from concurrency and queueing. `perPodLoadFactor` is how much fuller each pod's KV
 * cache gets from an accelerator cut decided alongside (old count / new count; 1 when none).
 */
export function servingReplicas(a: ServingAssessment, current: number, perPodLoadFactor: number, rules: ServingRules = SERVING_RULES, floor = 1): ServingReplicas {
  if (a.queueing) {
    const ratio = a.runningP95 > 0 ? (a.runningP95 + a.waitingP95) / a.runningP95 : rules.maxGrowth;
    const replicas = Math.max(current + 1, Math.min(Math.ceil(current * rules.maxGrowth), Math.ceil(current * ratio - 1e-9)));
    return { replicas, why: `requests queue (P95 ${fmt(a.waitingP95)} waiting beside ${fmt(a.runningP95)} running per pod): ${replicas} replicas carry the queue` };
  }
  if (a.kvCacheP95 === undefined) return { replicas: current, why: `kept at ${current}: ${a.engine} exports no KV-cache usage to size replicas with` };
  const perPod = a.kvCacheP95 * perPodLoadFactor;
  const needed = Math.max(floor, Math.ceil((perPod * current) / rules.kvCacheTarget - 1e-9));
  // Lower slowly, like CPU-sized replicas: at most half the pods go in one run.
  const replicas = needed < current ? Math.max(needed, Math.ceil(current / 2)) : current;
  const after = perPodLoadFactor !== 1 ? ` (${fmt(perPod, 0)}% after the accelerator cut)` : '';
  const why = replicas < current
    ? `KV cache P95 ${fmt(a.kvCacheP95, 0)}% per pod${after}, no queueing: ${replicas} replicas keep it at ≤${rules.kvCacheTarget}%`
    : `kept at ${current}: KV cache P95 ${fmt(a.kvCacheP95, 0)}% per pod${after} needs ${needed} replica(s) at ≤${rules.kvCacheTarget}%`;
  return { replicas, why };
}
