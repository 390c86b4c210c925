// A VPA-style decaying histogram: exponentially growing buckets, each sample weighted by
// 2^((t - reference) / halfLife), so recent behaviour counts more and the memory used is
// bounded by the number of buckets, not the length of history.

import type { HistogramState } from '../../core/types.ts';

export interface HistogramOptions {
  /** Upper bound of the first bucket (e.g. 0.001 cores, 1 MiB). */
  firstBucket: number;
  /** Growth of bucket bounds (1.05 = 5% wider each). */
  ratio: number;
  halfLifeSeconds: number;
  /** Bucket count; values beyond the last bucket land in it. */
  maxBuckets?: number;
}

export const CPU_HISTOGRAM: HistogramOptions = { firstBucket: 0.001, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 400 };
export const GPU_UTIL_HISTOGRAM: HistogramOptions = { firstBucket: 0.1, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 160 };
export const POWER_HISTOGRAM: HistogramOptions = { firstBucket: 1, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 200 };

// Weights are kept relative to a reference time; when new samples get far ahead of it the
// weights are rescaled so that 2^x never overflows.
const MAX_EXPONENT = 100;

export class DecayingHistogram {
  readonly firstBucket: number;
  readonly ratio: number;
  readonly halfLifeSeconds: number;
  private readonly weights: Float64Array;
  private readonly logRatio: number;
  private referenceTime: number;
  private totalWeight = 0;
  private count = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(options: HistogramOptions, referenceTime = 0) {
    this.firstBucket = options.firstBucket;
    this.ratio = options.ratio;
    this.halfLifeSeconds = options.halfLifeSeconds;
    this.weights = new Float64Array(options.maxBuckets ?? 400);
    this.logRatio = Math.log(options.ratio);
    this.referenceTime = referenceTime;
  }

  bucketOf(value: number): number {
    if (!(value > this.firstBucket)) return 0;
    const b = Math.ceil(Math.log(value / this.firstBucket) / this.logRatio);
    return b >= this.weights.length ? this.weights.length - 1 : b;
  }

  /** Upper bound of bucket b. */
  bucketBound(b: number): number {
    return this.firstBucket * Math.pow(this.ratio, b);
  }

  /** Adds one sample taken at `time` (seconds), with an extra weight (VPA weighs CPU by the request). */
  add(value: number, time: number, weight = 1): void {
    if (!Number.isFinite(value) || value < 0) return;
    let exponent = (time - this.referenceTime) / this.halfLifeSeconds;
    if (exponent > MAX_EXPONENT) {
      this.shiftReference(time);
      exponent = 0;
    }
    const w = Math.pow(2, exponent) * weight;
    this.weights[this.bucketOf(value)] += w;
    this.totalWeight += w;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  private shiftReference(time: number): void {
    const factor = Math.pow(2, (this.referenceTime - time) / this.halfLifeSeconds);
    for (let i = 0; i < this.weights.length; i++) this.weights[i] *= factor;
    this.totalWeight *= factor;
    this.referenceTime = time;
  }

  /** The upper bound of the bucket where the cumulative weight reaches q of the total (0 when empty). */
  percentile(q: number): number {
    if (this.totalWeight <= 0) return 0;
    const target = q * this.totalWeight;
    let acc = 0;
    for (let b = 0; b < this.weights.length; b++) {
      acc += this.weights[b];
      if (acc >= target && this.weights[b] > 0) return Math.min(this.bucketBound(b), this.max);
    }
    return this.max;
  }

  get samples(): number {
    return this.count;
  }

  get maxValue(): number {
    return this.count ? this.max : 0;
  }

  get minValue(): number {
    return this.count ? this.min : 0;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  /** Adds another histogram with the same bucket layout (e.g. merging shards). */
  merge(other: DecayingHistogram): void {
    if (other.firstBucket !== this.firstBucket || other.ratio !== this.ratio || other.weights.length !== this.weights.length) {
      throw new Error('cannot merge histograms with different bucket layouts');
    }
    const factor = Math.pow(2, (other.referenceTime - this.referenceTime) / this.halfLifeSeconds);
    for (let i = 0; i < this.weights.length; i++) this.weights[i] += other.weights[i] * factor;
    this.totalWeight += other.totalWeight * factor;
    this.count += other.count;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  toState(): HistogramState {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < this.weights.length; i++) if (this.weights[i] > 0) buckets.push([i, this.weights[i]]);
    return {
      firstBucket: this.firstBucket, ratio: this.ratio, halfLifeSeconds: this.halfLifeSeconds,
      referenceTime: this.referenceTime, buckets, totalWeight: this.totalWeight, count: this.count,
      min: this.count ? this.min : 0, max: this.count ? this.max : 0,
    };
  }

  static fromState(state: HistogramState, maxBuckets?: number): DecayingHistogram {
    const size = Math.max(maxBuckets ?? 0, ...state.buckets.map(([i]) => i + 1), 1);
    const h = new DecayingHistogram({ firstBucket: state.firstBucket, ratio: state.ratio, halfLifeSeconds: state.halfLifeSeconds, maxBuckets: size }, state.referenceTime);
    for (const [i, w] of state.buckets) h.weights[i] = w;
    h.totalWeight = state.totalWeight;
    h.count = state.count;
    h.min = state.count ? state.min : Infinity;
    h.max = state.count ? state.max : -Infinity;
    return h;
  }
}
