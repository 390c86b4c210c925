// HTTP client for the Prometheus query API: POST form bodies, bounded concurrency, retries with
// backoff and jitter on 429/5xx/timeouts (honouring Retry-After), streamed response parsing, and
// errors that name the query and quote the server.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { PrometheusConfig } from '../../config/types.ts';
import { UserError } from '../../core/errors.ts';
import { authenticator, expandHeaders, type Authenticator } from './auth.ts';
import { MalformedResponseError, ResponseStreamParser, MAX_POINTS_PER_SERIES, type ParseSummary, type SeriesSink } from './stream-parse.ts';

export interface QueryParams {
  query: string;
  start?: number;
  end?: number;
  step?: number;
  time?: number;
}

export interface ClientOptions {
  fetch?: typeof fetch;
  /** Retries after the first attempt (default 4). */
  maxRetries?: number;
  /** Base of the exponential backoff, ms (default 500). */
  backoffMs?: number;
  /** Longest wait for one retry, including Retry-After, ms (default 60 s). */
  maxWaitMs?: number;
  /** Ask Prometheus for its own timings and sample counts (`stats=all`, the default); summed in `serverSeconds`. */
  stats?: boolean;
}

/** Prometheus answered with an error; `retryable` for load-related failures. */
export class PrometheusQueryError extends UserError {
  readonly status: number;
  readonly errorType: string;
  readonly serverMessage: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  constructor(message: string, info: { status: number; errorType: string; serverMessage: string; retryable: boolean; retryAfterMs?: number; hint?: string }) {
    super(message, { hint: info.hint });
    this.name = 'PrometheusQueryError';
    this.status = info.status;
    this.errorType = info.errorType;
    this.serverMessage = info.serverMessage;
    this.retryable = info.retryable;
    this.retryAfterMs = info.retryAfterMs;
  }

  /** Prometheus' --query.max-samples was exceeded: the caller can split the query and ask again. */
  get tooManySamples(): boolean {
    return this.status === 422 && /too many samples/.test(this.serverMessage);
  }

  /** The 11,000-points-per-series limit: the caller can split the time range and ask again. */
  get tooManyPoints(): boolean {
    return this.status === 400 && /maximum resolution of [\d,]+ points/.test(this.serverMessage);
  }
}

/** The URL without user:password, for messages. */
export function safeUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

function shortQuery(q: string): string {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 300 ? `${one.slice(0, 300)}…` : one;
}

function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>(resolve => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** fetch over node:https with a custom CA or without verification (Node's fetch takes no TLS options). */
function tlsFetch(tls: NonNullable<PrometheusConfig['tls']>): typeof fetch {
  const agent = new https.Agent({
    keepAlive: true,
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    rejectUnauthorized: !tls.insecureSkipVerify,
  });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (url.protocol !== 'https:') return fetch(input, init);
    return new Promise<Response>((resolve, reject) => {
      const req = https.request(url, {
        agent, method: init?.method ?? 'GET', headers: init?.headers as Record<string, string>, signal: init?.signal ?? undefined,
      }, res => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve(new Response(Readable.toWeb(res) as ReadableStream, { status: res.statusCode ?? 0, headers }));
      });
      req.on('error', reject);
      req.end(init?.body as string | undefined);
    });
  }) as typeof fetch;
}

export class PrometheusClient {
  readonly baseUrl: string;
  queries = 0;
  /** Prometheus's own execution time, summed over queries (when `stats` is on). */
  serverSeconds = 0;
  bytes = 0;
  /** Samples read and peak samples of each query, in the order they finished (from `stats`). */
  readonly costs: Array<{ query: string; samplesRead: number; peakSamples: number }> = [];
  private readonly cluster: string;
  private readonly auth: Authenticator;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly limiter: Semaphore;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxWaitMs: number;
  private readonly stats: boolean;

  constructor(config: PrometheusConfig, cluster: string, options: ClientOptions = {}) {
    this.cluster = cluster;
    const url = new URL(config.url);
    const headers = expandHeaders(config.headers, cluster);
    if (url.username || url.password) {
      // fetch refuses credentials in URLs: turn them into a Basic header.
      headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.baseUrl = url.toString().replace(/\/+$/, '');
    this.headers = headers;
    this.auth = authenticator(config, cluster);
    this.fetchFn = options.fetch ?? (config.tls && (config.tls.caFile || config.tls.insecureSkipVerify) ? tlsFetch(config.tls) : fetch);
    this.timeoutMs = (config.timeoutSeconds ?? 120) * 1000;
    this.limiter = new Semaphore(config.concurrency ?? 4);
    this.maxRetries = options.maxRetries ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.stats = options.stats ?? true;
  }

  /** Runs one query, streaming each series into `sink`. `label` names the query in errors and progress. */
  async query(kind: 'range' | 'instant', params: QueryParams, label: string, sink: SeriesSink): Promise<ParseSummary> {
    return this.limiter.run(async () => {
      let delivered = 0;
      for (let attempt = 0; ; attempt++) {
        try {
          // No series may hold more points than the range asks for (Prometheus's own cap is 11,000).
          const asked = kind === 'range' ? Math.floor((Number(params.end) - Number(params.start)) / Number(params.step)) + 1 : MAX_POINTS_PER_SERIES;
          const maxPoints = Number.isFinite(asked) && asked > 0 ? Math.min(MAX_POINTS_PER_SERIES, asked) : MAX_POINTS_PER_SERIES;
          const parser = new ResponseStreamParser(sink, { skipSeries: delivered, maxPoints });
          try {
            return await this.once(kind, params, label, parser);
          } finally {
            delivered = Math.max(delivered, parser.completeSeries);
          }
        } catch (err) {
          const e = this.describe(err, params, label);
          if (!e.retryable || attempt >= this.maxRetries) throw e;
          const backoff = Math.min(this.maxWaitMs, this.backoffMs * 2 ** attempt);
          const wait = e.retryAfterMs !== undefined ? Math.min(this.maxWaitMs, e.retryAfterMs) : backoff / 2 + Math.random() * backoff / 2;
          await new Promise(resolve => setTimeout(resolve, wait));
        }
      }
    });
  }

  private async once(kind: 'range' | 'instant', params: QueryParams, label: string, parser: ResponseStreamParser): Promise<ParseSummary> {
    const url = new URL(`${this.baseUrl}/api/v1/${kind === 'range' ? 'query_range' : 'query'}`);
    const form = new URLSearchParams({ query: params.query });
    if (kind === 'range') {
      form.set('start', String(params.start));
      form.set('end', String(params.end));
      form.set('step', String(params.step));
    } else if (params.time !== undefined) form.set('time', String(params.time));
    form.set('timeout', `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s`);
    if (this.stats) form.set('stats', 'all');
    const body = form.toString();
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...this.headers,
    };
    Object.assign(headers, await this.auth({ method: 'POST', url, headers, body }));
    this.queries++;
    const res = await this.fetchFn(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let errorType = '', message = text.trim().slice(0, 500);
      try {
        const j = JSON.parse(text) as { errorType?: string; error?: string };
        errorType = j.errorType ?? '';
        message = j.error ?? message;
      } catch { /* not JSON: quote the text */ }
      const retryable = res.status === 429 || res.status >= 500 || errorType === 'timeout';
      const hint = res.status === 401 || res.status === 403 ? 'check prometheus.auth and the credentials it names'
        : res.status === 422 ? 'raise prometheus.stepSeconds (fewer points per query), or raise Prometheus --query.max-samples'
          : undefined;
      throw new PrometheusQueryError(
        `Prometheus at ${safeUrl(this.baseUrl)} answered HTTP ${res.status}${errorType ? ` (${errorType})` : ''} to the ${label} query: ${JSON.stringify(message)} — query: ${shortQuery(params.query)}`,
        { status: res.status, errorType, serverMessage: message, retryable, retryAfterMs: retryAfterMs(res.headers.get('retry-after')), hint },
      );
    }
    if (!res.body) throw new MalformedResponseError('empty response body');
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      this.bytes += chunk.length;
      parser.push(chunk);
    }
    const summary = parser.end();
    if (summary.serverSeconds !== undefined) this.serverSeconds += summary.serverSeconds;
    if (summary.samplesRead !== undefined || summary.peakSamples !== undefined) {
      this.costs.push({ query: label, samplesRead: summary.samplesRead ?? 0, peakSamples: summary.peakSamples ?? 0 });
    }
    return summary;
  }

  private describe(err: unknown, params: QueryParams, label: string): PrometheusQueryError {
    if (err instanceof PrometheusQueryError) return err;
    const where = `Prometheus at ${safeUrl(this.baseUrl)} (cluster ${this.cluster})`;
    if (err instanceof MalformedResponseError) {
      return new PrometheusQueryError(`${where} sent a malformed answer to the ${label} query: ${err.message} — query: ${shortQuery(params.query)}`,
        { status: 200, errorType: 'malformed', serverMessage: err.message, retryable: false });
    }
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      return new PrometheusQueryError(`${where} did not answer the ${label} query within ${this.timeoutMs / 1000} s (prometheus.timeoutSeconds) — query: ${shortQuery(params.query)}`,
        { status: 0, errorType: 'timeout', serverMessage: 'client timeout', retryable: true });
    }
    if (err instanceof UserError) return new PrometheusQueryError(err.message, { status: 0, errorType: 'config', serverMessage: err.message, retryable: false });
    const cause = e.cause?.code ?? e.cause?.message ?? e.message;
    return new PrometheusQueryError(`${where} could not be reached for the ${label} query: ${cause}`,
      { status: 0, errorType: 'network', serverMessage: String(cause), retryable: true });
  }
}
