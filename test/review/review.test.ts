// The cost review of a person's pull request (issue 17): against the strict fake GitHub and real
// git (a bare repository over file://). A pull request raising CPU gets one comment with the
// monthly delta priced from the snapshot's unit prices, the usage evidence and the policy
// verdict; the next push edits that comment (never a second one); a pull request that changes no
// resource setting, and rightsizer's own, get none.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { reviewPullRequest } from '../../src/cli/commands/review.ts';
import { formatMoney } from '../../src/core/money.ts';
import { HOURS_PER_MONTH, pickPrice } from '../../src/cost/savings.ts';
import { collect } from '../../src/pipeline.ts';
import { REVIEW_MARKER } from '../../src/review/comment.ts';
import { changedSettings } from '../../src/review/changes.ts';
import { locateDetailed } from '../../src/gitops/locate.ts';
import type { Snapshot } from '../../src/snapshot/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { FIXTURE_REPO, git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const TOKEN = 'ghp_reviewTestToken0000000000000000000';
let dir: string;
let snapshotFile: string;
let snapshot: Snapshot;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-review-'));
  snapshot = (await collect({ demo: true, quiet: true })).snapshot;
  snapshotFile = path.join(dir, 'snapshot.json');
  writeFileSync(snapshotFile, JSON.stringify(snapshot));
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function withGitHub(fn: (fx: GitFixture, gh: FakeGitHub) => Promise<void>): Promise<void> {
  const fx = makeGitFixture();
  const gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  try {
    await fn(fx, gh);
    assert.deepEqual(gh.violations, [], 'every request matches GitHub\'s OpenAPI description');
  } finally {
    await gh.close();
    fx.cleanup();
  }
}

const review = (fx: GitFixture, gh: FakeGitHub, pr: number, extra: { dryRun?: boolean } = {}) => reviewPullRequest({
  pr, demo: true, repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN,
  snapshot: snapshotFile, env: {}, log: () => {}, ...extra,
});

test('the changed settings are the values that differ at the same location on both sides', () => {
  const base = locateDetailed([{ path: 'a.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests: {cpu: 500m, memory: 1Gi}\n' }]).spots;
  const head = locateDetailed([{ path: 'a.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          resources:\n            requests: {cpu: "4", memory: 1Gi}\n            limits: {memory: 2Gi}\n' }]).spots;
  const changes = changedSettings(base, head, new Set(['a.yaml']));
  assert.deepEqual(changes.map(c => [c.field, c.from, c.to, c.spot.container]), [['cpu.request', '500m', '4', 'web'], ['memory.limit', undefined, '2Gi', 'web']]);
  assert.deepEqual(changedSettings(base, head, new Set(['b.yaml'])), []);
});

test('a person\'s PR raising CPU gets one cost comment, edited in place on the next push', async () => {
  await withGitHub(async (fx, gh) => {
    fx.pushHumanBranch('dana/more-cpu', 'apps/checkout/values.yaml', t => t.replace('    cpu: 1500m\n', '    cpu: "4"\n'));
    const pr = gh.openHumanPull({ head: 'dana/more-cpu', base: 'main', title: 'checkout: more CPU for the sale' });

    const dry = await review(fx, gh, pr.number, { dryRun: true });
    assert.equal(dry.action, 'would create');
    assert.equal(gh.comments.length, 0, 'a dry run writes nothing');

    const first = await review(fx, gh, pr.number);
    assert.equal(first.action, 'created');
    const comments = () => gh.comments.filter(c => c.issue === pr.number);
    assert.equal(comments().length, 1);
    const body = comments()[0].body;
    assert.ok(body.startsWith(REVIEW_MARKER));
    assert.match(body, /cpu\.request \(checkout\) 1500m → 4/);
    // Priced from the bill: the snapshot's CPU unit price for the cluster, requests × replicas × 730 h.
    const profile = snapshot.profiles.find(p => p.ref.namespace === 'shop' && p.ref.name === 'checkout')!;
    const price = pickPrice(snapshot.prices, profile.ref.cluster, profile.current.nodePool)!;
    const replicas = profile.current.replicas ?? 1;
    const expected = Math.round((4 - 1.5) * replicas * price.perVcpuHour * HOURS_PER_MONTH * 100) / 100;
    assert.ok(expected > 0);
    assert.equal(first.review!.workloads[0].cost!.monthly, expected);
    assert.ok(body.includes(`**${formatMoney(expected, price.currency)}/month**`), body);
    // The usage evidence for the value, from the snapshot's profile, and the policy verdict.
    assert.match(body, /P95 usage \d+m, peak [\d.]+m? over 14 days; this raises the request to 4 cores \([\d.]+× the P95\); rightsizer would set \d+m?/);
    assert.match(body, /policy: (accepted|clamped|rejected)/);
    assert.equal(first.url, `${gh.url}/example/platform-gitops/pull/${pr.number}#issuecomment-${comments()[0].id}`);

    // The same head again: nothing is written.
    const writes = gh.requests.filter(r => r.method !== 'GET').length;
    assert.equal((await review(fx, gh, pr.number)).action, 'unchanged');
    assert.equal(gh.requests.filter(r => r.method !== 'GET').length, writes);

    // The next push also raises the memory request: the same comment is edited, not a second one.
    fx.pushHumanBranch('dana/more-cpu', 'apps/checkout/values.yaml', t => t.replace(/(requests:\n {4}cpu: "4"\n {4}memory: )2Gi/, '$13Gi'), false);
    const second = await review(fx, gh, pr.number);
    assert.equal(second.action, 'updated');
    assert.equal(comments().length, 1, 'one comment, edited in place');
    assert.equal(comments()[0].edits, 1);
    assert.match(comments()[0].body, /memory\.request \(checkout\) 2Gi → 3Gi/);
    assert.match(comments()[0].body, /peak working set \d+Mi? .*this raises the request to 3Gi/);
    assert.ok(!JSON.stringify(gh.comments).includes(TOKEN));
  });
});

test('no comment on a PR that changes no resource setting, nor on rightsizer\'s own PR', async () => {
  await withGitHub(async (fx, gh) => {
    fx.pushHumanBranch('dana/new-tag', 'apps/checkout/values.yaml', t => t.replace('tag: "4.12.1"', 'tag: "4.13.0"'));
    const tag = gh.openHumanPull({ head: 'dana/new-tag', base: 'main', title: 'checkout 4.13.0' });
    const r = await review(fx, gh, tag.number);
    assert.equal(r.action, 'skipped');
    assert.match(r.reason!, /changes no resource, replica or HPA setting/);

    fx.pushHumanBranch('rightsizer/all', 'apps/checkout/values.yaml', t => t.replace('    cpu: 1500m\n', '    cpu: 500m\n'));
    const own = gh.openHumanPull({ head: 'rightsizer/all', base: 'main', title: 'Rightsize', author: 'rightsizer[bot]' });
    const o = await review(fx, gh, own.number);
    assert.equal(o.action, 'skipped');
    assert.match(o.reason!, /rightsizer's own pull request/);
    assert.equal(gh.comments.length, 0);
  });
});

test('two refs without GitHub: an HPA minimum raised above today\'s replicas is priced as the replicas it forces', async () => {
  const fx = makeGitFixture();
  try {
    git(fx.checkout, ['checkout', '-q', '-b', 'hpa']);
    const file = path.join(fx.checkout, 'manifests/search/search.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('minReplicas: 4', 'minReplicas: 8'));
    git(fx.checkout, ['commit', '-q', '-am', 'search: keep 8 warm']);
    const r = await reviewPullRequest({ base: 'main', head: 'hpa', demo: true, repoDir: fx.checkout, snapshot: snapshotFile, dryRun: true, env: {}, log: () => {} });
    assert.equal(r.action, 'would create');
    const [w] = r.review!.workloads;
    assert.equal(w.id, 'prod-eks/search/Deployment/search');
    assert.deepEqual(w.settings.map(s => [s.field, s.from, s.to]), [['hpa.minReplicas', '4', '8']]);
    const profile = snapshot.profiles.find(p => p.ref.name === 'search')!;
    assert.equal(profile.current.replicas, 4);
    const price = pickPrice(snapshot.prices, 'prod-eks', profile.current.nodePool)!;
    const c = profile.current.containers[0].requests;
    const perPodHour = c.cpuCores! * price.perVcpuHour + (c.memoryBytes! / 2 ** 30) * price.perGibHour;
    assert.equal(w.cost!.monthly, Math.round(4 * perPodHour * HOURS_PER_MONTH * 100) / 100);
    assert.match(w.settings[0].evidence, /ran \d+–\d+ replicas .*this raises the HPA minReplicas to 8.*the HPA must then run 8 replicas instead of today's 4/);
  } finally {
    fx.cleanup();
  }
});

test('a GitOps tree in a subfolder of the repository: paths are taken from the configuration\'s folder', async () => {
  const source = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-review-monorepo-'));
  cpSync(FIXTURE_REPO, path.join(source, 'deploy/gitops'), { recursive: true });
  writeFileSync(path.join(source, 'README.md'), 'monorepo\n');
  const fx = makeGitFixture(source);
  try {
    git(fx.checkout, ['checkout', '-q', '-b', 'more-cpu']);
    const file = path.join(fx.checkout, 'deploy/gitops/apps/checkout/values.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    cpu: 1500m\n', '    cpu: "2"\n'));
    git(fx.checkout, ['commit', '-q', '-am', 'checkout: 2 cores']);
    const r = await reviewPullRequest({ base: 'main', head: 'more-cpu', demo: true, repoDir: path.join(fx.checkout, 'deploy/gitops'), snapshot: snapshotFile, dryRun: true, env: {}, log: () => {} });
    assert.equal(r.action, 'would create');
    assert.deepEqual(r.review!.workloads.map(w => w.id), ['prod-eks/shop/Deployment/checkout']);
    assert.equal(r.review!.workloads[0].settings[0].location.file, 'apps/checkout/values.yaml');
  } finally {
    fx.cleanup();
    rmSync(source, { recursive: true, force: true });
  }
});

test('a pull request from a fork is read from refs/pull/N/head, as GitHub keeps it', async () => {
  await withGitHub(async (fx, gh) => {
    fx.pushHumanBranch('fork-work', 'apps/checkout/values.yaml', t => t.replace('    cpu: 1500m\n', '    cpu: 1800m\n'));
    const pr = gh.openHumanPull({ head: 'patch-1', base: 'main', title: 'from a fork', author: 'outsider' });
    // The fork's branch is not in this repository; GitHub keeps the head under refs/pull/N/head.
    git(fx.bare, ['update-ref', `refs/pull/${pr.number}/head`, fx.branchSha('fork-work')!]);
    git(fx.bare, ['update-ref', '-d', 'refs/heads/fork-work']);
    const r = await review(fx, gh, pr.number);
    assert.equal(r.action, 'created');
    assert.match(gh.comments[0].body, /cpu\.request \(checkout\) 1500m → 1800m/);
  });
});
