// GPUs from DCGM data: utilisation (0..100 per GPU), framebuffer memory peaks and power.
// The smallest allocation that carries the P95 utilisation at the target and holds the model's
// memory (framebuffer peak + headroom): fewer whole GPUs per pod, or, for one GPU that is
// mostly idle, a smaller share (a MIG profile on GPUs that have them, time-slicing elsewhere).
// Never below what the memory needs.
//
// Two guards (docs/ENGINE.md, "Accelerators"):
// - Without utilisation samples from the vendor's exporter the count is never changed; the plan
//   says which exporter was missing.
// - For an engine that preallocates memory and exports its own metrics (./serving.ts), the
//   framebuffer peak is not used: KV-cache headroom, queueing and latency decide instead.

import type { GpuUsage } from '../../core/types.ts';
import { describeBytes } from '../../core/quantity.ts';
import { DecayingHistogram } from '../model/decaying-histogram.ts';
import { PeakSeries } from '../model/peak-series.ts';
import { servingAcceleratorFloor, type ServingAssessment } from './serving.ts';

const GB = 1e9;

export interface GpuRules {
  /** Utilisation (percent of one GPU) the new allocation should run at, at P95. */
  targetUtilisation: number;
  memoryHeadroom: number;
  percentile: number;
}

export const GPU_RULES: GpuRules = { targetUtilisation: 80, memoryHeadroom: 0.2, percentile: 0.95 };

interface MigProfile { name: string; computeSevenths: number; memoryBytes: number }

// MIG profiles by GPU model (compute in sevenths of the GPU, memory per slice). Models match by substring.
const MIG_PROFILES: Array<{ model: RegExp; profiles: MigProfile[] }> = [
  { model: /a100.*80|h100|h200|a100-sxm4-80/i, profiles: [
    { name: '1g.10gb', computeSevenths: 1, memoryBytes: 10 * GB }, { name: '2g.20gb', computeSevenths: 2, memoryBytes: 20 * GB },
    { name: '3g.40gb', computeSevenths: 3, memoryBytes: 40 * GB }, { name: '4g.40gb', computeSevenths: 4, memoryBytes: 40 * GB }] },
  { model: /a100/i, profiles: [
    { name: '1g.5gb', computeSevenths: 1, memoryBytes: 5 * GB }, { name: '2g.10gb', computeSevenths: 2, memoryBytes: 10 * GB },
    { name: '3g.20gb', computeSevenths: 3, memoryBytes: 20 * GB }, { name: '4g.20gb', computeSevenths: 4, memoryBytes: 20 * GB }] },
  { model: /a30/i, profiles: [
    { name: '1g.6gb', computeSevenths: 1.75, memoryBytes: 6 * GB }, { name: '2g.12gb', computeSevenths: 3.5, memoryBytes: 12 * GB }] },
];

export interface GpuEstimate {
  /** Whole GPUs per pod. */
  gpus: number;
  utilisationP95: number;
  memoryPeakBytes: number;
  powerP95Watts?: number;
  powerP50Watts?: number;
  /** A smaller share of one GPU when one GPU is more than needed. */
  share?: { kind: 'mig' | 'time-slicing'; profile?: string; fraction: number };
  why: string;
  notSmallerBecause: string[];
}

/** The exporter that gives utilisation for an accelerator resource key (for the plan's reason). */
export function exporterFor(resource: string | undefined): string {
  const r = (resource ?? 'nvidia.com/gpu').toLowerCase();
  if (r.startsWith('amd.com/')) return 'the AMD device metrics exporter';
  if (r.startsWith('habana.ai/')) return "Intel Gaudi's metric exporter";
  if (r.startsWith('aws.amazon.com/neuron')) return 'AWS Neuron Monitor';
  if (r.startsWith('google.com/tpu')) return 'the GKE TPU metrics';
  if (r.startsWith('gpu.intel.com/')) return 'an Intel GPU exporter';
  return 'the NVIDIA DCGM exporter';
}

/** Why an accelerator count is kept when no utilisation series reached the collector. */
export function keptWithoutUtilisation(resource: string | undefined, count: number): string {
  return `${count} × ${resource ?? 'nvidia.com/gpu'} kept: no utilisation metrics from ${exporterFor(resource)} for this workload, and an accelerator count is never changed without them`;
}

export function estimateGpu(usage: GpuUsage, rules: GpuRules = GPU_RULES, model = usage.model, serving?: ServingAssessment, resource?: string): GpuEstimate {
  const util = DecayingHistogram.fromState(usage.utilisation);
  const memory = PeakSeries.fromState(usage.memoryUsed);
  const power = usage.power ? DecayingHistogram.fromState(usage.power) : undefined;
  const perGpuUtil = util.quantile(rules.percentile);
  const memoryPeak = memory.max();
  const have = Math.max(1, usage.gpusPerPod);
  const powerP95 = power && !power.isEmpty() ? power.quantile(0.95) : undefined;
  const powerP50 = power && !power.isEmpty() ? power.quantile(0.5) : undefined;
  if (util.isEmpty()) {
    const why = keptWithoutUtilisation(resource, have);
    return { gpus: have, utilisationP95: 0, memoryPeakBytes: memoryPeak, powerP95Watts: powerP95, powerP50Watts: powerP50, why, notSmallerBecause: [why] };
  }
  if (serving) return estimateServingGpu(usage, rules, serving, { perGpuUtil, memoryPeak, have, powerP95, powerP50 });
  // Total work of the pod in "GPUs at 100%", and total framebuffer the model occupies.
  const work = (perGpuUtil * have) / 100;
  const memoryNeed = memoryPeak * have * (1 + rules.memoryHeadroom);
  const byCompute = Math.ceil(work / (rules.targetUtilisation / 100) - 1e-9);
  const byMemory = usage.memoryTotalBytes > 0 ? Math.ceil(memoryNeed / usage.memoryTotalBytes - 1e-9) : have;
  const gpus = Math.min(have, Math.max(1, byCompute, byMemory));
  const notSmallerBecause: string[] = [];
  if (gpus > 1 && byMemory >= gpus) notSmallerBecause.push(`the model needs ${describeBytes(memoryNeed)} of GPU memory (peak + ${Math.round(rules.memoryHeadroom * 100)}%)`);
  if (gpus > 1 && byCompute >= gpus) notSmallerBecause.push(`P95 utilisation needs ${byCompute} GPU(s) at ${rules.targetUtilisation}%`);
  let share: GpuEstimate['share'];
  if (gpus === 1) {
    const fraction = Math.max(work / (rules.targetUtilisation / 100), memoryNeed / Math.max(1, usage.memoryTotalBytes));
    if (fraction <= 0.5) {
      const mig = MIG_PROFILES.find(m => model && m.model.test(model));
      const profile = mig?.profiles.find(p => p.computeSevenths / 7 >= work / (rules.targetUtilisation / 100) && p.memoryBytes >= memoryNeed);
      share = profile ? { kind: 'mig', profile: profile.name, fraction: profile.computeSevenths / 7 } : { kind: 'time-slicing', fraction: Math.max(0.1, Math.ceil(fraction * 10) / 10) };
    }
  }
  let why = `P95 utilisation ${perGpuUtil.toFixed(0)}% of ${have} GPU(s)${usage.exporter ? ` (${usage.exporter})` : ''}, framebuffer peak ${describeBytes(memoryPeak)} of ${describeBytes(usage.memoryTotalBytes)} per GPU`;
  if (gpus < have) why += `: ${gpus} GPU(s) carry it at ≤${rules.targetUtilisation}% and hold the memory`;
  if (share) why += share.kind === 'mig' ? `; one GPU is more than needed: MIG profile ${share.profile} fits` : `; one GPU is more than needed: a ${Math.round(share.fraction * 100)}% time-sliced share fits`;
  return { gpus, utilisationP95: perGpuUtil, memoryPeakBytes: memoryPeak, powerP95Watts: powerP95, powerP50Watts: powerP50, share, why, notSmallerBecause };
}

/**
 * A preallocating engine with its own metrics: compute from the exporter's utilisation, memory
 * from the engine's KV-cache headroom (the framebuffer is full by design), no cut while requests
 * queue or latency is high. No fractional share: a preallocating engine takes the whole device.
 */
function estimateServingGpu(
  usage: GpuUsage, rules: GpuRules, serving: ServingAssessment,
  m: { perGpuUtil: number; memoryPeak: number; have: number; powerP95?: number; powerP50?: number },
): GpuEstimate {
  const work = (m.perGpuUtil * m.have) / 100;
  const byCompute = Math.max(1, Math.ceil(work / (rules.targetUtilisation / 100) - 1e-9));
  const kv = servingAcceleratorFloor(serving, m.have);
  const gpus = Math.min(m.have, Math.max(byCompute, kv.floor));
  const notSmallerBecause: string[] = [];
  if (gpus > 1 || gpus === m.have) {
    if (kv.because && kv.floor >= gpus) notSmallerBecause.push(kv.because);
    if (byCompute >= gpus && gpus > 1) notSmallerBecause.push(`P95 utilisation needs ${byCompute} accelerator(s) at ${rules.targetUtilisation}%`);
  }
  const fb = usage.memoryTotalBytes > 0 ? `${Math.round((m.memoryPeak / usage.memoryTotalBytes) * 100)}% of the framebuffer in use is the engine's preallocation, not load` : 'framebuffer use is the engine\'s preallocation, not load';
  let why = `P95 utilisation ${m.perGpuUtil.toFixed(0)}% of ${m.have} accelerator(s); ${fb}; ${serving.why}`;
  if (gpus < m.have) why += `: ${gpus} accelerator(s) per pod carry it at ≤${rules.targetUtilisation}% with the KV cache at ≤${Math.round((serving.kvCacheP95 ?? 0) * m.have / gpus)}%`;
  return { gpus, utilisationP95: m.perGpuUtil, memoryPeakBytes: m.memoryPeak, powerP95Watts: m.powerP95, powerP50Watts: m.powerP50, why, notSmallerBecause };
}
