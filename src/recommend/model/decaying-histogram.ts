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

// CPU: 1 millicore to ~300 cores in 5% steps. The half-life is two days: long enough that a
// fortnight of history still counts (the oldest day weighs 1/128), short enough to follow a trend.
export const CPU_HISTOGRAM: HistogramOptions = { firstBucket: 0.001, ratio: 1.05, halfLifeSeconds: 2 * 86400, maxBuckets: 400 };
// CPU over the whole window, every sample weighted alike (a half-life of ~30,000 years: a finite
// number, so the state stays valid JSON). 1% buckets, so the percentile is within about 0.5% of
// the exact order statistic that a flat-window tool such as KRR computes from raw samples.
export const FLAT_HALF_LIFE = 1e12;
export const CPU_WINDOW_HISTOGRAM: HistogramOptions = { firstBucket: 0.001, ratio: 1.01, halfLifeSeconds: FLAT_HALF_LIFE, maxBuckets: 1300 };
/** The last days of the window, same layout: compared with the rest to see a level shift. */
export const RECENT_SECONDS = 2 * 86400;
// Per pod: 5% buckets are enough to tell whether pods differ, and keep many pods cheap.
export const CPU_POD_HISTOGRAM: HistogramOptions = { firstBucket: 0.001, ratio: 1.05, halfLifeSeconds: FLAT_HALF_LIFE, maxBuckets: 400 };
export const GPU_UTIL_HISTOGRAM: HistogramOptions = { firstBucket: 0.1, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 160 };
export const POWER_HISTOGRAM: HistogramOptions = { firstBucket: 1, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 200 };
/** Requests running or waiting in an inference engine, per pod (0 falls in the first bucket). */
export const REQUESTS_HISTOGRAM: HistogramOptions = { firstBucket: 0.1, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 240 };
/** Latency, seconds (1 ms … ~2 h). */
export const LATENCY_HISTOGRAM: HistogramOptions = { firstBucket: 0.001, ratio: 1.05, halfLifeSeconds: 86400, maxBuckets: 330 };

// Bucket lookup without Math.log on the hot path: a table indexed by the float's exponent and
// its top 10 mantissa bits gives the bucket of the cell's lower edge; each cell is narrower than
// one bucket (2^(1/1024) < 1.05), so at most one bound falls inside it and one comparison fixes
// the answer. Tables are shared by every histogram with the same layout.
const MANTISSA_BITS = 10;
interface BucketTable { expMin: number; expMax: number; cells: Int16Array; bounds: Float64Array }
const bucketTables = new Map<string, BucketTable>();
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // index of the high word

function bucketTable(firstBucket: number, ratio: number, size: number): BucketTable | undefined {
  if (!(ratio > 1 + 2 ** -MANTISSA_BITS) || size > 32767) return undefined;
  const key = `${firstBucket}|${ratio}|${size}`;
  let table = bucketTables.get(key);
  if (table) return table;
  const bounds = new Float64Array(size);
  for (let b = 0; b < size; b++) bounds[b] = firstBucket * Math.pow(ratio, b);
  const expMin = Math.floor(Math.log2(firstBucket)) - 1, expMax = Math.ceil(Math.log2(bounds[size - 1])) + 1;
  if (expMax - expMin > 1000) return undefined;
  const cells = new Int16Array((expMax - expMin + 1) << MANTISSA_BITS);
  for (let e = expMin; e <= expMax; e++) {
    for (let m = 0; m < 1 << MANTISSA_BITS; m++) {
      const lower = Math.pow(2, e) * (1 + m / (1 << MANTISSA_BITS));
      // bucket of `lower`: first b with lower <= bounds[b]
      let b = lower <= firstBucket ? 0 : Math.ceil(Math.log(lower / firstBucket) / Math.log(ratio));
      while (b > 0 && lower <= bounds[b - 1]) b--;
      while (b < size - 1 && lower > bounds[b]) b++;
      cells[((e - expMin) << MANTISSA_BITS) + m] = Math.min(b, size - 1);
    }
  }
  table = { expMin, expMax, cells, bounds };
  bucketTables.set(key, table);
  return table;
}

/** bucketsOf's answer, reused (sized for the longest series seen). */
let bucketScratch = new Int16Array(11_000);

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
  // Cache of the last time weight: consecutive samples at a fixed step reuse one multiplication
  // instead of a Math.pow per sample (the hot path when feeding long histories).
  private lastTime = NaN;
  private lastTimeWeight = 0;
  private lastStep = NaN;
  private lastStepFactor = 1;

  constructor(options: HistogramOptions, referenceTime = 0) {
    this.firstBucket = options.firstBucket;
    this.ratio = options.ratio;
    this.halfLifeSeconds = options.halfLifeSeconds;
    this.weights = new Float64Array(options.maxBuckets ?? 400);
    this.logRatio = Math.log(options.ratio);
    this.referenceTime = referenceTime;
    this.table = bucketTable(this.firstBucket, this.ratio, this.weights.length);
  }

  private readonly table: BucketTable | undefined;

  bucketOf(value: number): number {
    if (!(value > this.firstBucket)) return 0;
    const t = this.table;
    if (t !== undefined) {
      f64[0] = value;
      const hi = u32[HI];
      const e = ((hi >>> 20) & 0x7ff) - 1023;
      if (e >= t.expMin && e <= t.expMax) {
        let b = t.cells[((e - t.expMin) << MANTISSA_BITS) + ((hi >>> (20 - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1))];
        if (b < t.bounds.length - 1 && value > t.bounds[b]) b++;
        return b;
      }
      if (e > t.expMax) return this.weights.length - 1;
    }
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
    const w = this.timeWeight(time) * weight;
    this.weights[this.bucketOf(value)] += w;
    this.totalWeight += w;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /**
   * Adds evenly spaced samples (a Prometheus range-query result): values[i] taken at
   * firstTime + i × stepSeconds. Same result as add() in a loop, with the time weight advanced
   * by one multiplication per sample.
   */
  addSeries(values: ArrayLike<number>, firstTime: number, stepSeconds: number, weight = 1): void {
    this.addBucketed(values, this.bucketsOf(values), firstTime, stepSeconds, weight);
  }

  /** Whether `other` puts every value in the same bucket as this one (its buckets can be shared). */
  sameLayout(other: DecayingHistogram): boolean {
    return this.firstBucket === other.firstBucket && this.ratio === other.ratio && this.weights.length === other.weights.length;
  }

  /**
   * The bucket of each value (0 for values add() skips), in a buffer reused by the next call:
   * histograms of the same layout fed the same series look each value up once (addBucketed).
   */
  bucketsOf(values: ArrayLike<number>): Int16Array {
    const n = values.length;
    if (bucketScratch.length < n) bucketScratch = new Int16Array(Math.max(n, 2 * bucketScratch.length));
    const out = bucketScratch;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      out[i] = v >= 0 && v !== Infinity ? this.bucketOf(v) : 0;
    }
    return out;
  }

  /** addSeries with each value's bucket given: `buckets[i]` from bucketsOf(values) of a histogram of the same layout. */
  addBucketed(values: ArrayLike<number>, buckets: Int16Array, firstTime: number, stepSeconds: number, weight = 1): void {
    const n = values.length;
    if (n === 0) return;
    const lastTime = firstTime + (n - 1) * stepSeconds;
    if ((lastTime - this.referenceTime) / this.halfLifeSeconds > MAX_EXPONENT) this.shiftReference(lastTime);
    const factor = Math.pow(2, stepSeconds / this.halfLifeSeconds);
    let w = Math.pow(2, (firstTime - this.referenceTime) / this.halfLifeSeconds) * weight;
    const weights = this.weights;
    let total = 0, count = 0, min = this.min, max = this.max;
    for (let i = 0; i < n; i++, w *= factor) {
      const v = values[i];
      if (!(v >= 0) || v === Infinity) continue;
      weights[buckets[i]] += w;
      total += w;
      count++;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.totalWeight += total;
    this.count += count;
    this.min = min;
    this.max = max;
  }

  /** 2^((time - reference) / halfLife), computed incrementally for evenly spaced samples. */
  private timeWeight(time: number): number {
    if (time === this.lastTime) return this.lastTimeWeight;
    const step = time - this.lastTime;
    let w: number;
    if (step === this.lastStep) {
      w = this.lastTimeWeight * this.lastStepFactor;
    } else {
      const exponent = (time - this.referenceTime) / this.halfLifeSeconds;
      if (exponent > MAX_EXPONENT) {
        this.shiftReference(time);
        return this.timeWeight(time);
      }
      w = Math.pow(2, exponent);
      if (step === step) { // not NaN: remember the step for the next sample
        this.lastStep = step;
        this.lastStepFactor = Math.pow(2, step / this.halfLifeSeconds);
      }
    }
    if (w > 2 ** MAX_EXPONENT) {
      this.shiftReference(time);
      return this.timeWeight(time);
    }
    this.lastTime = time;
    this.lastTimeWeight = w;
    return w;
  }

  private shiftReference(time: number): void {
    this.lastTime = NaN;
    this.lastStep = NaN;
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

  /**
   * Like percentile(), but interpolated inside the bucket (geometrically, since buckets grow
   * geometrically), so a value is not pushed up to its bucket's upper bound. Used by the
   * estimators: the 5% bucket width would otherwise add up to 5% to every request.
   */
  quantile(q: number): number {
    if (this.totalWeight <= 0) return 0;
    const target = Math.min(1, Math.max(0, q)) * this.totalWeight;
    let acc = 0;
    for (let b = 0; b < this.weights.length; b++) {
      const w = this.weights[b];
      if (w <= 0) continue;
      if (acc + w >= target) {
        const upper = this.bucketBound(b);
        const lower = b === 0 ? Math.min(this.min, upper) : this.bucketBound(b - 1);
        const fraction = (target - acc) / w;
        const value = lower > 0 ? lower * Math.pow(upper / lower, fraction) : upper * fraction;
        return Math.min(Math.max(value, this.min), this.max);
      }
      acc += w;
    }
    return this.max;
  }

  /** Decayed weight of samples at or below `value`, as a share of the total (0..1). */
  shareAtOrBelow(value: number): number {
    if (this.totalWeight <= 0) return 0;
    const last = this.bucketOf(value);
    let acc = 0;
    for (let b = 0; b <= last; b++) acc += this.weights[b];
    return Math.min(1, acc / this.totalWeight);
  }

  /** Decayed weighted mean, using each bucket's geometric midpoint. */
  mean(): number {
    if (this.totalWeight <= 0) return 0;
    let sum = 0;
    for (let b = 0; b < this.weights.length; b++) {
      const w = this.weights[b];
      if (w <= 0) continue;
      const upper = Math.min(this.bucketBound(b), this.max);
      const lower = b === 0 ? 0 : this.bucketBound(b - 1);
      sum += w * (lower > 0 ? Math.sqrt(lower * upper) : upper / 2);
    }
    return sum / this.totalWeight;
  }

  /** Time of the newest weight reference (seconds); the newest sample is at or after it. */
  get reference(): number {
    return this.referenceTime;
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

  /** The samples of this histogram that are not in `part` (same layout, `part` a subset): e.g. the window minus its last days. */
  without(part: DecayingHistogram): DecayingHistogram {
    if (part.firstBucket !== this.firstBucket || part.ratio !== this.ratio) throw new Error('cannot subtract histograms with different bucket layouts');
    const out = DecayingHistogram.fromState(this.toState(), this.weights.length);
    const factor = Math.pow(2, (part.referenceTime - this.referenceTime) / this.halfLifeSeconds);
    let total = 0;
    for (let i = 0; i < out.weights.length; i++) {
      const left = out.weights[i] - (i < part.weights.length ? part.weights[i] * factor : 0);
      out.weights[i] = left > 1e-9 * this.totalWeight ? left : 0; // rounding residue is not a sample
      total += out.weights[i];
    }
    out.totalWeight = total;
    out.count = Math.max(0, this.count - part.count);
    return out;
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
