// Finding 13: a push rejection is told apart — a race, a pre-receive hook, a branch name git
// cannot create — instead of every one reading "changed on the remote … run again".

import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const TOKEN = 'ghp_pushRejectionTestToken000000000000';
let fx: GitFixture;
let gh: FakeGitHub;
const options = (branchPrefix = 'rightsizer/'): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: { groupBy: 'repository', branchPrefix, labels: [], reviewers: [], assignees: [], maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30 },
  log: () => {}, githubTimings: { retryAfterBaseValue: 1, spaceWrites: false },
});

beforeEach(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
});
afterEach(async () => { await gh.close(); fx.cleanup(); });

async function rejection(opts: DeliverOptions): Promise<UserError> {
  let caught: unknown;
  await deliverPullRequests(fixturePlan(fx.checkout), opts).catch(err => { caught = err; });
  assert.ok(caught instanceof UserError, `expected a UserError, got ${String(caught)}`);
  assert.doesNotMatch(caught.message, /changed on the remote/);
  return caught;
}

test('a pre-receive hook that declines says so, and not "run again"', async () => {
  mkdirSync(path.join(fx.bare, 'hooks'), { recursive: true });
  writeFileSync(path.join(fx.bare, 'hooks/pre-receive'), '#!/bin/sh\necho "branch rule: bots may not push" >&2\nexit 1\n');
  chmodSync(path.join(fx.bare, 'hooks/pre-receive'), 0o755);
  const err = await rejection(options());
  assert.match(err.message, /the remote refused the push to rightsizer\/all: pre-receive hook declined/);
  assert.doesNotMatch(err.hint ?? '', /run again$/);
});

test('branchPrefix named after the base branch is refused before anything is pushed', async () => {
  const err = await rejection(options('main'));
  assert.match(err.message, /branchPrefix "main" puts rightsizer's branches under the base branch's name; git cannot create main\/all beside main/);
  assert.equal(err.exitCode, 2);
});

test('a prefix that clashes with another existing branch names it', async () => {
  git(fx.bare, ['branch', 'bots', 'main']);
  const err = await rejection(options('bots/'));
  assert.match(err.message, /cannot create the branch bots\/all/);
  assert.match(err.hint ?? '', /branchPrefix/);
});
