// Finding 14 (and 10): errors that misled now say what happened, at the configuration's line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { loadPolicies } from '../../src/policy/index.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { repoRoot } from '../helpers/shared.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
let dir: string;
before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-errors-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

function runWith(config: string, args: string[], env: Record<string, string> = {}) {
  writeFileSync(path.join(dir, 'rightsizer.yaml'), config);
  const clean: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...env };
  delete clean.PROM_HOST; delete clean.UNSET_TOKEN_VAR;
  return spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: clean });
}

const cluster = (prom: string) => `clusters:\n  - name: a\n    cloud: aws\n    prometheus:\n${prom}policies: []\n`;

for (const [what, config, args, expected] of [
  ['an undefined alias in rightsizer.yaml', cluster('      url: *nope\n'), ['collect'], /^error: rightsizer\.yaml:5:12: YAML: Unresolved alias/],
  ['${VAR} in url, unset', cluster('      url: http://${PROM_HOST}:9090\n'), ['collect'], /^error: rightsizer\.yaml:5:\d+: clusters\[0\]\.prometheus\.url: the environment variable PROM_HOST/],
  ['a missing tls.caFile', cluster('      url: https://127.0.0.1:9\n      tls: {caFile: /nonexistent/ca.pem}\n'), ['collect'], /^error: rightsizer\.yaml:6:\d+: clusters\[0\]\.prometheus\.tls\.caFile: \/nonexistent\/ca\.pem does not exist/],
  ['an unset tokenEnv, from plan', cluster('      url: https://127.0.0.1:9\n      auth: {type: bearer, tokenEnv: UNSET_TOKEN_VAR}\n'), ['plan'], /^error: rightsizer\.yaml:6:\d+: clusters\[0\]\.prometheus\.auth\.tokenEnv: the environment variable UNSET_TOKEN_VAR is not set/],
] as const) {
  test(`${what}: exit 2 with file:line`, () => {
    const r = runWith(config, [...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, expected);
    assert.doesNotMatch(r.stderr, /report it|Invalid URL|ENOENT/);
  });
}

test('an alias bomb or undefined alias in a policy file names file:line', () => {
  const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', ''].join('\n');
  const undefinedAlias = 'version: 1\nrules:\n  - name: r\n    bounds: *missing\n';
  for (const [text, message] of [[bomb, /^policies\/p\.yaml:3:\d+: YAML: /], [undefinedAlias, /^policies\/p\.yaml:4:13: YAML: Unresolved alias/]] as const) {
    const { errors } = loadPolicies([{ path: 'policies/p.yaml', text }]);
    assert.ok(errors.length >= 1);
    assert.match(errors[0].message, message);
  }
});

// ---------------------------------------------------------------------------

const TOKEN = 'ghp_errorMessagesTestToken0000000000000';
let fx: GitFixture;
let gh: FakeGitHub;
const options = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh?.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: { groupBy: 'repository', branchPrefix: 'rightsizer/', labels: [], reviewers: [], assignees: [], maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30 },
  log: () => {}, githubTimings: { retryAfterBaseValue: 1, spaceWrites: false }, ...over,
});

test('an unreachable GitHub API is "could not be reached", not HTTP 500', async () => {
  fx = makeGitFixture();
  try {
    await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), { ...options({ githubApiUrl: 'http://127.0.0.1:9' }) }), (err: unknown) => {
      assert.ok(err instanceof UserError, String(err));
      assert.match(err.message, /GitHub at http:\/\/127\.0\.0\.1:9 could not be reached to read the repository example\/platform-gitops \([^)]+\); no HTTP answer came back/);
      assert.doesNotMatch(err.message, /HTTP 500/);
      return true;
    });
  } finally { fx.cleanup(); }
});

test('a git HTTP 401 says the credentials were rejected, and a token in the remote URL is masked', async () => {
  const server = createServer((_req, res) => { res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }); res.end('no'); });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  const urlToken = 'glpat-remoteUrlTokenSecret123456';
  try {
    git(fx.checkout, ['remote', 'set-url', 'origin', `http://${urlToken}@127.0.0.1:${port}/repo.git`]);
    await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options()), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /the git remote http:\/\/\*\*\*@127\.0\.0\.1:\d+\/repo\.git rejected the credentials \(HTTP 401\)/);
      assert.doesNotMatch(err.message, /could not read Username/);
      assert.ok(!`${err.message}${err.hint}${err.stack}`.includes(urlToken));
      return true;
    });
  } finally {
    await gh.close();
    fx.cleanup();
    await new Promise(resolve => server.close(resolve));
  }
});
