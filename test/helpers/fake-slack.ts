// A strict fake of the Slack Web API methods rightsizer calls (chat.postMessage, chat.update) on
// 127.0.0.1. Like Slack it answers 200 with { ok: false, error } for a bad token, an unknown
// channel or a message it does not have; unlike Slack it also records every request that breaks
// the documented contract (method, content type, required fields, Block Kit limits) in
// `violations`, so a test can assert there were none.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './fake-github.ts';

export interface FakeSlackMessage { channel: string; ts: string; text: string; blocks: any[]; edits: number }

export interface FakeSlack {
  apiUrl: string;
  calls: Array<{ method: string; body: Record<string, any> }>;
  messages: FakeSlackMessage[];
  violations: string[];
  close(): Promise<void>;
}

const LIMITS = { blocks: 50, header: 150, section: 3000, fields: 10, field: 2000, text: 40_000 };

function checkMessage(body: Record<string, any>, violations: string[], method: string): void {
  if (typeof body.text !== 'string' || body.text.length === 0) violations.push(`${method}: text is required as the notification fallback`);
  else if (body.text.length > LIMITS.text) violations.push(`${method}: text over ${LIMITS.text} characters`);
  if (body.blocks === undefined) return;
  if (!Array.isArray(body.blocks)) { violations.push(`${method}: blocks must be an array`); return; }
  if (body.blocks.length > LIMITS.blocks) violations.push(`${method}: ${body.blocks.length} blocks > ${LIMITS.blocks}`);
  for (const [i, b] of body.blocks.entries()) {
    if (!['header', 'section', 'context', 'actions', 'divider'].includes(b?.type)) violations.push(`${method}: block ${i} has unknown type ${b?.type}`);
    if (b.type === 'header' && (b.text?.type !== 'plain_text' || b.text.text.length > LIMITS.header)) violations.push(`${method}: header block ${i} must be plain_text ≤ ${LIMITS.header}`);
    if (b.type === 'section') {
      if (!b.text && !b.fields) violations.push(`${method}: section ${i} needs text or fields`);
      if (b.text && b.text.text.length > LIMITS.section) violations.push(`${method}: section ${i} text > ${LIMITS.section}`);
      if (b.fields && (b.fields.length > LIMITS.fields || b.fields.some((f: any) => f.text.length > LIMITS.field))) violations.push(`${method}: section ${i} fields over the limits`);
    }
  }
}

export async function startFakeSlack(options: { token: string; channels: Record<string, string> }): Promise<FakeSlack> {
  const calls: FakeSlack['calls'] = [];
  const messages: FakeSlackMessage[] = [];
  const violations: string[] = [];
  let clock = 1_700_000_000;
  const server: Server = createServer(async (req, res) => {
    const answer = (data: object) => { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(data)); };
    const method = (req.url ?? '').replace(/^\/api\//, '');
    const text = await readBody(req);
    let body: Record<string, any> = {};
    if (req.method !== 'POST') violations.push(`${method}: ${req.method} instead of POST`);
    if (!/^application\/json; charset=utf-8$/i.test(req.headers['content-type'] ?? '')) violations.push(`${method}: content-type ${req.headers['content-type']}`);
    try { body = JSON.parse(text); } catch { violations.push(`${method}: body is not JSON`); }
    calls.push({ method, body });
    if (req.headers.authorization !== `Bearer ${options.token}`) return answer({ ok: false, error: 'invalid_auth' });
    const channel = options.channels[body.channel] ?? (Object.values(options.channels).includes(body.channel) ? body.channel : undefined);
    if (method === 'chat.postMessage') {
      checkMessage(body, violations, method);
      if (!channel) return answer({ ok: false, error: 'channel_not_found' });
      const ts = `${clock++}.000100`;
      messages.push({ channel, ts, text: body.text, blocks: body.blocks ?? [], edits: 0 });
      return answer({ ok: true, channel, ts, message: { text: body.text } });
    }
    if (method === 'chat.update') {
      checkMessage(body, violations, method);
      if (!channel) return answer({ ok: false, error: 'channel_not_found' });
      if (typeof body.ts !== 'string') { violations.push('chat.update: ts is required'); return answer({ ok: false, error: 'invalid_arguments' }); }
      const m = messages.find(x => x.channel === channel && x.ts === body.ts);
      if (!m) return answer({ ok: false, error: 'message_not_found' });
      Object.assign(m, { text: body.text, blocks: body.blocks ?? [], edits: m.edits + 1 });
      return answer({ ok: true, channel, ts: m.ts, text: body.text });
    }
    violations.push(`unknown method ${method}`);
    return answer({ ok: false, error: 'unknown_method' });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return { apiUrl, calls, messages, violations, close: () => new Promise<void>(resolve => server.close(() => resolve())) };
}
