// The loop closed, end to end, with real parts: a real Prometheus holding usage this test
// generates, real git (a bare repository over file://), the strict fake GitHub and the fake
// Slack. Run 1 (`pr`) opens a pull request and the dashboard issue; a person closes the pull
// request unmerged, then ticks "propose again" on the dashboard, and the next `pr` run opens it
// again; that one is merged; run 2 (`verify`) finds it live and records it on the PR; after the
// merge the new pods are OOM-killed; run 3 (`verify`) opens the undo pull request with its
// evidence and alerts Slack. Every `pr` run edits the one dashboard issue in place. Last, a
// person's pull request raising CPU gets one cost comment from `review`, edited on their next push.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prometheusBinaries, prometheusWithWorld, type PrometheusServer, type WorldContainer, type WorldWorkload } from '../helpers/prometheus-server.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { collect, planFromSnapshot } from '../../src/pipeline.ts';
import { deliverFromPlan } from '../../src/cli/commands/pr.ts';
import { runVerify } from '../../src/cli/commands/verify.ts';
import { cpuCores, memoryBytes } from '../../src/core/quantity.ts';
import { readLedgerBlock, readLiveComment, type LedgerBlock } from '../../src/loop/ledger.ts';
import { reviewPullRequest } from '../../src/cli/commands/review.ts';
import { REVIEW_MARKER } from '../../src/review/comment.ts';
import type { DeliveryResult } from '../../src/deliver/index.ts';

const TOKEN = 'ghp_storyTestToken000000000000000000';
const SLACK_TOKEN = 'xoxb-story-test-token';
const REPO = 'example/gitops';
const H = 3600, D = 86400, MI = 2 ** 20, GI = 2 ** 30;
// The whole story lies in the past, so every run is given its time.
const T0 = Math.floor(Date.now() / 1000 / H) * H - 12 * D; // history starts
const T1 = T0 + 8 * D + H;                                 // run 1: pr
const TM = T1 + H;                                         // the merge
const ROLLOUT = TM + 10 * 60;                              // new pods replace old ones
const T2 = TM + 3 * H;                                     // run 2: verify (live)
const OOMS = [T2 + H, T2 + 90 * 60];                       // the new memory is too small
const T3 = T2 + 3 * H;                                     // run 3: verify (regression)
const iso = (s: number) => new Date(s * 1000).toISOString();

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: api
          image: example/api:1.0
          resources:
            requests:
              cpu: "1"
              memory: 1Gi
            limits:
              memory: 1Gi
`;

function api(pods: Array<{ name: string; start: number; end: number; spec: Pick<WorldContainer, 'requests' | 'limits'>; oomKills?: number[] }>): WorldWorkload {
  return {
    cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'api', replicas: 2,
    pods: pods.map(p => ({
      name: p.name, start: p.start, end: p.end,
      containers: [{ name: 'api', ...p.spec, cpu: t => 0.1 * (1 + 0.2 * Math.sin(t / H)), memory: () => 300 * MI, ...(p.oomKills ? { oomKills: p.oomKills } : {}) }],
    })),
  };
}
const OLD = { requests: { cpu: 1, memory: GI }, limits: { memory: GI } };
const oldPods = (end: number) => ['ab12c', 'de34f'].map(s => ({ name: `api-6b7c8d9f5-${s}`, start: T0, end, spec: OLD }));

let skipped: string | undefined;
let dir: string;
let fx: GitFixture;
let gh: FakeGitHub;
let slack: FakeSlack;
let prometheus: PrometheusServer | undefined;
const configFile = () => path.join(dir, 'rightsizer.yaml');

function writeConfig(url: string): void {
  writeFileSync(configFile(), `clusters:
  - name: test
    cloud: on-prem
    prometheus: { url: ${url}, clusterLabel: cluster, stepSeconds: 300 }
    prices: { currency: USD, perVcpuHour: 0.05, perGibHour: 0.01 }
repository: { github: ${REPO}, baseBranch: main }
slack: { botTokenEnv: STORY_SLACK_TOKEN, channel: C0PLATFORM, apiUrl: ${slack.apiUrl} }
engine: { historyDays: 8 }
verify: { liveAfterMinutes: 120 }
`);
}

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-story-'));
  const source = path.join(dir, 'source');
  mkdirSync(path.join(source, 'apps/api'), { recursive: true });
  writeFileSync(path.join(source, 'apps/api/deployment.yaml'), DEPLOYMENT);
  fx = makeGitFixture(source);
  gh = await startFakeGitHub({ repo: REPO, bareDir: fx.bare, token: TOKEN });
  slack = await startFakeSlack({ token: SLACK_TOKEN, channels: { C0PLATFORM: 'C0PLATFORM' } });
  process.env.STORY_SLACK_TOKEN = SLACK_TOKEN;
});

after(async () => {
  await prometheus?.close();
  await gh?.close();
  await slack?.close();
  fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  delete process.env.STORY_SLACK_TOKEN;
});

const lines: string[] = [];
const log = (line: string) => { lines.push(line); };
const env = () => ({ ...process.env, GITHUB_TOKEN: TOKEN });
/** What every run is given: the configuration, the checkout, the fake GitHub (no write spacing), the token. */
const runOptions = () => ({ config: configFile(), repoDir: fx.checkout, githubApiUrl: gh.apiUrl, env: env(), log });
const verifyAt = (seconds: number) => runVerify({ ...runOptions(), now: new Date(seconds * 1000) });

/**
 * After each `pr` run: one issue carries the dashboard label, created by the first run (one
 * `issues/create` in the request log) and edited in place by every later one: one PATCH to that
 * same issue per run, writing a body no earlier run wrote.
 */
const dashboardBodies: string[] = [];
function dashboardAfter(run: DeliveryResult) {
  const issues = gh.issues.filter(i => i.labels.includes('rightsizer-dashboard'));
  assert.equal(issues.length, 1, 'one dashboard issue');
  const [issue] = issues;
  assert.equal(gh.calls('issues/create').length, 1, 'created once');
  assert.equal(run.dashboard?.action, dashboardBodies.length === 0 ? 'created' : 'updated');
  assert.equal(run.dashboard?.number, issue.number);
  const patches = gh.calls('issues/update');
  assert.equal(patches.length, dashboardBodies.length, 'one PATCH per later pr run');
  assert.ok(patches.every(p => p.method === 'PATCH' && p.path === `/repos/${REPO}/issues/${issue.number}`), 'always the same issue');
  if (patches.length) assert.equal((patches.at(-1)!.body as { body: string }).body, issue.body);
  assert.ok(!dashboardBodies.includes(issue.body), 'a body no earlier run wrote');
  dashboardBodies.push(issue.body);
  return issue;
}

test('the loop: a PR closed, proposed again from the dashboard, merged, verified live, OOM-killed, undone with evidence and a Slack alert; one dashboard issue throughout; a person\'s PR reviewed in one comment', async t => {
  if (skipped) { t.skip(skipped); return; }

  // Run 1: usage up to T1 with today's values; `pr` opens a pull request carrying the ledger block.
  prometheus = await prometheusWithWorld([api(oldPods(T1 + H))], { start: T0, end: T1, scrape: 60, clusterLabel: 'cluster' });
  writeConfig(prometheus.url);
  const { snapshot } = await collect({ configPath: configFile(), now: new Date(T1 * 1000), quiet: true });
  const plan = await planFromSnapshot(snapshot, { configPath: configFile(), repoDir: fx.checkout });
  assert.equal(plan.edits.length, 1, JSON.stringify(plan.unplaced));
  const pr = () => deliverFromPlan(plan, runOptions());
  const run1 = await pr();
  assert.equal(run1.pullRequests[0].action, 'created');
  const closed = gh.pulls[0];
  let dashboard = dashboardAfter(run1);
  assert.ok(dashboard.body.includes(`## Open pull requests\n\n- [#${closed.number}](`), dashboard.body);
  await prometheus.close();

  // A person closes it unmerged: the next run leaves the change alone and lists it as ignored, with a box.
  gh.closePull(closed.number, { closedAt: iso(T1 + 20 * 60) });
  const run1b = await pr();
  assert.equal(run1b.pullRequests[0].action, 'skipped');
  assert.equal(gh.openPulls().length, 0);
  dashboard = dashboardAfter(run1b);
  assert.match(dashboard.body, /## Open pull requests\n\nNone\./);
  assert.ok(dashboard.body.includes(`- [ ] <!-- rightsizer:propose-again=all#${closed.number} --> propose again: \`test/shop/Deployment/api\``), dashboard.body);

  // They tick "propose again" in the web UI: the next run opens a new pull request for the workload.
  gh.editIssue(dashboard.number, { body: dashboard.body.replace('- [ ] <!-- rightsizer:propose-again', '- [x] <!-- rightsizer:propose-again') });
  const run1c = await pr();
  assert.equal(run1c.pullRequests[0].action, 'created');
  assert.ok(lines.includes(`rightsizer/all: proposing the change closed in #${closed.number} again, as ticked on the dashboard`));
  const again = gh.pulls.find(p => p.number === run1c.pullRequests[0].number)!;
  assert.notEqual(again.number, closed.number);
  assert.deepEqual(gh.openPulls().map(p => p.number), [again.number]);
  dashboard = dashboardAfter(run1c);
  assert.doesNotMatch(dashboard.body, /propose-again/, 'no longer ignored');
  assert.ok(dashboard.body.includes(`## Open pull requests\n\n- [#${again.number}](`), dashboard.body);
  const cut = again.number; // the change merged below, verified and undone

  const block = readLedgerBlock(again.body) as LedgerBlock;
  assert.ok(block, 'the PR body carries the ledger block');
  assert.equal(block.kind, 'change');
  assert.equal(block.workloads[0].id, 'test/shop/Deployment/api');
  assert.equal(block.window.end, iso(Math.floor(T1 / 300) * 300));
  const values = block.workloads[0].containers[0].values;
  assert.equal(values['memory.request']?.[0], GI, 'old memory request recorded');
  const newMemory = values['memory.request']![1];
  assert.ok(newMemory < GI, 'the change cuts memory');

  // A person merges it: main moves to the PR's commit, and GitHub records the merge at TM.
  git(fx.bare, ['update-ref', 'refs/heads/main', fx.branchSha(again.head)!]);
  gh.closePull(again.number, { merged: true, closedAt: iso(TM) });

  // What the cluster did: the new ReplicaSet runs the merged values from ROLLOUT; its pods are OOM-killed after T2.
  const NEW = {
    requests: { cpu: values['cpu.request']?.[1] ?? 1, memory: newMemory },
    limits: { memory: values['memory.limit']?.[1] ?? GI },
  };
  prometheus = await prometheusWithWorld([api([
    ...oldPods(ROLLOUT),
    { name: 'api-7c9d8e6f4-xy12z', start: ROLLOUT, end: T3 + H, spec: NEW, oomKills: OOMS },
    { name: 'api-7c9d8e6f4-uv34w', start: ROLLOUT, end: T3 + H, spec: NEW },
  ])], { start: T0, end: T3 + 600, scrape: 60, clusterLabel: 'cluster' });
  writeConfig(prometheus.url);

  // Run 2: verify finds the change live and records it on the PR; nothing regressed yet.
  const run2 = await verifyAt(T2);
  assert.deepEqual(run2.changes.map(c => [c.pr, c.state]), [[cut, 'live']]);
  assert.equal(run2.reverts.length, 0);
  const recorded = gh.comments.filter(c => c.issue === cut).map(c => readLiveComment(c.body)).filter(Boolean);
  assert.deepEqual(recorded, [iso(T2)], 'one comment records when it went live');

  // Run 3: two OOM kills since it went live, none before the merge: the undo PR, with evidence, and Slack.
  const run3 = await verifyAt(T3);
  const change = run3.changes[0];
  assert.equal(change.liveSince, iso(T2));
  assert.deepEqual(change.regressions.map(r => [r.container, r.kind, r.after, r.before]), [['api', 'oom', 2, 0]]);
  // Cheap: instant queries only, for the ledger's namespace: owners, what runs, and one per window (before, after).
  assert.equal(run2.queries, 2);
  assert.equal(run3.queries, 4);
  t.diagnostic(`verify: ${run2.queries} Prometheus queries when it finds the change live, ${run3.queries} when it judges it; ${gh.requests.length} GitHub requests so far (three pr runs, two verify runs)`);
  assert.equal(run3.reverts.length, 1);
  assert.equal(run3.reverts[0].action, 'created');
  const undo = gh.pulls.find(p => p.number === run3.reverts[0].number)!;
  assert.equal(undo.head, `rightsizer/revert-${cut}/all`);
  assert.ok(undo.labels.includes('rightsizer:revert'));
  assert.ok(undo.title.endsWith(`undo #${cut} after a regression in test/shop/Deployment/api`), undo.title);
  assert.ok(undo.body.includes(`### Undo of #${cut}`));
  assert.match(undo.body, /2 OOM kills in the 3 h since the change went live, 0 in the 24 h before the merge/);
  const undoBlock = readLedgerBlock(undo.body)!;
  assert.equal(undoBlock.kind, 'revert');
  assert.equal(undoBlock.reverts, cut);
  assert.deepEqual(undoBlock.workloads[0].containers[0].values['memory.request'], [newMemory, GI], 'the undo restores the old memory request');
  // The undo branch holds the old values again, and only the values the change touched moved.
  const file = git(fx.bare, ['show', `${undo.head}:apps/api/deployment.yaml`]);
  const merged = git(fx.bare, ['show', 'main:apps/api/deployment.yaml']);
  const valuesOf = (text: string) => [...text.matchAll(/(cpu|memory): "?([0-9.]+[A-Za-z]*)"?/g)].map(m => (m[1] === 'cpu' ? cpuCores(m[2]) : memoryBytes(m[2])));
  assert.deepEqual(valuesOf(file), [1, GI, GI], 'the old values, written in the style the file has now');
  assert.equal(file.replace(/(cpu|memory): .*/g, '$1'), merged.replace(/(cpu|memory): .*/g, '$1'), 'only values changed');
  assert.equal(fx.commitsOver('main', undo.head), 1);

  const undoneMessage = (m: { blocks?: unknown }) => JSON.stringify(m.blocks).includes(`Undo of #${cut}`);
  const alert = slack.messages.find(undoneMessage);
  assert.ok(alert, `Slack was alerted: ${JSON.stringify(slack.messages.map(m => m.text))}`);
  assert.match(JSON.stringify(alert.blocks), /2 OOM kills/);
  assert.deepEqual(gh.violations, [], 'every GitHub request is in its OpenAPI subset');
  assert.deepEqual(slack.violations, []);

  // A fourth run keeps the one undo PR: its evidence is brought up to date in place, its commit stays.
  const sha = fx.branchSha(undo.head);
  const run4 = await verifyAt(T3 + 600);
  assert.deepEqual(run4.reverts.map(r => r.number), [undo.number]);
  assert.equal(fx.branchSha(undo.head), sha, 'nothing pushed');
  assert.equal(gh.openPulls().length, 1);
  assert.equal(slack.messages.filter(undoneMessage).length, 1, 'the Slack message is edited, not posted again');
  assert.deepEqual(gh.violations, []);

  // A pr run now: the dashboard lists the cut as verified live and the undo as open (the plan's change is already on main).
  const run5 = await pr();
  assert.equal(run5.pullRequests[0].action, 'skipped');
  dashboard = dashboardAfter(run5);
  assert.ok(dashboard.body.includes(`## Open pull requests\n\n- [#${undo.number}](`), dashboard.body);
  assert.match(dashboard.body, new RegExp(`## Recently verified\n\nPredicted −\\$[\\d,.]+/month over 1 verified change[^]*\`test/shop/Deployment/api\`: #${cut} live since \\d{4}-\\d{2}-\\d{2}`));
  assert.doesNotMatch(dashboard.body, /propose-again/, 'the change closed in the first PR was merged since: not ignored');

  // The undo is merged: the next dashboard lists it under Reverted, and the cut no longer as verified.
  git(fx.bare, ['update-ref', 'refs/heads/main', fx.branchSha(undo.head)!]);
  gh.closePull(undo.number, { merged: true, closedAt: iso(T3 + H) });

  // The same cut, proposed again right after its undo: held back for closedCooldownDays, no new pull request.
  const pullsBefore = gh.pulls.length;
  const run6 = await pr();
  assert.deepEqual(run6.pullRequests, []);
  assert.equal(gh.pulls.length, pullsBefore);
  assert.ok(lines.some(l => new RegExp(`test/shop/Deployment/api: undone in #${undo.number} after a regression: not lowered again before \\d{4}-\\d{2}-\\d{2}`).test(l)), lines.filter(l => /undone/.test(l)).join('\n'));
  dashboard = dashboardAfter(run6);
  assert.ok(dashboard.body.includes(`## Reverted\n\n- \`test/shop/Deployment/api\`: #${undo.number} undid #${cut} after a regression`), dashboard.body);
  assert.doesNotMatch(dashboard.body, /Recently verified/);
  assert.match(dashboard.body, /## Open pull requests\n\nNone\./);
  assert.deepEqual(gh.violations, []);

  // A person's pull request raising the CPU request: `review` prices it from the snapshot run 1 saved, in one comment.
  const snapshotFile = path.join(dir, 'snapshot.json');
  writeFileSync(snapshotFile, JSON.stringify(snapshot));
  const apiFile = 'apps/api/deployment.yaml';
  const oneCore = /cpu: "?([^"\n]+)"?\n/.exec(git(fx.bare, ['show', `main:${apiFile}`]))![1]; // as the undo wrote it
  assert.equal(cpuCores(oneCore), 1);
  fx.pushHumanBranch('dana/api-more-cpu', apiFile, t => t.replace(/cpu: .*\n/, 'cpu: "2"\n'));
  const human = gh.openHumanPull({ head: 'dana/api-more-cpu', base: 'main', title: 'api: 2 cores for the launch' });
  const review = () => reviewPullRequest({ ...runOptions(), pr: human.number, snapshot: snapshotFile });
  const first = await review();
  assert.equal(first.action, 'created');
  const comments = () => gh.comments.filter(c => c.issue === human.number);
  assert.equal(comments().length, 1);
  assert.ok(comments()[0].body.startsWith(REVIEW_MARKER));
  assert.ok(comments()[0].body.includes(`cpu.request (api) ${oneCore} → 2`), comments()[0].body);
  // 1 more core × 2 replicas × $0.05 per vCPU-hour × 730 h.
  assert.equal(first.review!.workloads[0].cost!.monthly, 73);
  assert.ok(comments()[0].body.includes('**+$73.00/month**'), comments()[0].body);
  assert.match(comments()[0].body, /P95 usage \d+m, peak [\d.]+m? over 8 days; this raises the request to 2 cores/);

  // Their next push raises it further: the same comment is edited, not a second one.
  fx.pushHumanBranch('dana/api-more-cpu', apiFile, t => t.replace('cpu: "2"\n', 'cpu: "3"\n'), false);
  const second = await review();
  assert.equal(second.action, 'updated');
  assert.equal(comments().length, 1, 'one comment, edited in place');
  assert.equal(comments()[0].edits, 1);
  assert.ok(comments()[0].body.includes(`cpu.request (api) ${oneCore} → 3`), comments()[0].body);
  assert.ok(comments()[0].body.includes('**+$146.00/month**'), comments()[0].body);
  assert.equal(gh.calls('issues/create').length, 1, 'still the one dashboard issue');
  assert.deepEqual(gh.violations, []);
});
