// The delivery end to end: real git (a bare repository over file:// and a clone) and a fake
// GitHub that checks every request against GitHub's OpenAPI description.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, test } from 'node:test';
import type { PullRequestConfig } from '../../src/config/types.ts';
import { UserError } from '../../src/core/errors.ts';
import { assertSafeBranch, deliverPullRequests, HANDS_OFF_MARKER, type DeliverOptions } from '../../src/deliver/index.ts';
import { readMarker } from '../../src/deliver/github.ts';
import { renderPullRequestBody } from '../../src/deliver/pr-body.ts';
import { groupPlan } from '../../src/deliver/group.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const TOKEN = 'ghp_deliverTestToken000000000000000';
const BOT = { name: 'rightsizer[bot]', email: 'rightsizer[bot]@users.noreply.github.com' };

let fx: GitFixture;
let gh: FakeGitHub;
let lines: string[];

const prConfig = (over: Partial<PullRequestConfig> = {}): PullRequestConfig => ({
  groupBy: 'repository', branchPrefix: 'rightsizer/', labels: ['rightsizer', 'finops'], reviewers: ['alice', '@example/platform'], assignees: ['bob'],
  draftBelowConfidence: 'medium', maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30, author: BOT, ...over,
});

const options = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: prConfig(), log: l => lines.push(l), githubTimings: { retryAfterBaseValue: 1, spaceWrites: false }, ...over,
});

beforeEach(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN, prefix: '/api/v3' });
  lines = [];
});

afterEach(async () => {
  await gh.close();
  fx.cleanup();
  assert.deepEqual(gh.violations, [], 'every request matches GitHub\'s OpenAPI description');
});

test('two runs: one branch, one commit, one PR; the second run pushes and writes nothing', async () => {
  const plan = fixturePlan(fx.checkout);
  const first = await deliverPullRequests(plan, options());
  assert.equal(first.pullRequests.length, 1);
  assert.equal(first.pullRequests[0].action, 'created');
  assert.equal(first.pullRequests[0].branch, 'rightsizer/all');
  const sha = fx.branchSha('rightsizer/all')!;
  assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
  assert.equal(git(fx.bare, ['log', '-1', '--format=%an <%ae>|%cn', sha]), `${BOT.name} <${BOT.email}>|${BOT.name}`);
  assert.deepEqual(git(fx.bare, ['diff', '--name-only', 'main', 'rightsizer/all']).split('\n'), ['apps/checkout/values.yaml', 'manifests/search/search.yaml']);
  // The checkout itself is untouched: same HEAD, clean tree.
  assert.equal(git(fx.checkout, ['status', '--porcelain']), '');
  assert.equal(git(fx.checkout, ['rev-parse', '--abbrev-ref', 'HEAD']), 'main');

  const pr = gh.openPulls();
  assert.equal(pr.length, 1);
  assert.equal(pr[0].base, 'main');
  assert.equal(pr[0].draft, false);
  assert.deepEqual(pr[0].labels, ['rightsizer', 'finops']);
  assert.deepEqual(pr[0].reviewers, ['alice']);
  assert.deepEqual(pr[0].teamReviewers, ['platform']);
  assert.deepEqual(pr[0].assignees, ['bob']);
  const marker = readMarker(pr[0].body);
  assert.equal(marker?.group, 'all');
  assert.match(marker!.digest, /^[0-9a-f]{64}$/);

  const writesBefore = gh.requests.filter(r => r.method !== 'GET').length;
  const second = await deliverPullRequests(plan, options());
  assert.equal(second.pullRequests[0].action, 'unchanged');
  assert.equal(second.pullRequests[0].number, pr[0].number);
  assert.equal(fx.branchSha('rightsizer/all'), sha, 'no new commit, no push');
  assert.equal(gh.requests.filter(r => r.method !== 'GET').length, writesBefore, 'no GitHub writes');
  assert.equal(gh.pulls.length, 1);
});

test('three runs with a newer plan in between: one open PR whose body matches the latest plan, no extra commits', async () => {
  const planA = fixturePlan(fx.checkout);
  const planB = fixturePlan(fx.checkout, { checkoutCpuMillis: 400 });
  assert.equal((await deliverPullRequests(planA, options())).pullRequests[0].action, 'created');
  const r2 = await deliverPullRequests(planB, options());
  assert.equal(r2.pullRequests[0].action, 'updated');
  const shaB = fx.branchSha('rightsizer/all');
  const r3 = await deliverPullRequests(planB, options());
  assert.equal(r3.pullRequests[0].action, 'unchanged');
  assert.equal(fx.branchSha('rightsizer/all'), shaB);
  assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
  const open = gh.openPulls();
  assert.equal(open.length, 1);
  const group = groupPlan(planB, 'repository', 'rightsizer/')[0];
  assert.ok(open[0].body.startsWith(renderPullRequestBody(group, planB).trimEnd()), 'body is the latest plan\'s');
  assert.equal(open[0].title, group.title);
  assert.match(git(fx.bare, ['show', 'rightsizer/all:apps/checkout/values.yaml']), /cpu: 400m/);
});

test('a moved base branch: the change is regenerated as one commit on the new base head', async () => {
  const plan = fixturePlan(fx.checkout);
  await deliverPullRequests(plan, options());
  const old = fx.branchSha('rightsizer/all');
  // Someone merges an unrelated change, and one in a file the bot edits (away from its lines).
  fx.moveBase('argocd/catalog.yaml', t => `${t}# reviewed\n`);
  const newBase = fx.moveBase('apps/checkout/values.yaml', t => t.replace('tag: "4.12.1"', 'tag: "4.13.0"'));
  const r = await deliverPullRequests(plan, options());
  assert.equal(r.pullRequests[0].action, 'updated');
  const head = fx.branchSha('rightsizer/all')!;
  assert.notEqual(head, old);
  assert.equal(git(fx.bare, ['rev-parse', `${head}^`]), newBase, 'parent is the new base head');
  assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
  const values = git(fx.bare, ['show', 'rightsizer/all:apps/checkout/values.yaml']);
  assert.match(values, /tag: "4\.13\.0"/, 'keeps what landed on the base');
  assert.match(values, /cpu: 500m/, 'and carries the change');
  assert.equal(gh.pulls.length, 1);
  // Nothing changed since: the next run leaves it.
  assert.equal((await deliverPullRequests(plan, options())).pullRequests[0].action, 'unchanged');
});

test('a base change that overlaps the edited lines is not forced: the group is skipped with a reason', async () => {
  const plan = fixturePlan(fx.checkout);
  fx.moveBase('apps/checkout/values.yaml', t => t.replace('cpu: 1500m', 'cpu: 1200m'));
  const r = await deliverPullRequests(plan, options());
  assert.equal(r.pullRequests[0].action, 'skipped');
  assert.match(r.pullRequests[0].reason!, /apps\/checkout\/values\.yaml changed on main/);
  assert.equal(fx.branchSha('rightsizer/all'), undefined);
});

test('a branch a person pushed to is left alone, with one comment on the PR', async () => {
  const plan = fixturePlan(fx.checkout);
  const created = await deliverPullRequests(plan, options());
  const humanSha = fx.pushHumanCommit('rightsizer/all', 'apps/checkout/values.yaml', t => t.replace('cpu: 500m', 'cpu: 600m'));
  const r1 = await deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 450 }), options());
  assert.equal(r1.pullRequests[0].action, 'skipped');
  assert.match(r1.pullRequests[0].reason!, /Dana Platform/);
  assert.equal(fx.branchSha('rightsizer/all'), humanSha);
  const r2 = await deliverPullRequests(plan, options());
  assert.equal(r2.pullRequests[0].action, 'skipped');
  assert.equal(fx.branchSha('rightsizer/all'), humanSha);
  const comments = gh.comments.filter(c => c.issue === created.pullRequests[0].number);
  assert.equal(comments.length, 1, 'commented once, not on every run');
  assert.ok(comments[0].body.includes(HANDS_OFF_MARKER));
});

test('a PR closed without merge is not proposed again during the cooldown, and is after it', async () => {
  const plan = fixturePlan(fx.checkout);
  const first = await deliverPullRequests(plan, options({ now: new Date('2026-11-16T00:00:00Z') }));
  gh.closePull(first.pullRequests[0].number!, { closedAt: '2026-11-17T00:00:00Z' });
  const during = await deliverPullRequests(plan, options({ now: new Date('2026-11-20T00:00:00Z') }));
  assert.equal(during.pullRequests[0].action, 'skipped');
  assert.match(during.pullRequests[0].reason!, /closed without merge in #1; not proposed again before 2026-12-17/);
  assert.equal(gh.pulls.length, 1);
  // A different change is proposed at once.
  const other = await deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 300 }), options({ now: new Date('2026-11-20T00:00:00Z') }));
  assert.equal(other.pullRequests[0].action, 'created');
  gh.closePull(other.pullRequests[0].number!, { closedAt: '2026-11-20T00:00:00Z' });
  const after = await deliverPullRequests(plan, options({ now: new Date('2026-12-18T00:00:00Z') }));
  assert.equal(after.pullRequests[0].action, 'created');
  assert.equal(gh.openPulls().length, 1);
});

test('a merged PR does not block the next change', async () => {
  const plan = fixturePlan(fx.checkout);
  const first = await deliverPullRequests(plan, options());
  gh.closePull(first.pullRequests[0].number!, { merged: true });
  git(fx.bare, ['update-ref', 'refs/heads/main', fx.branchSha('rightsizer/all')!]);
  const next = await deliverPullRequests(plan, options());
  assert.equal(next.pullRequests[0].action, 'skipped');
  assert.match(next.pullRequests[0].reason!, /main already has these values/);
});

test('low confidence opens a draft; a person\'s edit of title and body is kept until the change itself changes', async () => {
  const plan = fixturePlan(fx.checkout, { searchConfidence: 'low' });
  const r = await deliverPullRequests(plan, options());
  const pr = gh.pulls.find(p => p.number === r.pullRequests[0].number)!;
  assert.equal(pr.draft, true);
  gh.editPull(pr.number, { title: 'rightsizing, reviewed by Dana', body: `${pr.body}\n\nDana: fine for shop, checking search.` });
  const again = await deliverPullRequests(plan, options());
  assert.equal(again.pullRequests[0].action, 'unchanged');
  assert.equal(pr.title, 'rightsizing, reviewed by Dana');
  const newer = await deliverPullRequests(fixturePlan(fx.checkout, { searchConfidence: 'low', checkoutCpuMillis: 350 }), options());
  assert.equal(newer.pullRequests[0].action, 'updated');
  assert.notEqual(pr.title, 'rightsizing, reviewed by Dana');
  assert.ok(!pr.body.includes('Dana:'));
});

test('limits: PRs per run and open PRs', async () => {
  const plan = fixturePlan(fx.checkout);
  const perRun = await deliverPullRequests(plan, options({ pullRequests: prConfig({ groupBy: 'namespace', maxPullRequestsPerRun: 1 }) }));
  assert.deepEqual(perRun.pullRequests.map(p => [p.branch, p.action]), [['rightsizer/namespace-search', 'created'], ['rightsizer/namespace-shop', 'skipped']]);
  assert.match(perRun.pullRequests[1].reason!, /maxPullRequestsPerRun \(1\)/);
  assert.equal(fx.branchSha('rightsizer/namespace-shop'), undefined, 'nothing pushed for a PR that will not be opened');
  const open = await deliverPullRequests(plan, options({ pullRequests: prConfig({ groupBy: 'namespace', maxOpenPullRequests: 1 }) }));
  assert.deepEqual(open.pullRequests.map(p => p.action), ['unchanged', 'skipped']);
  assert.match(open.pullRequests[1].reason!, /maxOpenPullRequests \(1\)/);
  const both = await deliverPullRequests(plan, options({ pullRequests: prConfig({ groupBy: 'namespace' }) }));
  assert.deepEqual(both.pullRequests.map(p => p.action), ['unchanged', 'created']);
  assert.equal(gh.openPulls().length, 2);
});

test('signed commits go through the git data API, and an unchanged tree is not pushed again', async () => {
  const plan = fixturePlan(fx.checkout);
  const cfg = prConfig({ signCommits: true });
  const r = await deliverPullRequests(plan, options({ pullRequests: cfg }));
  assert.equal(r.pullRequests[0].action, 'created');
  const sha = fx.branchSha('rightsizer/all')!;
  assert.ok(gh.signedCommits.has(sha), 'the branch head was created by GitHub');
  assert.equal(git(fx.bare, ['log', '-1', '--format=%an|%cn', sha]), `${BOT.name}|GitHub`);
  for (const op of ['git/create-blob', 'git/create-tree', 'git/create-commit', 'git/create-ref']) assert.ok(gh.calls(op).length > 0, op);
  const again = await deliverPullRequests(plan, options({ pullRequests: cfg }));
  assert.equal(again.pullRequests[0].action, 'unchanged');
  assert.equal(fx.branchSha('rightsizer/all'), sha);
  fx.moveBase('argocd/catalog.yaml', t => `${t}# moved\n`);
  const moved = await deliverPullRequests(plan, options({ pullRequests: cfg }));
  assert.equal(moved.pullRequests[0].action, 'updated');
  assert.ok(gh.calls('git/update-ref').length === 1);
  assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
});

test('the scope guard refuses a change outside the accepted recommendations; nothing is pushed', async () => {
  const plan = fixturePlan(fx.checkout);
  plan.edits[0].newText = plan.edits[0].newText.replace('tag: "4.12.1"', 'tag: "9.9.9"');
  await assert.rejects(deliverPullRequests(plan, options()), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /refusing to push rightsizer\/all/);
    assert.match(err.message, /image\.tag changed/);
    return true;
  });
  assert.equal(fx.branchSha('rightsizer/all'), undefined);
  assert.equal(gh.pulls.length, 0);
  // A rejected recommendation carried by an edit is refused too.
  const rejected = fixturePlan(fx.checkout);
  rejected.recommendations[1].policy = { verdict: 'rejected', notes: [], rules: [] };
  await assert.rejects(deliverPullRequests(rejected, options()), /not accepted/);
});

test('never the base branch, never outside the prefix', async () => {
  assert.throws(() => assertSafeBranch('main', 'main', 'rightsizer/'), /refusing to push to "main"/);
  assert.throws(() => assertSafeBranch('feature/x', 'main', 'rightsizer/'), /only pushes to branches under "rightsizer\/"/);
  assert.throws(() => assertSafeBranch('all', 'main', ''), /branchPrefix is empty/);
  assert.doesNotThrow(() => assertSafeBranch('rightsizer/all', 'main', 'rightsizer/'));
  await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options({ pullRequests: prConfig({ branchPrefix: '' }) })), /branchPrefix is empty/);
  assert.equal(gh.requests.length, 0);
});

test('dry run: reads, returns the diff and the body it would write, and writes nothing', async () => {
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options({ dryRun: true }));
  assert.equal(r.pullRequests[0].action, 'would create');
  assert.match(r.pullRequests[0].reason!, /dry run/);
  assert.equal(fx.branchSha('rightsizer/all'), undefined);
  assert.equal(gh.requests.filter(x => x.method !== 'GET').length, 0);
  const preview = r.pullRequests[0].preview!;
  assert.match(preview.diff, /-    cpu: 1500m\n-    memory: 2Gi\n\+    cpu: 500m/);
  assert.match(preview.body, /### Changes/);
  assert.ok(!lines.join('\n').includes('### Changes'), 'the body is not a log line');
  // Without credentials too.
  const offline = await deliverPullRequests(fixturePlan(fx.checkout), options({ dryRun: true, token: undefined }));
  assert.equal(offline.pullRequests[0].action, 'would create');
});

test('GitHub App credentials: an installation token for the API and for git', async () => {
  await gh.close();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, app: { appId: '1234', publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, prefix: '/api/v3' });
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options({ token: undefined, app: { appId: '1234', privateKey: pem }, githubApiUrl: gh.apiUrl }));
  assert.equal(r.pullRequests[0].action, 'created');
  assert.equal(gh.calls('apps/create-installation-access-token').length, 1);
  assert.ok(gh.calls('pulls/create')[0].authorization?.match(/^token ghs_/));
  assert.ok(!lines.join('\n').includes('PRIVATE KEY'));
});
