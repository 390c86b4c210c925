// `rightsizer verify` on a merged change the cluster does not run: within liveAfterMinutes it is
// pending (nothing said); after it, drift: one comment on the merged PR and one Slack alert (with
// the Argo CD Application's sync status, where argocd_app_info is scraped), and
// not again on the next run while the drift is the same. No undo PR: nothing regressed, the
// change simply is not running.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { prometheusBinaries, prometheusWithWorld, type PrometheusServer } from '../helpers/prometheus-server.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { runVerify } from '../../src/cli/commands/verify.ts';
import { renderLedgerBlock } from '../../src/loop/ledger.ts';
import { bodyWithMarker } from '../../src/deliver/github.ts';

const TOKEN = 'ghp_verifyDriftToken00000000000000000';
const SLACK_TOKEN = 'xoxb-verify-drift-token';
const H = 3600, D = 86400, GI = 2 ** 30;
const MERGED = Math.floor(Date.now() / 1000 / H) * H - 3 * D;
const iso = (s: number) => new Date(s * 1000).toISOString();

let skipped: string | undefined;
let dir: string, fx: GitFixture, gh: FakeGitHub, slack: FakeSlack, prometheus: PrometheusServer | undefined;
let broken: { url: string; close(): Promise<void> } | undefined;

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-verify-drift-'));
  const source = path.join(dir, 'source');
  mkdirSync(source);
  writeFileSync(path.join(source, 'README.md'), 'gitops\n');
  fx = makeGitFixture(source);
  gh = await startFakeGitHub({ repo: 'example/gitops', bareDir: fx.bare, token: TOKEN });
  slack = await startFakeSlack({ token: SLACK_TOKEN, channels: { C0OPS: 'C0OPS' } });
  process.env.DRIFT_SLACK_TOKEN = SLACK_TOKEN;
  // Merged: memory request 1Gi → 768Mi. The cluster keeps running 1Gi (the Application never synced).
  const block = { v: 1 as const, kind: 'change' as const, plan: 1, window: { start: iso(MERGED - 14 * D), end: iso(MERGED - H) }, workloads: [{ id: 'test/shop/Deployment/api', containers: [{ name: 'api', values: { 'memory.request': [GI, 768 * 2 ** 20] as [number, number] } }], values: {}, monthly: -20, currency: 'USD' }] };
  gh.pulls.push({
    number: 4, title: 'rightsizer: rightsize 1 workload', body: bodyWithMarker(`Body\n\n${renderLedgerBlock(block)}`, 'rightsizer: rightsize 1 workload', 'all', 'a'.repeat(64)),
    head: 'rightsizer/all', base: 'main', state: 'closed', draft: false, merged_at: iso(MERGED), closed_at: iso(MERGED), created_at: iso(MERGED - D),
    labels: ['rightsizer'], assignees: [], reviewers: [], teamReviewers: [],
  });
  // A second merged change, in a cluster whose Prometheus answers every query with an error.
  broken = await new Promise(resolve => {
    const server = createServer((_req, res) => { res.writeHead(400, { 'content-type': 'application/json' }); res.end('{"status":"error","errorType":"bad_data","error":"storage is read-only"}'); });
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>(r => server.close(() => r())) }));
  });
  const other = { ...block, workloads: [{ ...block.workloads[0], id: 'other/shop/Deployment/web' }] };
  gh.pulls.push({ ...gh.pulls[0], number: 5, body: bodyWithMarker(`Body\n\n${renderLedgerBlock(other)}`, 'rightsizer: rightsize 1 workload', 'all', 'b'.repeat(64)) });
  prometheus = await prometheusWithWorld([{
    cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'api', replicas: 1,
    pods: [{ name: 'api-6b7c8d9f5-ab12c', start: MERGED - 2 * D, end: MERGED + D, containers: [{ name: 'api', requests: { cpu: 0.5, memory: GI }, cpu: () => 0.1, memory: () => 300 * 2 ** 20 }] }],
  }], {
    start: MERGED - 2 * D, end: MERGED + D, scrape: 60, clusterLabel: 'cluster',
    // Argo CD (scraped in its own cluster) says why: the Application deploying to shop is out of sync.
    gauges: [{ metric: 'argocd_app_info', labels: { name: 'shop', namespace: 'argocd', dest_namespace: 'shop', sync_status: 'OutOfSync', health_status: 'Healthy', project: 'default' }, start: MERGED - 2 * D, end: MERGED + D, value: 1 }],
  });
  writeFileSync(path.join(dir, 'rightsizer.yaml'), `clusters:
  - name: test
    cloud: on-prem
    prometheus: { url: ${prometheus.url}, clusterLabel: cluster }
  - name: other
    cloud: on-prem
    prometheus: { url: ${broken!.url} }
repository: { github: example/gitops }
slack: { botTokenEnv: DRIFT_SLACK_TOKEN, channel: C0OPS, apiUrl: ${slack.apiUrl} }
`);
});

after(async () => {
  await prometheus?.close();
  await broken?.close();
  await gh?.close();
  await slack?.close();
  fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  delete process.env.DRIFT_SLACK_TOKEN;
});

test('verify: a merged change not running is pending, then drift: one comment and one Slack alert, no undo', async t => {
  if (skipped) { t.skip(skipped); return; }
  const verify = (at: number) => runVerify({ config: path.join(dir, 'rightsizer.yaml'), repoDir: fx.checkout, githubApiUrl: gh.apiUrl, now: new Date(at * 1000), env: { ...process.env, GITHUB_TOKEN: TOKEN }, log: () => {} });

  const early = await verify(MERGED + H);
  assert.deepEqual(early.changes.map(c => [c.pr, c.state]), [[4, 'pending'], [5, 'unknown']]);
  assert.deepEqual(early.failedSources?.map(f => f.source), ['prometheus:other'], 'a Prometheus that fails leaves its changes unknown, never drift');
  assert.equal(gh.comments.length, 0);
  assert.equal(slack.messages.length, 0);

  const late = await verify(MERGED + 3 * H);
  assert.deepEqual(late.changes.map(c => c.state), ['drift', 'unknown']);
  assert.deepEqual(late.changes[0].drift.map(d => [d.container, d.field, d.git, d.live]), [['api', 'memory.request', '768Mi', '1Gi']]);
  assert.equal(late.reverts.length, 0, 'drift is not a regression: no undo');
  assert.deepEqual(late.changes[0].argo, ['Argo CD Application shop (namespace shop): OutOfSync, Healthy']);
  assert.match(late.changes[0].summary, /Argo CD Application shop \(namespace shop\): OutOfSync/);
  assert.equal(gh.comments.length, 1);
  assert.match(gh.comments[0].body, /\*\*Drift\*\*[^]*api memory\.request: Git 768Mi, live 1Gi/);
  assert.equal(slack.messages.length, 1);
  assert.match(slack.messages[0].text, /rightsizer: drift after #4: test\/shop\/Deployment\/api container api memory\.request: Git 768Mi, live 1Gi; Argo CD Application shop/);

  const again = await verify(MERGED + 4 * H);
  assert.deepEqual(again.changes.map(c => c.state), ['drift', 'unknown']);
  assert.equal(gh.comments.length, 1, 'the same drift is not commented twice');
  assert.equal(slack.messages.length, 1, 'nor alerted twice');
  assert.deepEqual(gh.violations, []);
  assert.deepEqual(slack.violations, []);
});
