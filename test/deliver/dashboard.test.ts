// The dashboard issue (issue 17): created once, updated in place on every run, never duplicated;
// a closed rightsizer PR is listed as ignored with a "propose again" box, and ticking it (editing
// the issue body as a person does in the web UI) brings the change back on the next run. Real
// git (a bare repository over file://) and the fake GitHub that validates every request against
// GitHub's OpenAPI description.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { DashboardConfig, PullRequestConfig } from '../../src/config/types.ts';
import { DASHBOARD_MARKER, ignoredKey, readDashboard, renderDashboard } from '../../src/deliver/dashboard.ts';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { plan as buildPlan, recommendation, GI } from '../helpers/plan-builder.ts';

const TOKEN = 'ghp_dashboardTestToken00000000000000';
const BOT = { name: 'rightsizer[bot]', email: 'rightsizer[bot]@users.noreply.github.com' };
const DASHBOARD: DashboardConfig = { enabled: true, title: 'rightsizer dashboard', label: 'rightsizer-dashboard' };

let fx: GitFixture;
let gh: FakeGitHub;
let lines: string[];

const prConfig: PullRequestConfig = {
  groupBy: 'repository', branchPrefix: 'rightsizer/', labels: ['rightsizer'], reviewers: [], assignees: [],
  maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30, author: BOT,
};

const options = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: prConfig, dashboard: DASHBOARD, log: l => lines.push(l), githubTimings: { retryAfterBaseValue: 1, spaceWrites: false }, ...over,
});

const dashboards = () => gh.issues.filter(i => i.body.includes(DASHBOARD_MARKER));

beforeEach(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  lines = [];
});

afterEach(async () => {
  await gh.close();
  fx.cleanup();
  assert.deepEqual(gh.violations, [], 'every request matches GitHub\'s OpenAPI description');
});

test('render and read: ticked boxes come back, unticked ones do not, a person\'s CRLF and * bullets are fine', () => {
  const ignored = [{ group: 'namespace-shop', branch: 'rightsizer/namespace-shop', number: 7, workloads: ['prod/shop/Deployment/checkout'], until: '2026-12-17' }];
  const body = renderDashboard({ openPulls: [], ignored });
  assert.ok(body.startsWith(DASHBOARD_MARKER));
  assert.deepEqual(readDashboard(body), { proposeAgain: [], runAgain: false });
  const ticked = body.replace('- [ ] <!-- rightsizer:propose-again', '* [x] <!-- rightsizer:propose-again').replace('- [ ] <!-- rightsizer:run-again', '- [X] <!-- rightsizer:run-again').replace(/\n/g, '\r\n');
  assert.deepEqual(readDashboard(ticked), { proposeAgain: [ignoredKey(ignored[0])], runAgain: true });
  // A box ticked and not yet acted on is rendered ticked again.
  assert.match(renderDashboard({ openPulls: [], ignored, proposeAgain: new Set([ignoredKey(ignored[0])]) }), /- \[x\] <!-- rightsizer:propose-again=namespace-shop#7 -->/);
});

test('the sections other stages feed are rendered when given, with workloads and links', () => {
  const body = renderDashboard({
    openPulls: [{ number: 3, url: 'https://github.com/x/y/pull/3', title: 'Rightsize 2 workloads', branch: 'rightsizer/all' }],
    ignored: [],
    drift: [{ workload: 'prod/shop/Deployment/checkout', summary: 'live cpu.request 2 differs from Git 500m' }],
    verified: [{ workload: 'prod/shop/Deployment/search', summary: 'live since 2026-11-20; realised −$40.10/month of −$42.50 predicted', url: 'https://github.com/x/y/pull/2' }],
    reverted: [{ workload: 'prod/ml/Deployment/llm', summary: '3 OOM kills after the cut; undo in #9' }],
    realisedSavings: 'Realised −$40.10/month of −$42.50 predicted across 1 change',
  });
  assert.match(body, /## Open pull requests\n\n- \[#3\]\(https:\/\/github.com\/x\/y\/pull\/3\) Rightsize 2 workloads \(`rightsizer\/all`\)/);
  assert.match(body, /## Drift \(Git and the cluster disagree\)\n\n- `prod\/shop\/Deployment\/checkout`: live cpu.request 2 differs from Git 500m/);
  assert.match(body, /## Recently verified\n\nRealised −\$40.10\/month .*\n- `prod\/shop\/Deployment\/search`: live since .* \(https:\/\/github.com\/x\/y\/pull\/2\)/);
  assert.match(body, /## Reverted\n\n- `prod\/ml\/Deployment\/llm`: 3 OOM kills/);
  assert.doesNotMatch(renderDashboard({ openPulls: [], ignored: [] }), /Drift|verified|Reverted|Ignored|Awaiting/);
});

test('created once, updated in place on every run; a closed PR is ignored with a box, and ticking "propose again" brings it back', async () => {
  const plan = fixturePlan(fx.checkout);
  // The search workload needs an approval; a protected workload is OOM-killed (needs attention).
  plan.recommendations[1].policy = { verdict: 'accepted', notes: [], rules: ['policies/p.yaml#big-cuts'], approvals: ['@example/platform'] };
  const held = recommendation({ cluster: 'prod-eks', namespace: 'pay', name: 'ledger', containers: [{ name: 'ledger', memory: [1 * GI, 2 * GI], oomKills: 4 }], policy: { verdict: 'accepted', notes: ['protected: policies/p.yaml#payments'], rules: ['policies/p.yaml#payments'], reportOnly: true } });
  plan.recommendations.push(held);

  const first = await deliverPullRequests(plan, options({ now: new Date('2026-11-16T00:00:00Z') }));
  assert.equal(first.pullRequests[0].action, 'created');
  assert.equal(first.dashboard?.action, 'created');
  assert.equal(dashboards().length, 1);
  const issue = dashboards()[0];
  assert.deepEqual(issue.labels, ['rightsizer-dashboard']);
  assert.equal(issue.title, 'rightsizer dashboard');
  const pr = first.pullRequests[0].number!;
  assert.match(issue.body, new RegExp(`## Open pull requests\\n\\n- \\[#${pr}\\]\\([^)]+/pull/${pr}\\) .*\\(\`rightsizer/all\`\\)`));
  assert.match(issue.body, /## Awaiting approval\n\n- `prod-eks\/search\/Deployment\/search`: approval needed from @example\/platform in \[#1\]/);
  assert.match(issue.body, /## Needs attention .*\n\n- `prod-eks\/pay\/Deployment\/ledger`: 4 OOM kills in the window \(container ledger\)\. Fix: memory.request \(ledger\) 1Gi → 2Gi\. Not edited: protected: policies\/p.yaml#payments/);
  assert.doesNotMatch(issue.body, /Ignored/);

  // Nothing changed: the dashboard is left as it is (no write at all).
  const writes = gh.requests.filter(r => r.method !== 'GET').length;
  const second = await deliverPullRequests(plan, options({ now: new Date('2026-11-17T00:00:00Z') }));
  assert.equal(second.dashboard?.action, 'unchanged');
  assert.equal(gh.requests.filter(r => r.method !== 'GET').length, writes);

  // A person closes the PR without merging: the change is ignored, listed with a box.
  gh.closePull(pr, { closedAt: '2026-11-17T00:00:00Z' });
  const third = await deliverPullRequests(plan, options({ now: new Date('2026-11-18T00:00:00Z') }));
  assert.equal(third.pullRequests[0].action, 'skipped');
  assert.equal(third.dashboard?.action, 'updated');
  assert.equal(third.dashboard?.number, issue.number);
  assert.equal(dashboards().length, 1, 'updated in place, never a second issue');
  assert.match(issue.body, /## Open pull requests\n\nNone\./);
  assert.match(issue.body, new RegExp(`- \\[ \\] <!-- rightsizer:propose-again=all#${pr} --> propose again: \`prod-eks/shop/Deployment/checkout\`, \`prod-eks/search/Deployment/search\` \\(\`rightsizer/all\`, closed in \\[#${pr}\\]\\([^)]+\\); ignored until 2026-12-17\\)`));
  assert.equal(gh.openPulls().length, 0);

  // The next run without a tick: still ignored, nothing written.
  const quiet = await deliverPullRequests(plan, options({ now: new Date('2026-11-19T00:00:00Z') }));
  assert.equal(quiet.pullRequests[0].action, 'skipped');
  assert.equal(quiet.dashboard?.action, 'unchanged');

  // The person ticks "propose again" in the web UI; the next run proposes the change again.
  gh.editIssue(issue.number, { body: issue.body.replace('- [ ] <!-- rightsizer:propose-again', '- [x] <!-- rightsizer:propose-again') });
  const fourth = await deliverPullRequests(plan, options({ now: new Date('2026-11-20T00:00:00Z') }));
  assert.equal(fourth.pullRequests[0].action, 'created');
  const again = fourth.pullRequests[0].number!;
  assert.notEqual(again, pr);
  assert.equal(gh.openPulls().length, 1);
  assert.ok(lines.some(l => l.includes(`proposing the change closed in #${pr} again, as ticked on the dashboard`)));
  assert.equal(fourth.dashboard?.action, 'updated');
  assert.doesNotMatch(issue.body, /propose-again/, 'no longer ignored');
  assert.match(issue.body, new RegExp(`- \\[#${again}\\]`));
  assert.equal(dashboards().length, 1);
  assert.equal(gh.calls('issues/create').length, 1, 'one issue created in five runs');
});

test('"run again" is reported and cleared; a removed label or a closed dashboard does not make a second one', async () => {
  const plan = fixturePlan(fx.checkout);
  await deliverPullRequests(plan, options());
  const issue = dashboards()[0];
  gh.editIssue(issue.number, { body: issue.body.replace('- [ ] <!-- rightsizer:run-again', '- [x] <!-- rightsizer:run-again') });
  const r = await deliverPullRequests(plan, options());
  assert.equal(r.runAgain, true);
  assert.equal(r.dashboard?.action, 'updated');
  assert.match(issue.body, /- \[ \] <!-- rightsizer:run-again -->/, 'the box is cleared for the next request');
  assert.equal((await deliverPullRequests(plan, options())).runAgain, undefined);

  // Someone removes the label and closes the issue: found by title through search, reopened, relabelled.
  gh.editIssue(issue.number, { labels: [], state: 'closed' });
  const back = await deliverPullRequests(plan, options());
  assert.equal(back.dashboard?.action, 'updated');
  assert.equal(back.dashboard?.number, issue.number);
  assert.equal(issue.state, 'open');
  assert.deepEqual(issue.labels, ['rightsizer-dashboard']);
  assert.equal(dashboards().length, 1);
  // Search is asked only when the label finds nothing: the first run, and the run after the label went.
  assert.equal(gh.calls('search/issues-and-pull-requests').length, 2);
});

test('a dry run previews the dashboard and writes nothing; a plan with no edits still updates it; a failure never fails the run', async () => {
  const plan = fixturePlan(fx.checkout);
  const dry = await deliverPullRequests(plan, options({ dryRun: true }));
  assert.equal(dry.dashboard?.action, 'would create');
  assert.ok(dry.dashboard?.body?.startsWith(DASHBOARD_MARKER));
  assert.equal(gh.requests.filter(r => r.method !== 'GET').length, 0);

  await deliverPullRequests(plan, options());
  const empty = buildPlan({ recommendations: [], edits: [] });
  const none = await deliverPullRequests(empty, options());
  assert.deepEqual(none.pullRequests, []);
  assert.equal(none.dashboard?.action, 'unchanged', 'read and rendered: the open PR is still listed');
  assert.equal(dashboards().length, 1);

  // GitHub refuses issues (the token lacks issues: write): the PRs are delivered, the dashboard reports the failure.
  gh.intercept = req => (req.operationId?.startsWith('issues/') && req.operationId !== 'issues/add-labels' ? { status: 403, body: { message: 'Resource not accessible by integration' } } : undefined);
  const refused = await deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 400 }), options());
  assert.equal(refused.pullRequests[0].action, 'updated');
  assert.equal(refused.dashboard?.action, 'failed');
  assert.match(refused.dashboard?.error ?? '', /HTTP 403.*Resource not accessible/);
  assert.ok(!JSON.stringify(refused).includes(TOKEN));
  assert.equal(gh.calls('issues/create').length, 1, 'a dashboard that could not be read is not created again');
});
