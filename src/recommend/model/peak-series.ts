// Peaks per fixed interval (e.g. the highest memory working set in each hour), keeping only
// the newest `maxIntervals` intervals so memory stays bounded however long the history.

import type { PeakSeriesState } from '../../core/types.ts';

export class PeakSeries {
  readonly intervalSeconds: number;
  readonly maxIntervals: number;
  private starts: Float64Array;
  private peaks: Float64Array;
  /** Ring buffer: index of the oldest entry, number of entries. */
  private head = 0;
  private size = 0;
  // Fast path: the newest interval's start and slot, so a sample in it costs two comparisons.
  private lastStart = NaN;
  private lastSlot = -1;

  constructor(intervalSeconds = 3600, maxIntervals = 24 * 35) {
    this.intervalSeconds = intervalSeconds;
    this.maxIntervals = maxIntervals;
    this.starts = new Float64Array(maxIntervals);
    this.peaks = new Float64Array(maxIntervals);
  }

  /** Adds a sample; samples should arrive roughly in time order (older intervals than the window are dropped). */
  add(value: number, time: number): void {
    if (!Number.isFinite(value)) return;
    if (time >= this.lastStart && time < this.lastStart + this.intervalSeconds) {
      if (value > this.peaks[this.lastSlot]) this.peaks[this.lastSlot] = value;
      return;
    }
    const start = Math.floor(time / this.intervalSeconds) * this.intervalSeconds;
    if (this.size > 0) {
      const last = (this.head + this.size - 1) % this.maxIntervals;
      if (this.starts[last] === start) {
        if (value > this.peaks[last]) this.peaks[last] = value;
        return;
      }
      if (start < this.starts[last]) {
        // Out of order: find the interval (series from several pods interleave by query). A
        // series' next sample usually falls in the interval after the one it last hit: try that
        // one first, so a pod's series after another's costs one scan, not one per sample.
        const next = (this.lastSlot + 1) % this.maxIntervals;
        if (this.lastSlot >= 0 && (next - this.head + this.maxIntervals) % this.maxIntervals < this.size && this.starts[next] === start) {
          if (value > this.peaks[next]) this.peaks[next] = value;
          this.lastStart = start;
          this.lastSlot = next;
          return;
        }
        for (let k = this.size - 1; k >= 0; k--) {
          const i = (this.head + k) % this.maxIntervals;
          if (this.starts[i] === start) {
            if (value > this.peaks[i]) this.peaks[i] = value;
            this.lastStart = start;
            this.lastSlot = i;
            return;
          }
          if (this.starts[i] < start) {
            this.insertAfter(k, start, value);
            return;
          }
        }
        if (this.size < this.maxIntervals) this.insertAfter(-1, start, value);
        return;
      }
    }
    this.push(start, value);
  }

  /** Adds evenly spaced samples: values[i] taken at firstTime + i × stepSeconds. Same result as add() in a loop. */
  addSeries(values: ArrayLike<number>, firstTime: number, stepSeconds: number): void {
    const n = values.length;
    let i = 0;
    while (i < n) {
      const time = firstTime + i * stepSeconds;
      const intervalEnd = (Math.floor(time / this.intervalSeconds) + 1) * this.intervalSeconds;
      // All samples up to the end of this interval: one add() with their peak.
      let peak = -Infinity, j = i;
      for (; j < n && firstTime + j * stepSeconds < intervalEnd; j++) {
        const v = values[j];
        if (v > peak) peak = v;
      }
      if (j === i) j = i + 1; // a zero or negative step: fall back to one sample at a time
      if (peak > -Infinity) this.add(peak, time);
      i = j;
    }
  }

  private push(start: number, value: number): void {
    if (this.size === this.maxIntervals) {
      this.head = (this.head + 1) % this.maxIntervals;
      this.size--;
    }
    const i = (this.head + this.size) % this.maxIntervals;
    this.starts[i] = start;
    this.peaks[i] = value;
    this.size++;
    this.lastStart = start;
    this.lastSlot = i;
  }

  // Rare path: rebuild in order.
  private insertAfter(k: number, start: number, value: number): void {
    const entries = this.entries();
    entries.splice(k + 1, 0, [start, value]);
    const keep = entries.slice(-this.maxIntervals);
    this.head = 0;
    this.size = 0;
    this.lastStart = NaN;
    for (const [s, v] of keep) this.push(s, v);
  }

  entries(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % this.maxIntervals;
      out.push([this.starts[i], this.peaks[i]]);
    }
    return out;
  }

  /** Peaks of intervals that start at or after `since`. */
  values(since = -Infinity): number[] {
    return this.entries().filter(([s]) => s >= since).map(([, v]) => v);
  }

  get length(): number {
    return this.size;
  }

  max(): number {
    let m = 0;
    for (let k = 0; k < this.size; k++) {
      const v = this.peaks[(this.head + k) % this.maxIntervals];
      if (v > m) m = v;
    }
    return m;
  }

  merge(other: PeakSeries): void {
    for (const [s, v] of other.entries()) this.add(v, s);
  }

  toState(): PeakSeriesState {
    return { intervalSeconds: this.intervalSeconds, maxIntervals: this.maxIntervals, peaks: this.entries() };
  }

  static fromState(state: PeakSeriesState): PeakSeries {
    const p = new PeakSeries(state.intervalSeconds, state.maxIntervals);
    for (const [s, v] of state.peaks) p.push(s, v);
    return p;
  }
}
