// The unweighted CPU sketches beside the recency-weighted one: the whole window, its last days
// (to see a level shift) and each pod (to see whether pods are alike). The collector, the replay
// benchmark and the tests fill them through this one class, so they cannot drift apart.

import type { ContainerUsage } from '../../core/types.ts';
import { CPU_POD_HISTOGRAM, RECENT_SECONDS, CPU_WINDOW_HISTOGRAM, DecayingHistogram } from './decaying-histogram.ts';

export class CpuWindowSketches {
  readonly window: DecayingHistogram;
  readonly recent: DecayingHistogram;
  private readonly pods = new Map<string, DecayingHistogram>();
  private readonly recentFrom: number;
  private readonly reference: number;

  /** `end`: the end of the window (seconds); samples from end − RECENT_SECONDS on are recent. */
  constructor(end: number) {
    this.reference = end;
    this.recentFrom = end - RECENT_SECONDS;
    this.window = new DecayingHistogram(CPU_WINDOW_HISTOGRAM, end);
    this.recent = new DecayingHistogram(CPU_WINDOW_HISTOGRAM, end);
  }

  /**
   * values[i] taken at firstTime + i × step, by `pod` (undefined when pods are not told apart).
   * `weighted`, the recency-weighted histogram kept beside these, is fed the same series here:
   * each value's bucket is looked up once per layout.
   */
  addSeries(pod: string | undefined, values: ArrayLike<number> & { subarray?: (a: number, b?: number) => ArrayLike<number> }, firstTime: number, step: number, weighted?: DecayingHistogram): void {
    const n = values.length;
    if (n === 0) return;
    const fine = this.window.bucketsOf(values);
    this.window.addBucketed(values, fine, firstTime, step);
    const skip = Math.max(0, Math.min(n, Math.ceil((this.recentFrom - firstTime) / step)));
    if (skip < n) {
      const tail = values.subarray ? values.subarray(skip) : Array.prototype.slice.call(values, skip) as number[];
      this.recent.addBucketed(tail, fine.subarray(skip), firstTime + skip * step, step);
    }
    let h: DecayingHistogram | undefined;
    if (pod !== undefined) {
      h = this.pods.get(pod);
      if (!h) this.pods.set(pod, h = new DecayingHistogram(CPU_POD_HISTOGRAM, this.reference));
    }
    if (h && weighted?.sameLayout(h)) {
      const coarse = h.bucketsOf(values);
      h.addBucketed(values, coarse, firstTime, step);
      weighted.addBucketed(values, coarse, firstTime, step);
    } else {
      h?.addSeries(values, firstTime, step);
      weighted?.addSeries(values, firstTime, step);
    }
  }

  add(pod: string | undefined, value: number, time: number): void {
    this.addSeries(pod, [value], time, 1);
  }

  /** The ContainerUsage fields (per-pod sketches only when more than one pod was seen). */
  toUsage(): Pick<ContainerUsage, 'cpuWindow' | 'cpuRecent' | 'cpuPods'> {
    const out: Pick<ContainerUsage, 'cpuWindow' | 'cpuRecent' | 'cpuPods'> = { cpuWindow: this.window.toState(), cpuRecent: this.recent.toState() };
    if (this.pods.size > 1) out.cpuPods = [...this.pods].sort(([a], [b]) => a.localeCompare(b)).map(([pod, h]) => ({ pod, cpu: h.toState() }));
    return out;
  }
}
