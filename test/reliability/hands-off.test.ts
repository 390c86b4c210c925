// Finding 1: a person amends the bot's commit (author stays rightsizer[bot]) and force-pushes.
// The next run must leave the branch alone, because its tree is not the one the bot recorded.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const TOKEN = 'ghp_handsOffTestToken0000000000000000';
const BOT = { name: 'rightsizer[bot]', email: 'rightsizer[bot]@users.noreply.github.com' };
let fx: GitFixture;
let gh: FakeGitHub;

const options = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: { groupBy: 'repository', branchPrefix: 'rightsizer/', labels: [], reviewers: [], assignees: [], maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30, author: BOT },
  log: () => {}, githubTimings: { retryAfterBaseValue: 1, spaceWrites: false }, ...over,
});

beforeEach(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
});
afterEach(async () => { await gh.close(); fx.cleanup(); });

/** A person checks out the bot's branch, changes a file, and rewrites history as the bot. */
function rewriteAsBot(how: 'amend' | 'squash-onto-base'): string {
  git(fx.root, ['clone', '-q', fx.remoteUrl, fx.human]);
  git(fx.human, ['checkout', '-q', '-B', 'rightsizer/all', 'origin/rightsizer/all']);
  const file = path.join(fx.human, 'apps/checkout/values.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/replicaCount: \d+/, 'replicaCount: 7'));
  git(fx.human, ['add', '-A']);
  if (how === 'amend') git(fx.human, ['commit', '-q', '--amend', '--no-edit'], BOT);
  else {
    git(fx.human, ['reset', '-q', '--soft', 'origin/main']);
    git(fx.human, ['commit', '-q', '-m', 'squashed by hand'], BOT);
  }
  git(fx.human, ['push', '-q', '--force', 'origin', 'rightsizer/all']);
  return git(fx.human, ['rev-parse', 'HEAD']);
}

for (const how of ['amend', 'squash-onto-base'] as const) {
  test(`a ${how} by a person under the bot's name is left alone by the next, newer plan`, async () => {
    const first = await deliverPullRequests(fixturePlan(fx.checkout), options());
    assert.equal(first.pullRequests[0].action, 'created');
    const personal = rewriteAsBot(how);
    const next = await deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 450 }), options());
    assert.equal(next.pullRequests[0].action, 'skipped');
    assert.match(next.pullRequests[0].reason!, /not the commit rightsizer pushed|does not carry the tree/);
    assert.equal(fx.branchSha('rightsizer/all'), personal, 'the person\'s commit is still the branch head');
    assert.match(git(fx.bare, ['show', 'rightsizer/all:apps/checkout/values.yaml']), /replicaCount: 7/);
  });
}

test('the bot\'s own commit is still updated by a newer plan', async () => {
  await deliverPullRequests(fixturePlan(fx.checkout), options());
  const next = await deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 450 }), options());
  assert.equal(next.pullRequests[0].action, 'updated');
  assert.match(git(fx.bare, ['show', 'rightsizer/all:apps/checkout/values.yaml']), /cpu: 450m/);
});
