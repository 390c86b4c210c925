// GitHub's side of delivery against the strict fake: races (422), rate limits (403/429 with
// retry-after), a repository that does not exist, and the fake's own OpenAPI checks.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { PullRequestConfig } from '../../src/config/types.ts';
import { UserError } from '../../src/core/errors.ts';
import { bodyWithMarker, editedByHuman, readMarker, type PullSummary } from '../../src/deliver/github.ts';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { startFakeGitHub, type FakeGitHub, type RecordedRequest, type Reply } from '../helpers/fake-github.ts';
import { fixturePlan, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const TOKEN = 'ghp_githubTestToken00000000000000000';
let fx: GitFixture;
let gh: FakeGitHub;
let lines: string[];

const prConfig: PullRequestConfig = {
  groupBy: 'repository', branchPrefix: 'rightsizer/', labels: ['rightsizer'], reviewers: [], assignees: [],
  maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30,
};
const options = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: prConfig, log: l => lines.push(l), githubTimings: { retryAfterBaseValue: 1, spaceWrites: false }, ...over,
});

/** Answers the first `times` requests to an operation with `reply`. */
function failFirst(operationId: string, reply: (req: RecordedRequest) => Reply, times = 1): void {
  let left = times;
  gh.intercept = req => (req.operationId === operationId && left-- > 0 ? reply(req) : undefined);
}

beforeEach(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  lines = [];
});

afterEach(async () => {
  await gh.close();
  fx.cleanup();
  assert.deepEqual(gh.violations, []);
});

test('422 "A pull request already exists": the existing PR is found and updated, not duplicated', async () => {
  failFirst('pulls/create', req => {
    // Another run opened it a moment ago.
    const body = req.body as { title: string; head: string; base: string };
    gh.pulls.push({ number: 7, title: 'old title', body: 'old body', head: body.head, base: body.base, state: 'open', draft: false, merged_at: null, closed_at: null, created_at: new Date().toISOString(), labels: [], assignees: [], reviewers: [], teamReviewers: [] });
    return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for example:${body.head}.` }], documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request' } };
  });
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options());
  assert.equal(r.pullRequests[0].action, 'updated');
  assert.equal(r.pullRequests[0].number, 7);
  assert.equal(gh.pulls.length, 1);
  assert.notEqual(gh.pulls[0].title, 'old title');
  assert.ok(readMarker(gh.pulls[0].body));
});

test('403 primary rate limit: waits for the reset and retries', async () => {
  failFirst('pulls/list', () => ({
    status: 403,
    headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-limit': '5000', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
    body: { message: 'API rate limit exceeded for installation ID 42.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
  }));
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options());
  assert.equal(r.pullRequests[0].action, 'created');
  assert.match(lines.join('\n'), /GitHub rate limit on GET .*retrying/);
});

test('429 secondary rate limit with retry-after: retries, a bounded number of times', async () => {
  const secondary = (): Reply => ({ status: 429, headers: { 'retry-after': '1' }, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' } });
  failFirst('pulls/create', secondary);
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options());
  assert.equal(r.pullRequests[0].action, 'created');
  assert.equal(gh.calls('pulls/create').length, 2);
  assert.match(lines.join('\n'), /secondary rate limit on POST .*retrying in 1s/);

  // Always limited: gives up after the configured retries with a clear error.
  gh.intercept = req => (req.operationId === 'pulls/update' ? secondary() : undefined);
  const before = gh.calls('pulls/update').length;
  await assert.rejects(
    deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 300 }), options({ githubTimings: { retryAfterBaseValue: 1, spaceWrites: false, rateLimitRetries: 2 } })),
    (err: Error) => err instanceof UserError && /HTTP 429/.test(err.message) && /secondary rate limit/.test(err.message),
  );
  assert.equal(gh.calls('pulls/update').length - before, 3, 'the first try and two retries, no more');
});

test('a repository that does not exist: a clear error naming what to check', async () => {
  await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options({ githubRepo: 'example/no-such-repo' })), (err: Error) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /example\/no-such-repo .*not found \(HTTP 404\)/);
    assert.match(err.hint ?? '', /check --github-repo/);
    return true;
  });
  assert.equal(fx.branchSha('rightsizer/all'), undefined, 'nothing pushed');
});

test('bad credentials: 401 says so', async () => {
  await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options({ token: 'ghp_wrongwrongwrong' })), /rejected the credentials .*HTTP 401/);
});

test('GitHub Enterprise Server: the API URL with its /api/v3 prefix is used as is', async () => {
  await gh.close();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN, prefix: '/api/v3' });
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options({ githubApiUrl: `${gh.url}/api/v3/` }));
  assert.equal(r.pullRequests[0].action, 'created');
  assert.ok(gh.requests.every(q => q.path.startsWith('/api/v3/')));
});

test('the fake GitHub refuses undocumented paths and invalid bodies', async () => {
  const call = (method: string, p: string, body?: unknown) => fetch(`${gh.url}${p}`, { method, headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.equal((await call('GET', '/repos/example/platform-gitops/pullz')).status, 404);
  assert.equal((await call('POST', '/repos/example/platform-gitops/pulls', { title: 1, head: 'x', base: 'main' })).status, 400);
  assert.equal((await call('POST', '/repos/example/platform-gitops/issues/1/labels', { labels: [] })).status, 400);
  assert.equal((await call('GET', '/repos/example/platform-gitops/pulls?state=merged')).status, 400);
  assert.equal((await call('GET', '/repos/example/platform-gitops/pulls?colour=blue')).status, 400);
  assert.equal(gh.violations.length, 5);
  assert.match(gh.violations[1], /pulls\/create.*\/title must be string/);
  gh.violations.length = 0;
});

test('the marker: round trip, and a person\'s edit is told from the bot\'s', () => {
  const body = bodyWithMarker('Body text\n', 'Title', 'namespace/shop', 'a'.repeat(64));
  assert.deepEqual({ ...readMarker(body), written: undefined }, { group: 'namespace/shop', digest: 'a'.repeat(64), written: undefined });
  const pull: PullSummary = { number: 1, url: '', title: 'Title', body, draft: false, state: 'open', headRef: 'rightsizer/all', headSha: '' };
  assert.equal(editedByHuman(pull), false);
  assert.equal(editedByHuman({ ...pull, title: 'Mine now' }), true);
  assert.equal(editedByHuman({ ...pull, body: body.replace('Body text', 'Body text, checked') }), true);
});
