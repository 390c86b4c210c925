// Streaming parser for Prometheus query responses (`/api/v1/query_range`, `/api/v1/query`).
// A range-query answer for a busy namespace is tens of megabytes of JSON; JSON.parse would
// materialise millions of small arrays and strings. This parser walks the bytes as they arrive
// and hands over one series at a time as typed arrays, so memory is bounded by the largest
// series (≤ 11,000 points), not by the response.

export interface SeriesSink {
  /**
   * One complete series. `times` and `values` are views into buffers that are reused for the
   * next series: read them during the call, do not keep them.
   */
  (labels: Record<string, string>, times: Float64Array, values: Float64Array): void;
}

export interface ParseSummary {
  resultType: string;
  series: number;
  samples: number;
  warnings: string[];
  /** Prometheus's own execution time for the query, when the request asked for `stats`. */
  serverSeconds?: number;
  /** Samples the query read (`totalQueryableSamples`) and the most it held at once (`peakSamples`), when asked for `stats`. */
  samplesRead?: number;
  peakSamples?: number;
}

export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResponseError';
  }
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
const LBRACKET = 0x5b, RBRACKET = 0x5d, LBRACE = 0x7b, RBRACE = 0x7d;
const MINUS = 0x2d, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;
const NEED_MORE = -1;
const RESULT_KEY = new TextEncoder().encode('"result"');
const KEY_VALUES = new TextEncoder().encode('values'), KEY_VALUE = new TextEncoder().encode('value'), KEY_METRIC = new TextEncoder().encode('metric');
const MAX_HEAD = 1 << 16;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Prometheus answers at most 11,000 points per series; more means a server not answering what was asked. */
export const MAX_POINTS_PER_SERIES = 11_000;

const enum_ = { head: 0, result: 1, seriesKey: 2, values: 3, tail: 4, scalar: 5 } as const;
type State = typeof enum_[keyof typeof enum_];

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const decoder = new TextDecoder();

/**
 * Feed bytes with push(); call end() when the body is complete. `skipSeries` drops the first
 * n complete series (a retry after a connection broke mid-body resumes without counting twice:
 * Prometheus returns series in a stable, sorted order).
 */
export class ResponseStreamParser {
  /** Bytes not parsed yet (an incomplete token at the end of the last chunk): work[0, pending). */
  /** Grown on demand: usually only the few bytes of a pair cut by the end of a chunk wait here. */
  private work = new Uint8Array(1 << 10);
  private pending = 0;
  private state: State = enum_.head;
  private head = '';
  private tailText = '';
  private resultType = '';
  private labels: Record<string, string> | undefined;
  private times = new Float64Array(1024);
  private values = new Float64Array(1024);
  private n = 0;
  private seriesCount = 0;
  private sampleCount = 0;
  private readonly sink: SeriesSink;
  private skip: number;
  private readonly maxPoints: number;
  /** A key or label set cut by a chunk is scanned again only once twice the bytes are there: linear, not quadratic, in its length. */
  private rescanAt = 0;
  private readonly seen = new Set<string>();
  /** Times a key or label set was found cut by a chunk (grows with the log of its length). */
  waits = 0;
  private duplicates = 0;
  private firstDuplicate = '';

  constructor(sink: SeriesSink, options: { skipSeries?: number; maxPoints?: number } = {}) {
    this.sink = sink;
    this.skip = options.skipSeries ?? 0;
    this.maxPoints = options.maxPoints ?? MAX_POINTS_PER_SERIES;
  }

  /** Complete series delivered so far (including skipped ones). */
  get completeSeries(): number {
    return this.seriesCount;
  }

  push(chunk: Uint8Array): void {
    if (this.pending === 0) {
      const used = this.parse(chunk);
      if (used < chunk.length) this.keep(chunk.subarray(used));
    } else {
      // Append to the bytes left over from the last chunk (a token cut in two), in a buffer that
      // is reused: no allocation per chunk, so garbage does not grow with the response.
      this.reserve(this.pending + chunk.length);
      this.work.set(chunk, this.pending);
      this.pending += chunk.length;
      const used = this.parse(this.work.subarray(0, this.pending));
      this.work.copyWithin(0, used, this.pending);
      this.pending -= used;
    }
    if (this.state === enum_.head && this.pending > MAX_HEAD) {
      throw new MalformedResponseError(`no "result" field in the first ${MAX_HEAD} bytes: ${snippet(this.work)}`);
    }
  }

  private keep(rest: Uint8Array): void {
    this.reserve(rest.length);
    this.work.set(rest, 0);
    this.pending = rest.length;
  }

  private reserve(size: number): void {
    if (size <= this.work.length) return;
    const grown = new Uint8Array(Math.max(size, this.work.length * 2));
    grown.set(this.work.subarray(0, this.pending));
    this.work = grown;
  }

  end(): ParseSummary {
    if (this.pending > 0 && this.state !== enum_.tail) {
      // The last wait for more bytes (see rescanAt): there are no more.
      this.rescanAt = 0;
      const used = this.parse(this.work.subarray(0, this.pending));
      this.work.copyWithin(0, used, this.pending);
      this.pending -= used;
    }
    if (this.state === enum_.head) {
      const rest = this.work.subarray(0, this.pending);
      throw new MalformedResponseError(decoder.decode(rest).trim() ? `response is not a Prometheus query result: ${snippet(rest)}` : 'empty response body');
    }
    if (this.state !== enum_.tail) throw new MalformedResponseError('response ended before the result was complete (truncated body)');
    const tail = this.tailText + decoder.decode(this.work.subarray(0, this.pending));
    if (!/}\s*}\s*$/.test(tail) && !/]\s*}\s*$/.test(tail)) throw new MalformedResponseError(`response ends unexpectedly: ${JSON.stringify(tail.slice(-80))}`);
    let warnings: string[] = [];
    const m = /"warnings"\s*:\s*(\[[^\]]*\])/.exec(tail);
    if (m) {
      try { warnings = (JSON.parse(m[1]) as unknown[]).map(String); } catch { /* a warning we cannot read is not worth failing for */ }
    }
    if (this.duplicates > 0) {
      warnings.push(`${this.duplicates} duplicate series (the same labels as an earlier series, e.g. ${this.firstDuplicate}); only the first of each was used`);
    }
    const exec = /"execTotalTime"\s*:\s*([0-9.eE+-]+)/.exec(tail);
    const read = /"totalQueryableSamples"\s*:\s*(\d+)/.exec(tail);
    const peak = /"peakSamples"\s*:\s*(\d+)/.exec(tail);
    return {
      resultType: this.resultType, series: this.seriesCount, samples: this.sampleCount, warnings,
      ...(exec ? { serverSeconds: Number(exec[1]) } : {}),
      ...(read ? { samplesRead: Number(read[1]) } : {}),
      ...(peak ? { peakSamples: Number(peak[1]) } : {}),
    };
  }

  /** Up to the start of the "result" array: checks the status, reads the result type. Returns where it stopped (the state says whether it is done). */
  private parseHead(b: Uint8Array, p: number): number {
    const len = b.length;
    for (;;) {
      const at = indexOf(b, RESULT_KEY, p);
      if (at < 0) return Math.max(p, len - RESULT_KEY.length);
      let q = at + RESULT_KEY.length;
      while (q < len && isSpace(b[q])) q++;
      if (q >= len) return at;
      if (b[q] !== COLON) { p = at + 1; continue; }
      q++;
      while (q < len && isSpace(b[q])) q++;
      if (q >= len) return at;
      this.head = decoder.decode(b.subarray(0, at));
      const status = /"status"\s*:\s*"([^"]*)"/.exec(this.head)?.[1];
      if (status !== undefined && status !== 'success') throw new MalformedResponseError(`status "${status}" in a successful HTTP response`);
      this.resultType = /"resultType"\s*:\s*"([^"]*)"/.exec(this.head)?.[1] ?? '';
      if (b[q] !== LBRACKET) throw new MalformedResponseError(`"result" is not an array: ${snippet(b.subarray(q))}`);
      this.state = this.resultType === 'scalar' || this.resultType === 'string' ? enum_.scalar : enum_.result;
      return q + 1;
    }
  }

  /** After the result: kept (its last MAX_HEAD characters) for the warnings and stats read at the end. */
  private keepTail(b: Uint8Array): void {
    this.tailText += decoder.decode(b);
    if (this.tailText.length > MAX_HEAD) this.tailText = this.tailText.slice(-MAX_HEAD);
  }

  /** Parses as far as complete units allow; returns the number of bytes consumed. */
  private parse(b: Uint8Array): number {
    let p = 0;
    const len = b.length;
    for (;;) {
      switch (this.state) {
        case enum_.head:
          // Rare paths live in methods of their own: this loop stays small to compile.
          p = this.parseHead(b, p);
          if (this.state === enum_.head) return p;
          break;
        case enum_.scalar: {
          // [time, "value"] — reported as one series without labels.
          this.n = 0;
          const q = this.pair(b, p - 1);
          if (q === NEED_MORE) return p;
          this.emit({});
          p = q;
          this.state = enum_.tail;
          break;
        }
        case enum_.result: {
          while (p < len && (isSpace(b[p]) || b[p] === COMMA)) p++;
          if (p >= len) return p;
          const c = b[p];
          if (c === RBRACKET) { p++; this.state = enum_.tail; break; }
          if (c !== LBRACE) throw new MalformedResponseError(`expected a series object in "result", found ${snippet(b.subarray(p))}`);
          p++;
          this.labels = undefined;
          this.n = 0;
          this.state = enum_.seriesKey;
          break;
        }
        case enum_.seriesKey: {
          while (p < len && (isSpace(b[p]) || b[p] === COMMA)) p++;
          if (p >= len) return p;
          if (len - p < this.rescanAt) return p;
          if (b[p] === RBRACE) {
            p++;
            this.emit(this.labels ?? {});
            this.state = enum_.result;
            break;
          }
          if (b[p] !== QUOTE) throw new MalformedResponseError(`expected a key in a series object, found ${snippet(b.subarray(p))}`);
          const keyEnd = stringEnd(b, p);
          if (keyEnd === NEED_MORE) return this.wait(len - p, p);
          let q = keyEnd;
          while (q < len && isSpace(b[q])) q++;
          if (q >= len) return this.wait(len - p, p);
          if (b[q] !== COLON) throw new MalformedResponseError(`expected ":" after a key, found ${snippet(b.subarray(q))}`);
          q++;
          while (q < len && isSpace(b[q])) q++;
          if (q >= len) return this.wait(len - p, p);
          this.rescanAt = 0;
          // Keys are compared as bytes, as they come (no string per key).
          const keyStart = p + 1, keyLength = keyEnd - 1 - keyStart;
          if (bytesAre(b, keyStart, keyLength, KEY_VALUES)) {
            if (b[q] !== LBRACKET) throw new MalformedResponseError('"values" is not an array');
            p = q + 1;
            this.state = enum_.values;
          } else if (bytesAre(b, keyStart, keyLength, KEY_VALUE)) {
            const r = this.pair(b, q);
            if (r === NEED_MORE) return this.wait(len - p, p);
            p = r;
          } else {
            const end = valueEnd(b, q);
            if (end === NEED_MORE) return this.wait(len - p, p);
            if (bytesAre(b, keyStart, keyLength, KEY_METRIC)) {
              try {
                this.labels = JSON.parse(decoder.decode(b.subarray(q, end))) as Record<string, string>;
              } catch {
                throw new MalformedResponseError(`"metric" is not a JSON object: ${snippet(b.subarray(q))}`);
              }
            } // other keys ("histograms", …) carry nothing the collector reads
            p = end;
          }
          break;
        }
        case enum_.values: {
          for (;;) {
            p = this.plainPairs(b, p);
            while (p < len && (isSpace(b[p]) || b[p] === COMMA)) p++;
            if (p >= len) return p;
            if (b[p] === RBRACKET) { p++; this.state = enum_.seriesKey; break; }
            const r = this.pair(b, p);
            if (r === NEED_MORE) return p;
            p = r;
          }
          break;
        }
        case enum_.tail:
          this.keepTail(b.subarray(p));
          return len;
      }
    }
  }

  /**
   * The hot loop: `[1779062580,"0.1213"],` as Prometheus writes it (no spaces, plain decimals),
   * pair after pair, with the same arithmetic as pair(). It stops at the first pair in any other
   * shape, at the end of the array, within 64 bytes of the end of the chunk and when the buffers
   * are full, and returns where it stopped: pair() takes over there and decides.
   */
  private plainPairs(b: Uint8Array, p: number): number {
    const limit = b.length - 64;
    const times = this.times, values = this.values;
    const cap = Math.min(times.length, this.maxPoints);
    let n = this.n;
    while (p <= limit && n < cap) {
      // Every loop below is bounded by a digit count, so a pair never reads past p + 64.
      let q = p;
      if (b[q] === COMMA) q++;
      if (b[q] !== LBRACKET) break;
      let c = b[++q], t = 0, digits = 0;
      while (c >= ZERO && c <= NINE && digits < 15) { t = t * 10 + (c - ZERO); c = b[++q]; digits++; }
      if (digits === 0) break;
      if (c === DOT) {
        let frac = 0, fracDigits = 0;
        c = b[++q];
        while (c >= ZERO && c <= NINE && fracDigits < 9) { frac = frac * 10 + (c - ZERO); c = b[++q]; fracDigits++; }
        if (fracDigits === 0) break;
        t += frac / POW10[fracDigits];
      }
      if (c !== COMMA || b[q + 1] !== QUOTE) break;
      q += 2;
      c = b[q];
      const neg = c === MINUS;
      if (neg) c = b[++q];
      let mant = 0, scale = 0;
      digits = 0;
      while (c >= ZERO && c <= NINE && digits < 20) { mant = mant * 10 + (c - ZERO); c = b[++q]; digits++; }
      if (digits === 0) break;
      if (c === DOT) {
        c = b[++q];
        while (c >= ZERO && c <= NINE && digits < 20) { mant = mant * 10 + (c - ZERO); c = b[++q]; digits++; scale++; }
      }
      if (c !== QUOTE || b[q + 1] !== RBRACKET) break;
      const v = scale ? mant / POW10[scale] : mant;
      times[n] = t;
      values[n] = neg ? -v : v;
      n++;
      p = q + 2;
    }
    this.n = n;
    return p;
  }

  /** A key or label set is cut by the end of the chunk: wait until twice the bytes from it are there. */
  private wait(have: number, p: number): number {
    this.rescanAt = 2 * have;
    this.waits++;
    return p;
  }

  /** Parses `[time, "value"]` at p; appends it and returns the index after `]`, or NEED_MORE. */
  private pair(b: Uint8Array, p: number): number {
    const len = b.length;
    if (b[p] !== LBRACKET) throw new MalformedResponseError(`expected [time, "value"], found ${snippet(b.subarray(p))}`);
    p++;
    while (p < len && isSpace(b[p])) p++;
    // Timestamp: a JSON number, usually an integer or with 3 decimals.
    const tStart = p;
    let t = 0, c = 0;
    while (p < len && (c = b[p]) >= ZERO && c <= NINE) { t = t * 10 + (c - ZERO); p++; }
    if (p >= len) return NEED_MORE;
    if (c === DOT) {
      p++;
      let frac = 0, digits = 0;
      while (p < len && (c = b[p]) >= ZERO && c <= NINE) { frac = frac * 10 + (c - ZERO); digits++; p++; }
      if (p >= len) return NEED_MORE;
      t += frac / POW10[Math.min(digits, 22)];
    }
    if (p === tStart || (c !== COMMA && !isSpace(c))) {
      // Exponents or anything unusual: let the standard parser decide.
      const end = scanUntil(b, p, COMMA);
      if (end === NEED_MORE) return NEED_MORE;
      t = Number(decoder.decode(b.subarray(tStart, end)));
      if (!Number.isFinite(t)) throw new MalformedResponseError(`bad sample timestamp ${snippet(b.subarray(tStart))}`);
      p = end;
    }
    while (p < len && isSpace(b[p])) p++;
    if (p >= len) return NEED_MORE;
    if (b[p] !== COMMA) throw new MalformedResponseError(`expected "," in a sample, found ${snippet(b.subarray(p))}`);
    p++;
    while (p < len && isSpace(b[p])) p++;
    if (p >= len) return NEED_MORE;
    if (b[p] !== QUOTE) throw new MalformedResponseError(`sample value is not a string: ${snippet(b.subarray(p))}`);
    p++;
    const vStart = p;
    // Fast path: -?digits(.digits)?
    let neg = false, mant = 0, scale = 0, digits = 0, ok = true;
    if (p < len && b[p] === MINUS) { neg = true; p++; }
    while (p < len && (c = b[p]) >= ZERO && c <= NINE) { mant = mant * 10 + (c - ZERO); digits++; p++; }
    if (p < len && c === DOT) {
      p++;
      while (p < len && (c = b[p]) >= ZERO && c <= NINE) { mant = mant * 10 + (c - ZERO); digits++; scale++; p++; }
    }
    if (p >= len) return NEED_MORE;
    let v: number;
    // Up to 20 digits: beyond 2^53 the mantissa rounds, an error of ~1e-16 relative.
    if (c === QUOTE && digits > 0 && digits <= 20 && scale <= 22) {
      v = scale ? mant / POW10[scale] : mant;
      if (neg) v = -v;
    } else {
      ok = false;
      v = 0;
    }
    if (!ok) {
      const end = scanUntil(b, vStart, QUOTE);
      if (end === NEED_MORE) return NEED_MORE;
      v = parseValue(decoder.decode(b.subarray(vStart, end)));
      p = end;
    }
    p++; // closing quote
    while (p < len && isSpace(b[p])) p++;
    if (p >= len) return NEED_MORE;
    if (b[p] !== RBRACKET) throw new MalformedResponseError(`expected "]" after a sample, found ${snippet(b.subarray(p))}`);
    this.append(t, v);
    return p + 1;
  }

  private append(t: number, v: number): void {
    if (this.n >= this.maxPoints) {
      throw new MalformedResponseError(`a series has more than ${this.maxPoints} points, more than the query asked for; the answer was cut off there`);
    }
    if (this.n === this.times.length) {
      const times = new Float64Array(this.n * 2), values = new Float64Array(this.n * 2);
      times.set(this.times);
      values.set(this.values);
      this.times = times;
      this.values = values;
    }
    this.times[this.n] = t;
    this.values[this.n] = v;
    this.n++;
  }

  private emit(labels: Record<string, string>): void {
    this.seriesCount++;
    this.sampleCount += this.n;
    if (this.skip > 0) { this.skip--; return; }
    const key = labelKey(labels);
    if (this.seen.has(key)) {
      if (this.duplicates++ === 0) this.firstDuplicate = JSON.stringify(labels).slice(0, 200);
      return;
    }
    this.seen.add(key);
    this.sink(labels, this.times.subarray(0, this.n), this.values.subarray(0, this.n));
  }
}

/** One string per label set, whatever the order of its labels (Prometheus sends them sorted: no sort then). */
function labelKey(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  let sorted = true;
  for (let i = 1; i < names.length && sorted; i++) sorted = names[i - 1] < names[i];
  if (sorted) return JSON.stringify(labels);
  const inOrder: Record<string, string> = {};
  for (const name of names.sort()) inOrder[name] = labels[name];
  return JSON.stringify(inOrder);
}

function parseValue(text: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const v = Number(text);
  if (text.trim() === '' || Number.isNaN(v)) throw new MalformedResponseError(`sample value is not a number: ${JSON.stringify(text.slice(0, 40))}`);
  return v;
}

function bytesAre(b: Uint8Array, start: number, length: number, expected: Uint8Array): boolean {
  if (length !== expected.length) return false;
  for (let i = 0; i < length; i++) if (b[start + i] !== expected[i]) return false;
  return true;
}

function indexOf(b: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0], last = b.length - needle.length;
  for (let i = b.indexOf(first, from); i >= 0 && i <= last; i = b.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && b[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

/** Index after the closing quote of the string starting at p, or NEED_MORE. */
function stringEnd(b: Uint8Array, p: number): number {
  for (let i = p + 1; i < b.length; i++) {
    const c = b[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return NEED_MORE;
}

function scanUntil(b: Uint8Array, p: number, stop: number): number {
  const i = b.indexOf(stop, p);
  return i < 0 ? NEED_MORE : i;
}

/** Index after the JSON value starting at p (object, array, string or scalar), or NEED_MORE. */
function valueEnd(b: Uint8Array, p: number): number {
  const c = b[p];
  if (c === QUOTE) return stringEnd(b, p);
  if (c !== LBRACE && c !== LBRACKET) {
    for (let i = p; i < b.length; i++) {
      const d = b[i];
      if (d === COMMA || d === RBRACE || d === RBRACKET || isSpace(d)) return i;
    }
    return NEED_MORE;
  }
  let depth = 0;
  for (let i = p; i < b.length; i++) {
    const d = b[i];
    if (d === QUOTE) {
      const e = stringEnd(b, i);
      if (e === NEED_MORE) return NEED_MORE;
      i = e - 1;
    } else if (d === LBRACE || d === LBRACKET) depth++;
    else if (d === RBRACE || d === RBRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return NEED_MORE;
}

function snippet(b: Uint8Array): string {
  return JSON.stringify(decoder.decode(b.subarray(0, 60)));
}
