// One container's estimates, before any comparison with what the file says. Both the bot
// (recommendWorkload) and the replay benchmark call this, so the benchmark measures the engine.

import type { ContainerUsage, WorkloadClass, WorkloadKind } from '../core/types.ts';
import { RECENT_SECONDS, DecayingHistogram } from './model/decaying-histogram.ts';
import { PeakSeries } from './model/peak-series.ts';
import { classify, classMetrics, describeClass, type ClassMetrics } from './logic/classify.ts';
import { CPU_RULES, estimateCpu, type CpuEstimate, type CpuRules, type CpuSketches } from './logic/cpu.ts';
import { estimateGpu, type GpuEstimate } from './logic/gpu.ts';
import type { ServingAssessment } from './logic/serving.ts';
import { assessHistory, DAY, days, type HistoryAssessment } from './logic/history.ts';
import { estimateMemory, MEMORY_RULES, type MemoryEstimate, type MemoryRules } from './logic/memory.ts';

export interface EstimateOptions {
  historyDays: number;
  cpuPercentile: number;
  /** End of the window, seconds. */
  now: number;
  kind?: WorkloadKind;
  /** Current memory limit, bytes: the cap when no OOM kill was seen (none without a limit). */
  currentMemory?: number;
  /** The serving engine's own evidence, when it exports metrics (GPU sizing uses it instead of the framebuffer). */
  serving?: ServingAssessment;
  /** The accelerator resource key of the container, when not nvidia.com/gpu. */
  accelerator?: string;
  /** Overrides of the estimators' rules (benchmarks compare variants with it; the bot uses the defaults). */
  rules?: { cpu?: Partial<CpuRules>; memory?: Partial<MemoryRules> };
}

export interface ContainerEstimate {
  container: string;
  sufficient: boolean;
  history: HistoryAssessment;
  windowSeconds: number;
  workloadClass: WorkloadClass;
  classMetrics: ClassMetrics;
  classWhy: string;
  cpu?: CpuEstimate;
  memory?: MemoryEstimate;
  gpu?: GpuEstimate;
  /** Why there is no estimate, when there is none. */
  insufficientBecause?: string;
}

export function estimateContainer(usage: ContainerUsage, options: EstimateOptions): ContainerEstimate {
  const windowSeconds = options.historyDays * DAY;
  const since = options.now - windowSeconds;
  const span = Math.min(windowSeconds, options.now - Math.max(usage.firstSample, since));
  // A standalone Job runs once: its run, however short, is all the history there will be (a batch class, low confidence).
  const ownRun = options.kind === 'Job' && usage.samples > 0;
  const history = assessHistory(usage.samples > 0 ? (ownRun ? Math.max(span, DAY) : span) : 0, usage.coverage);
  const cpu = DecayingHistogram.fromState(usage.cpu);
  const peaks = PeakSeries.fromState(usage.memoryPeaks);
  const hourly = peaks.entries().filter(([s]) => s >= since).map(([, v]) => v);
  const metrics = classMetrics(cpu, hourly);
  const workloadClass = classify(metrics, options.kind);
  const base = { container: usage.container, history, windowSeconds, workloadClass, classMetrics: metrics, classWhy: describeClass(workloadClass, metrics) };
  if (!history.sufficient || cpu.isEmpty()) {
    return { ...base, sufficient: false, insufficientBecause: `only ${days(history.seconds)} of usage; at least ${days(DAY)} needed` };
  }
  const cpuRules = options.rules?.cpu ? { ...CPU_RULES, ...options.rules.cpu } : CPU_RULES;
  const memoryRules = options.rules?.memory ? { ...MEMORY_RULES, ...options.rules.memory } : MEMORY_RULES;
  const sketches: CpuSketches = {
    decayed: cpu,
    ...(usage.cpuWindow ? { window: DecayingHistogram.fromState(usage.cpuWindow) } : {}),
    ...(usage.cpuRecent ? { recent: DecayingHistogram.fromState(usage.cpuRecent), recentSeconds: RECENT_SECONDS } : {}),
    ...(usage.cpuPods ? { pods: usage.cpuPods.map(p => ({ pod: p.pod, cpu: DecayingHistogram.fromState(p.cpu) })) } : {}),
  };
  // The idle share of a batch job is read from the histogram its percentile comes from.
  const idleShare = sketches.window && !sketches.window.isEmpty() ? sketches.window.shareAtOrBelow(metrics.idleCores) : metrics.idleShare;
  const cpuEstimate = estimateCpu(sketches, { percentile: options.cpuPercentile, workloadClass, history, idleShare }, cpuRules);
  const memoryEstimate = peaks.length
    ? estimateMemory(peaks, { now: options.now, windowSeconds, history, oomKills: usage.oomKills, current: options.currentMemory, workloadClass }, memoryRules)
    : undefined;
  const gpu = usage.gpu ? estimateGpu(usage.gpu, undefined, usage.gpu.model, options.serving, options.accelerator) : undefined;
  return { ...base, sufficient: true, cpu: cpuEstimate, memory: memoryEstimate, gpu };
}
