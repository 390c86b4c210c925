// Small hand-made usage series for the engine tests: a profile is built by feeding the same
// sketches the collector fills.

import type { ContainerResources, GpuUsage, HpaSpec, OomEvent, UsageProfile, WorkloadKind } from '../../src/core/types.ts';
import { CPU_HISTOGRAM, DecayingHistogram, GPU_UTIL_HISTOGRAM, POWER_HISTOGRAM } from '../../src/recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../../src/recommend/model/peak-series.ts';
import { CpuWindowSketches } from '../../src/recommend/model/cpu-window.ts';

export const DAY = 86400;
export const MIB = 2 ** 20;
export const GIB = 2 ** 30;
export const START = 1_700_000_000;
export const STEP = 300;

/** Deterministic pseudo-random numbers in [0, 1). */
export function seeded(seed = 1): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export interface SeriesSpec {
  days: number;
  /** CPU cores at time t (seconds from start) for sample i. */
  cpu: (t: number, i: number) => number;
  memory: (t: number, i: number) => number;
}

export interface ProfileSpec extends SeriesSpec {
  kind?: WorkloadKind;
  name?: string;
  current?: Partial<ContainerResources>;
  replicas?: number;
  hpa?: HpaSpec;
  oomKills?: OomEvent[];
  gpu?: GpuUsage;
  /** Total CPU of the workload = per-pod CPU × this. */
  pods?: number;
  /** CPU per pod at time t, when pods differ (each is also fed into the pooled sketches). */
  podCpu?: Record<string, (t: number, i: number) => number>;
  throttledRatio?: number;
  /** Only the recency-weighted CPU sketch, as in snapshots written before the window sketches. */
  recencyOnly?: boolean;
}

export function makeProfile(spec: ProfileSpec): UsageProfile {
  const n = Math.round((spec.days * DAY) / STEP);
  const cpu = new DecayingHistogram(CPU_HISTOGRAM, START);
  const total = new DecayingHistogram(CPU_HISTOGRAM, START);
  const mem = new PeakSeries(3600, 24 * 35);
  const window = new CpuWindowSketches(START + n * STEP);
  for (let i = 0; i < n; i++) {
    const t = START + i * STEP;
    if (spec.podCpu) {
      let sum = 0;
      for (const [pod, f] of Object.entries(spec.podCpu)) {
        const c = f(i * STEP, i);
        cpu.add(c, t);
        window.add(pod, c, t);
        sum += c;
      }
      total.add(sum, t);
    } else {
      const c = spec.cpu(i * STEP, i);
      cpu.add(c, t);
      window.add(undefined, c, t);
      total.add(c * (spec.pods ?? 1), t);
    }
    mem.add(spec.memory(i * STEP, i), t);
  }
  const kind = spec.kind ?? 'Deployment';
  const ref = { cluster: 'test', namespace: 'shop', kind, name: spec.name ?? 'api' };
  const current: ContainerResources = {
    container: 'app',
    requests: spec.current?.requests ?? { cpuCores: 1, memoryBytes: 1 * GIB },
    limits: spec.current?.limits ?? { memoryBytes: 1 * GIB },
  };
  return {
    ref,
    current: { ref, containers: [current], replicas: spec.replicas, hpa: spec.hpa },
    containers: [{
      container: 'app', cpu: cpu.toState(), ...(spec.recencyOnly ? {} : window.toUsage()), memoryPeaks: mem.toState(), oomKills: spec.oomKills ?? [], restarts: 0,
      ...(spec.throttledRatio !== undefined ? { throttledRatio: spec.throttledRatio } : {}),
      samples: n, firstSample: START, lastSample: START + (n - 1) * STEP, coverage: 1, gpu: spec.gpu,
    }],
    totalCpu: spec.pods ? total.toState() : undefined,
  };
}

export function makeGpu(opts: { gpusPerPod: number; util: number; memoryBytes: number; totalBytes: number; watts?: number; model?: string; days?: number }): GpuUsage {
  const util = new DecayingHistogram(GPU_UTIL_HISTOGRAM, START);
  const power = new DecayingHistogram(POWER_HISTOGRAM, START);
  const mem = new PeakSeries(3600, 24 * 35);
  const rnd = seeded(7);
  const n = Math.round(((opts.days ?? 7) * DAY) / STEP);
  for (let i = 0; i < n; i++) {
    const t = START + i * STEP;
    util.add(opts.util * (0.8 + 0.2 * rnd()), t);
    mem.add(opts.memoryBytes * (0.95 + 0.05 * rnd()), t);
    if (opts.watts) power.add(opts.watts * (0.9 + 0.1 * rnd()), t);
  }
  return {
    gpusPerPod: opts.gpusPerPod, model: opts.model, utilisation: util.toState(), memoryUsed: mem.toState(),
    memoryTotalBytes: opts.totalBytes, power: opts.watts ? power.toState() : undefined,
  };
}

export const OPTIONS = { historyDays: 14, cpuPercentile: 0.95, targetUtilisation: 0.7 };
