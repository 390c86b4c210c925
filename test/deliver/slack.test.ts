import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../src/core/errors.ts';
import { groupPlan } from '../../src/deliver/group.ts';
import { fileSlackState, memorySlackState, notifySlack, SLACK_LIMITS, slackMessage, type SlackEvent } from '../../src/deliver/slack.ts';
import { largePlan, plan, recommendation } from '../helpers/plan-builder.ts';
import { demoPlan } from './fixtures/demo-plan.ts';
import { readBody } from '../helpers/fake-github.ts';

const TOKEN = 'xoxb-test-token-0000000000';
const HOOK_PATH = '/services/T000/B000/secretsecretsecret';

interface Received { path: string; auth?: string; body: Record<string, any> }
let server: Server;
let base = '';
const received: Received[] = [];
let nextTs = 1;

before(async () => {
  server = createServer(async (req, res) => {
    const text = await readBody(req);
    const body = text ? JSON.parse(text) : {};
    const url = req.url ?? '';
    received.push({ path: url, auth: req.headers.authorization, body });
    const json = (status: number, data: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(data)); };
    if (url === HOOK_PATH) { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); return; }
    if (url === `${HOOK_PATH}-500`) { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('internal_error'); return; }
    if (url.startsWith('/api-500/')) { json(500, { ok: false, error: 'fatal_error' }); return; }
    if (url.startsWith('/api-notok/')) { json(200, { ok: false, error: 'channel_not_found' }); return; }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) { json(200, { ok: false, error: 'invalid_auth' }); return; }
    if (url === '/api/chat.postMessage') { json(200, { ok: true, channel: 'C0RIGHTSIZE', ts: `1700000000.00000${nextTs++}`, message: {} }); return; }
    if (url === '/api/chat.update') {
      if (body.ts === 'gone') { json(200, { ok: false, error: 'message_not_found' }); return; }
      json(200, { ok: true, channel: body.channel, ts: body.ts, text: body.text });
      return;
    }
    json(404, { ok: false, error: 'unknown_method' });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>(resolve => server.close(() => resolve())));

function demoEvent(action: SlackEvent['action'] = 'opened'): SlackEvent {
  const p = demoPlan();
  const [group] = groupPlan(p, 'repository', 'rightsizer/');
  return { action, group, pr: { number: 42, url: 'https://github.com/example/platform-gitops/pull/42', title: group.title } };
}

function logger() {
  const lines: string[] = [];
  return { lines, log: (line: string) => lines.push(line) };
}

function assertNoSecrets(lines: string[], ...results: Array<{ ok: boolean; error?: string }>) {
  const all = [...lines, ...results.map(r => r.error ?? '')].join('\n');
  for (const secret of [TOKEN, HOOK_PATH, 'secretsecretsecret']) assert.ok(!all.includes(secret), `leaked ${secret} in ${all}`);
}

/** Every Block Kit limit the message must respect. */
function assertWithinLimits(message: { text: string; blocks: any[] }) {
  assert.ok(message.text.length > 0, 'fallback text');
  assert.ok(message.text.length <= SLACK_LIMITS.fallbackText);
  assert.ok(message.blocks.length <= SLACK_LIMITS.blocks, `${message.blocks.length} blocks`);
  for (const b of message.blocks) {
    if (b.type === 'header') assert.ok(b.text.text.length <= SLACK_LIMITS.headerText, `header ${b.text.text.length}`);
    if (b.type === 'section') {
      if (b.text) assert.ok(b.text.text.length <= SLACK_LIMITS.sectionText, `section ${b.text.text.length}`);
      if (b.fields) {
        assert.ok(b.fields.length <= SLACK_LIMITS.fields);
        for (const f of b.fields) assert.ok(f.text.length <= SLACK_LIMITS.fieldText);
      }
    }
    if (b.type === 'context') assert.ok(b.elements.length <= SLACK_LIMITS.contextElements);
    if (b.type === 'actions') for (const e of b.elements) assert.ok(e.text.text.length <= SLACK_LIMITS.buttonText);
  }
}

test('the message carries the headline figures, top changes, policy verdicts and a link to the PR', () => {
  const message = slackMessage(demoEvent());
  assertWithinLimits(message);
  const json = JSON.stringify(message.blocks);
  assert.equal(message.blocks[0] && (message.blocks[0] as any).type, 'header');
  assert.match((message.blocks[0] as any).text.text, /^rightsizer opened #42: 5 workloads, saves \$1,543\.95\/month$/);
  assert.match(json, /\*Monthly change\*\\n−\$1,543\.95\/month/);
  assert.match(json, /accepted 4 · clamped 1/);
  assert.match(json, /@example\/payments-oncall/);
  assert.match(json, /<https:\/\/github\.com\/example\/platform-gitops\/pull\/42\|rightsizer: rightsize 5 workloads \(−\$1,544\/month\)>/);
  // Largest saving first.
  assert.match(json, /Top changes\*\\n• `prod-gke\/ml\/Deployment\/llm-inference` CPU request 8 → 4, memory request 32Gi → 24Gi, GPU request, limit 2 → 1 \(−\$1,003\.20\/month\)/);
  assert.match(message.text, /^rightsizer opened pull request #42 .*https:\/\/github\.com\/example\/platform-gitops\/pull\/42$/);
  assert.deepEqual(slackMessage(demoEvent()), message, 'pure and deterministic');
});

test('a large plan with long names and notes stays within Block Kit limits', () => {
  const p = largePlan(300);
  for (const r of p.recommendations) {
    r.ref.name = `${r.ref.name}-${'x'.repeat(230)}`;
    r.policy = { verdict: 'clamped', notes: ['n'.repeat(5000)], rules: [], approvals: [`@org/team-${r.ref.namespace}-${'a'.repeat(300)}`] };
  }
  const [group] = groupPlan(p, 'repository', 'rightsizer/');
  const message = slackMessage({ action: 'updated', group, pr: { number: 7, url: 'https://github.com/o/r/pull/7', title: `t${'<&>'.repeat(2000)}` } });
  assertWithinLimits(message);
  assert.match(JSON.stringify(message.blocks), /more in the pull request/);
});

test('incoming webhook: posts text and blocks to the URL from the environment', async () => {
  received.length = 0;
  const { lines, log } = logger();
  const result = await notifySlack(demoEvent(), { webhookUrlEnv: 'SLACK_HOOK' }, { env: { SLACK_HOOK: `${base}${HOOK_PATH}` }, log });
  assert.deepEqual(result, { ok: true });
  assert.equal(received.length, 1);
  assert.equal(received[0].path, HOOK_PATH);
  assert.match(received[0].body.text, /#42/);
  assert.ok(Array.isArray(received[0].body.blocks) && received[0].body.blocks.length > 3);
  assert.equal(lines.length, 1);
  assertNoSecrets(lines, result);
});

test('a Slack 500 returns ok:false without throwing, logs one line and leaks no secret', async () => {
  const { lines, log } = logger();
  const result = await notifySlack(demoEvent(), { webhookUrlEnv: 'SLACK_HOOK' }, { env: { SLACK_HOOK: `${base}${HOOK_PATH}-500` }, log });
  assert.equal(result.ok, false);
  assert.match(result.error!, /HTTP 500: internal_error/);
  assert.equal(lines.length, 1);
  assertNoSecrets(lines, result);

  const api = logger();
  const viaApi = await notifySlack(demoEvent(), { botTokenEnv: 'SLACK_TOKEN', channel: '#finops', apiUrl: `${base}/api-500` }, { env: { SLACK_TOKEN: TOKEN }, log: api.log });
  assert.equal(viaApi.ok, false);
  assert.match(viaApi.error!, /chat\.postMessage: HTTP 500/);
  assert.equal(api.lines.length, 1);
  assertNoSecrets(api.lines, viaApi);
});

test('ok:false answers and network errors are failures, not exceptions', async () => {
  const notOk = logger();
  const r1 = await notifySlack(demoEvent(), { botTokenEnv: 'SLACK_TOKEN', channel: '#finops', apiUrl: `${base}/api-notok` }, { env: { SLACK_TOKEN: TOKEN }, log: notOk.log });
  assert.deepEqual(r1, { ok: false, error: 'chat.postMessage: channel_not_found' });
  assert.equal(notOk.lines.length, 1);

  // A port nothing listens on.
  const closed = createServer();
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>(resolve => closed.close(() => resolve()));
  const net = logger();
  const r2 = await notifySlack(demoEvent(), { webhookUrlEnv: 'SLACK_HOOK' }, { env: { SLACK_HOOK: `http://127.0.0.1:${port}${HOOK_PATH}` }, log: net.log });
  assert.equal(r2.ok, false);
  assert.match(r2.error!, /network error/);
  assert.equal(net.lines.length, 1);
  assertNoSecrets(net.lines, r2);

  const thrower = logger();
  const r3 = await notifySlack(demoEvent(), { webhookUrlEnv: 'SLACK_HOOK' }, {
    env: { SLACK_HOOK: `${base}${HOOK_PATH}` }, log: thrower.log,
    fetch: (async () => { throw new Error(`boom at ${base}${HOOK_PATH}`); }) as typeof fetch,
  });
  assert.equal(r3.ok, false);
  assertNoSecrets(thrower.lines, r3);

  const unset = logger();
  const r4 = await notifySlack(demoEvent(), { webhookUrlEnv: 'SLACK_HOOK' }, { env: {}, log: unset.log });
  assert.deepEqual(r4, { ok: false, error: 'environment variable SLACK_HOOK is not set' });
});

test('bot token: chat.postMessage first, then chat.update of the same message when the PR changes', async () => {
  received.length = 0;
  const state = memorySlackState();
  const config = { botTokenEnv: 'SLACK_TOKEN', channel: '#finops', apiUrl: `${base}/api` };
  const { lines, log } = logger();
  const opened = await notifySlack(demoEvent('opened'), config, { env: { SLACK_TOKEN: TOKEN }, state, log });
  assert.equal(opened.ok, true);
  assert.equal(opened.channel, 'C0RIGHTSIZE');
  assert.match(opened.ts!, /^1700000000\.\d+$/);
  assert.equal(received[0].path, '/api/chat.postMessage');
  assert.equal(received[0].auth, `Bearer ${TOKEN}`);
  assert.equal(received[0].body.channel, '#finops');
  assert.ok(received[0].body.text && received[0].body.blocks.length > 0);
  assert.deepEqual(state.get('https://github.com/example/platform-gitops/pull/42'), { channel: 'C0RIGHTSIZE', ts: opened.ts });

  const updated = await notifySlack(demoEvent('updated'), config, { env: { SLACK_TOKEN: TOKEN }, state, log });
  assert.deepEqual(updated, { ok: true, channel: 'C0RIGHTSIZE', ts: opened.ts });
  assert.equal(received.length, 2);
  assert.equal(received[1].path, '/api/chat.update');
  assert.equal(received[1].body.channel, 'C0RIGHTSIZE');
  assert.equal(received[1].body.ts, opened.ts);
  assert.match(received[1].body.text, /updated pull request #42/);
  assert.equal(lines.length, 2);
  assertNoSecrets(lines, opened, updated);
});

test('bot token: a message Slack no longer has is posted again', async () => {
  received.length = 0;
  const state = memorySlackState({ 'https://github.com/example/platform-gitops/pull/42': { channel: 'C0RIGHTSIZE', ts: 'gone' } });
  const result = await notifySlack(demoEvent('updated'), { botTokenEnv: 'SLACK_TOKEN', channel: '#finops', apiUrl: `${base}/api` }, { env: { SLACK_TOKEN: TOKEN }, state });
  assert.equal(result.ok, true);
  assert.deepEqual(received.map(r => r.path), ['/api/chat.update', '/api/chat.postMessage']);
  assert.equal(state.get('https://github.com/example/platform-gitops/pull/42')!.ts, result.ts);
});

test('file-backed state survives a restart and rejects a corrupt file with its name', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rightsizer-slack-'));
  try {
    const file = path.join(dir, 'slack-state.json');
    const a = fileSlackState(file);
    assert.equal(a.get('pr'), undefined);
    a.set('pr', { channel: 'C1', ts: '1.2' });
    assert.deepEqual(fileSlackState(file).get('pr'), { channel: 'C1', ts: '1.2' });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { pr: { channel: 'C1', ts: '1.2' } });
    writeFileSync(file, '{not json');
    assert.throws(() => fileSlackState(file), (err: unknown) => err instanceof InputError && err.message.startsWith(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unpriced single-workload group still gives a valid message', () => {
  const rec = recommendation({ name: 'solo' });
  const p = plan({ recommendations: [rec] });
  const [group] = groupPlan(p, 'namespace', 'rightsizer/');
  const message = slackMessage({ action: 'opened', group, pr: { number: 1, url: 'https://github.com/o/r/pull/1', title: group.title } });
  assertWithinLimits(message);
  assert.match((message.blocks[0] as any).text.text, /1 workload, not priced$/);
  assert.doesNotMatch(JSON.stringify(message), /\$0\.00/);
});
