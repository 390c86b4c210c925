// `rightsizer pr --demo` as a user runs it: the CLI spawned three times against a bare git
// repository over file:// and the fake GitHub. Exactly one open PR, whose body is the latest
// plan's, and no commit when nothing changed.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { readMarker } from '../../src/deliver/github.ts';
import { groupPlan } from '../../src/deliver/group.ts';
import { renderPullRequestBody } from '../../src/deliver/pr-body.ts';
import { demoSnapshot } from '../helpers/demo-snapshot.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'ghp_cliTestToken0000000000000000000';

let fx: GitFixture;
let gh: FakeGitHub;

async function fresh(): Promise<void> {
  await gh?.close();
  fx?.cleanup();
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
}

before(fresh);

after(async () => {
  await gh.close();
  fx.cleanup();
});

async function pr(...extra: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [
    '--import', path.join(root, 'test/helpers/deny-network.mjs'),
    path.join(root, 'src/cli/bin.ts'), 'pr', '--demo', '--repo-dir', fx.checkout,
    '--github-api-url', gh.apiUrl, '--github-repo', 'example/platform-gitops', ...extra,
  ], { cwd: root, env: { ...process.env, GITHUB_TOKEN: TOKEN, NO_COLOR: '1' }, timeout: 120_000 });
}

test('rightsizer pr --plan three times (a newer plan in between): one open PR with the latest body, no extra commits', async () => {
  const planA = path.join(fx.root, 'plan-a.json');
  const planB = path.join(fx.root, 'plan-b.json');
  writeFileSync(planA, JSON.stringify(fixturePlan(fx.checkout)));
  const b = fixturePlan(fx.checkout, { checkoutCpuMillis: 400 });
  writeFileSync(planB, JSON.stringify(b));
  assert.match((await pr('--plan', planA)).stdout, /^rightsizer\/all: created #1 /m);
  assert.match((await pr('--plan', planB)).stdout, /^rightsizer\/all: updated #1 /m);
  const sha = fx.branchSha('rightsizer/all');
  const third = await pr('--plan', planB, '--output', 'json');
  assert.equal(JSON.parse(third.stdout).pullRequests[0].action, 'unchanged');
  assert.equal(fx.branchSha('rightsizer/all'), sha);
  assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
  assert.equal(gh.openPulls().length, 1);
  const group = groupPlan(b, 'repository', 'rightsizer/')[0];
  assert.ok(gh.openPulls()[0].body.startsWith(renderPullRequestBody(group, b).trimEnd()));
  assert.deepEqual(gh.violations, []);
});

test('rightsizer pr --demo three times: one open PR, one commit, nothing pushed when nothing changed', async () => {
  await fresh();
  const dry = await pr('--dry-run');
  assert.match(dry.stdout, /rightsizer\/all: would create .*dry run/);
  assert.equal(fx.branchSha('rightsizer/all'), undefined, 'a dry run pushes nothing');
  assert.equal(gh.requests.filter(r => r.method !== 'GET').length, 0);
  // The dashboard issue is previewed like the pull request.
  assert.match(dry.stdout, /^dashboard: would create$/m);
  assert.match(dry.stdout, /Dashboard issue it would create:\n\n<!-- rightsizer:dashboard -->\n/);

  // The dry run above collected the demo; the three real runs plan from one collection of it.
  const first = await pr('--snapshot', demoSnapshot());
  assert.match(first.stdout, /^rightsizer\/all: created #1 http:\/\/127\.0\.0\.1:\d+\/example\/platform-gitops\/pull\/1$/m);
  const sha = fx.branchSha('rightsizer/all');
  assert.ok(sha);
  const second = await pr('--snapshot', demoSnapshot());
  const third = await pr('--snapshot', demoSnapshot());
  for (const out of [second, third]) assert.match(out.stdout, /^rightsizer\/all: unchanged #1/m);
  assert.equal(fx.branchSha('rightsizer/all'), sha, 'no extra commits');
  assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
  assert.equal(gh.openPulls().length, 1);
  assert.equal(gh.pulls.length, 1);
  // One dashboard issue, created by the first run and left alone by the two that changed nothing.
  assert.match(first.stdout, /^dashboard: created #2 /m);
  for (const out of [second, third]) assert.match(out.stdout, /^dashboard: unchanged #2 /m);
  assert.equal(gh.issues.length, 1);
  assert.match(gh.issues[0].body, /## Open pull requests\n\n- \[#1\]/);

  // The body is the one `rightsizer plan --demo --output markdown` renders for the same plan.
  const { stdout: markdown } = await run(process.execPath, [path.join(root, 'src/cli/bin.ts'), 'plan', '--demo', '--snapshot', demoSnapshot(), '--repo-dir', fx.checkout, '--output', 'markdown'], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
  const body = gh.openPulls()[0].body;
  assert.ok(readMarker(body));
  const rendered = markdown.replace(/^# .*\n\n/, '').trimEnd();
  assert.ok(body.startsWith(rendered), 'the PR body is the latest plan\'s');
  assert.deepEqual(gh.violations, []);
  for (const out of [dry, first, second, third]) assert.ok(!`${out.stdout}${out.stderr}`.includes(TOKEN));
});
