// Replays the demo's recorded billing responses (fixtures/demo/billing/{aws,gcp,azure}/) to the
// real SDKs. Each folder holds index.json (what each request looked like) and one file per
// response. Routes:
//   /aws/...                              Cost Explorer (matched on X-Amz-Target + JSON body)
//   /azure/...                            Cost Management query/forecast (path, $skiptoken, body)
//   /gcp/bigquery/v2/projects/...         BigQuery jobs.query (table + parameters) / getQueryResults
//   /v1/services/{id}/skus (and /gcp/v1/…) Cloud Billing Catalog: gax takes no path prefix
// Anything else returns undefined (not ours).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ReplayHandler, ReplayRequest, ReplayResponse } from './replay-server.ts';

interface Recording {
  status: number;
  file: string;
  [key: string]: unknown;
}

/** JSON with object keys sorted at every level, so equal bodies compare equal. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map(k => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(value));
}

export function billingReplayHandler(fixturesDir: string): ReplayHandler {
  const cache = new Map<string, Recording[]>();
  const index = (cloud: string): Recording[] => {
    let list = cache.get(cloud);
    if (!list) {
      list = JSON.parse(readFileSync(path.join(fixturesDir, cloud, 'index.json'), 'utf8')) as Recording[];
      cache.set(cloud, list);
    }
    return list;
  };
  const reply = (cloud: string, rec: Recording, contentType: string): ReplayResponse => ({
    status: rec.status,
    headers: { 'content-type': contentType },
    body: readFileSync(path.join(fixturesDir, cloud, rec.file)),
  });
  const miss = (cloud: string, what: string, contentType: string, body: unknown): ReplayResponse => ({
    status: 400,
    headers: { 'content-type': contentType },
    body: JSON.stringify(body ?? { error: `no ${cloud} recording for ${what}` }),
  });
  const parseBody = (text: string): unknown => {
    try {
      return JSON.parse(text || '{}');
    } catch {
      return undefined;
    }
  };

  return (req: ReplayRequest): ReplayResponse | undefined => {
    const p = req.url.pathname;
    if (p === '/aws' || p.startsWith('/aws/')) {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = canonicalJson(parseBody(req.body));
      const rec = index('aws').find(r => r.target === target && canonicalJson(r.body) === body);
      if (rec) return reply('aws', rec, 'application/x-amz-json-1.1');
      return miss('aws', target, 'application/x-amz-json-1.1', {
        __type: 'com.amazon.coral.validate#ValidationException',
        message: `demo replay: no recording for ${target} with this request (recordings cover 2026-10-17..2026-11-16 and the demo configuration)`,
      });
    }
    if (p === '/azure' || p.startsWith('/azure/')) {
      const rel = p.slice('/azure'.length);
      const skiptoken = req.url.searchParams.get('$skiptoken') ?? undefined;
      const body = canonicalJson(parseBody(req.body));
      const rec = index('azure').find(r => r.method === req.method && r.path === rel && r.skiptoken === skiptoken && canonicalJson(r.body) === body);
      if (rec) return reply('azure', rec, 'application/json');
      return miss('azure', rel, 'application/json', { error: { code: 'BadRequest', message: `demo replay: no recording for ${req.method} ${rel} with this body (recordings cover 2026-10-17..2026-11-16 and the demo configuration)` } });
    }
    const skus = /^(?:\/gcp)?(\/v1\/services\/[^/]+\/skus)$/.exec(p);
    if (skus) {
      const pageToken = req.url.searchParams.get('pageToken') || undefined;
      const rec = index('gcp').find(r => r.method === 'GET' && r.path === skus[1] && r.pageToken === pageToken);
      if (rec) return reply('gcp', rec, 'application/json');
      return miss('gcp', p, 'application/json', { error: { code: 404, message: `demo replay: no recording for ${p}`, status: 'NOT_FOUND' } });
    }
    if (p.startsWith('/gcp/bigquery/v2/projects/')) {
      const rel = p.slice('/gcp'.length);
      let rec: Recording | undefined;
      if (req.method === 'POST') {
        const body = parseBody(req.body) as { query?: string; queryParameters?: Array<{ name: string; parameterValue: { value?: string } }> } | undefined;
        const table = /FROM `([^`]+)`/.exec(body?.query ?? '')?.[1];
        const params = Object.fromEntries((body?.queryParameters ?? []).filter(x => x.parameterValue?.value !== undefined).map(x => [x.name, x.parameterValue.value]));
        rec = index('gcp').find(r => r.method === 'POST' && r.path === rel && r.table === table && canonicalJson(r.params) === canonicalJson(params));
      } else {
        const pageToken = req.url.searchParams.get('pageToken') || undefined;
        rec = index('gcp').find(r => r.method === 'GET' && r.path === rel && r.pageToken === pageToken);
      }
      if (rec) return reply('gcp', rec, 'application/json');
      return miss('gcp', rel, 'application/json', { error: { code: 400, message: `demo replay: no recording for ${req.method} ${rel} (recordings cover 2026-10-17..2026-11-16 and the demo billing table)`, status: 'INVALID_ARGUMENT' } });
    }
    return undefined;
  };
}
