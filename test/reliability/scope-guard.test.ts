// Finding 11: a crafted `pr --plan FILE` whose new text changes bytes outside the planned value
// spans, or writes values that are not sane Kubernetes quantities, is refused before any push.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import type { Plan } from '../../src/core/plan.ts';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const TOKEN = 'ghp_scopeGuardTestToken00000000000000';
let fx: GitFixture;
let gh: FakeGitHub;
const options = (): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: { groupBy: 'repository', branchPrefix: 'rightsizer/', labels: [], reviewers: [], assignees: [], maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30 },
  log: () => {}, githubTimings: { retryAfterBaseValue: 1, spaceWrites: false },
});

before(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
});
after(async () => { await gh.close(); fx.cleanup(); });

/** The fixture plan with the checkout values file's new text changed further. */
function crafted(change: (text: string) => string): Plan {
  const plan = fixturePlan(fx.checkout);
  const edit = plan.edits.find(e => e.path === 'apps/checkout/values.yaml')!;
  edit.newText = change(edit.newText);
  return plan;
}

const CRAFTED: Array<[string, (t: string) => string]> = [
  ['a changed comment', t => t.replace('# sized for Black Friday 2025', '# sized by nobody')],
  ['a new rightsizer marker', t => t.replace('resources:\n', 'resources: # rightsizer: ignore\n')],
  ['a new blank line', t => t.replace('service:\n', '\nservice:\n')],
  ['a flow-style restyle', t => t.replace(/requests:\n {4}cpu: (\d+m)\n {4}memory: (\w+)\n/, 'requests: {cpu: $1, memory: $2}\n')],
  ['a quote change of a planned value', t => t.replace('cpu: 500m', 'cpu: "500m"')],
  ['a quote change elsewhere', t => t.replace('tag: "4.12.1"', "tag: '4.12.1'")],
  ['a binary tag on a planned value', t => t.replace('cpu: 500m', 'cpu: !!binary NTAwbQ==')],
  ['replicaCount 0', t => t.replace(/replicaCount: 4/, 'replicaCount: 0')],
  ['memory 1e30', t => t.replace(/requests:\n {4}cpu: 500m\n {4}memory: 1Gi/, 'requests:\n    cpu: 500m\n    memory: 1e30')],
  ['memory 1e21Gi', t => t.replace(/requests:\n {4}cpu: 500m\n {4}memory: 1Gi/, 'requests:\n    cpu: 500m\n    memory: 1.0244548320770265e+21Gi')],
  ['cpu 2.5e32m', t => t.replace('cpu: 500m', 'cpu: 2.5046219999997748e+32m')],
  ['an image tag changed', t => t.replace('tag: "4.12.1"', 'tag: "4.12.2"')],
];

for (const [what, change] of CRAFTED) {
  test(`a crafted plan with ${what} is refused and nothing is pushed`, async () => {
    await assert.rejects(deliverPullRequests(crafted(change), options()), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /refusing to push rightsizer\/all/);
      return true;
    });
    assert.equal(fx.branchSha('rightsizer/all'), undefined);
  });
}

test('the plan as the editor made it still goes through', async () => {
  const r = await deliverPullRequests(fixturePlan(fx.checkout), options());
  assert.equal(r.pullRequests[0].action, 'created');
});
