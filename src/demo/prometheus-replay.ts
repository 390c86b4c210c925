// Answers the collector's Prometheus requests from recordings (fixtures/demo/prometheus/, made by
// scripts/record-demo-prometheus.ts). Requests are matched on the normalised query, start, end,
// step and time; anything unrecorded gets a Prometheus-style 404 naming the query.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ReplayHandler, ReplayResponse } from './replay-server.ts';

const PREFIX = '/prometheus';

/** The request's identity: API path and the parameters that decide the answer (not timeout or stats). */
export function replayKey(method: string, url: URL, body: string): string {
  const params = new URLSearchParams(url.search);
  if (method.toUpperCase() === 'POST') for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  const api = url.pathname.replace(/^\/prometheus/, '').replace(/\/+$/, '');
  const pick = (k: string) => params.get(k) ?? '';
  const query = pick('query').replace(/\s+/g, ' ').trim();
  return JSON.stringify([api, query, pick('start'), pick('end'), pick('step'), pick('time')]);
}

function json(status: number, value: unknown): ReplayResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

export function prometheusReplayHandler(fixturesDir: string): ReplayHandler {
  let index: Record<string, string> | undefined;
  const load = () => {
    if (index) return index;
    const file = path.join(fixturesDir, 'index.json');
    index = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
    return index;
  };
  return req => {
    const p = req.url.pathname;
    if (p !== PREFIX && !p.startsWith(`${PREFIX}/`)) return undefined;
    if (p.endsWith('/-/ready') || p.endsWith('/-/healthy')) return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'Prometheus Server is Ready.\n' };
    const key = replayKey(req.method, req.url, req.body);
    const file = load()[key];
    if (!file) {
      const [api, query, start, end, step, time] = JSON.parse(key) as string[];
      const when = time ? `time=${time}` : `start=${start} end=${end} step=${step}`;
      return json(404, {
        status: 'error', errorType: 'not_found',
        error: `no recording for ${req.method} ${api} ${when} query: ${query.slice(0, 400)} (re-record with scripts/record-demo-prometheus.ts)`,
      });
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: gunzipSync(readFileSync(path.join(fixturesDir, file))) };
  };
}
