// The token never shows: not in output, logs, errors, the remote URL or .git/config, in plain
// text or in the base64 forms git and HTTP use.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect, promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { deliverPullRequests, type DeliverOptions } from '../../src/deliver/index.ts';
import { Redactor } from '../../src/deliver/redact.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { fixturePlan, git, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';

const TOKEN = 'ghp_TESTTOKEN1234567890abcdef';
const FORMS = [
  TOKEN,
  Buffer.from(TOKEN).toString('base64'),
  Buffer.from(TOKEN).toString('base64').replace(/=+$/, ''),
  Buffer.from(`x-access-token:${TOKEN}`).toString('base64'),
  Buffer.from(`x-access-token:${TOKEN}`).toString('base64').replace(/=+$/, ''),
];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function assertClean(what: string, text: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `${what} contains the token (as ${form === TOKEN ? 'plain text' : 'base64'})`);
}

let fx: GitFixture;
let gh: FakeGitHub;
const lines: string[] = [];

const options = (over: Partial<DeliverOptions> = {}): DeliverOptions => ({
  repoDir: fx.checkout, githubRepo: 'example/platform-gitops', githubApiUrl: gh.apiUrl, token: TOKEN, baseBranch: 'main',
  pullRequests: { groupBy: 'repository', branchPrefix: 'rightsizer/', labels: ['rightsizer'], reviewers: ['alice'], assignees: [], maxOpenPullRequests: 10, maxPullRequestsPerRun: 5, closedCooldownDays: 30, signCommits: false },
  log: l => lines.push(l), githubTimings: { retryAfterBaseValue: 1, spaceWrites: false }, ...over,
});

before(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
});

after(async () => {
  await gh.close();
  fx.cleanup();
});

test('a whole run, its errors and the CLI never show the token', async () => {
  const results: unknown[] = [];
  results.push(await deliverPullRequests(fixturePlan(fx.checkout), options({ dryRun: true })));
  results.push(await deliverPullRequests(fixturePlan(fx.checkout), options()));
  results.push(await deliverPullRequests(fixturePlan(fx.checkout, { checkoutCpuMillis: 300 }), options({ pullRequests: { ...options().pullRequests, signCommits: true } })));
  fx.pushHumanCommit('rightsizer/all', 'apps/checkout/values.yaml', t => t.replace('replicaCount: 4', 'replicaCount: 5'));
  results.push(await deliverPullRequests(fixturePlan(fx.checkout), options()));
  assert.ok(gh.calls('pulls/create')[0].authorization?.includes(TOKEN), 'the token was used');

  // GitHub (or a proxy) echoing the credentials back in an error.
  const errors: unknown[] = [];
  gh.intercept = req => req.operationId === 'pulls/list'
    ? { status: 500, body: { message: `upstream said: Authorization: token ${TOKEN} / basic ${FORMS[3]}` } }
    : undefined;
  await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options({ githubTimings: { retryAfterBaseValue: 1, spaceWrites: false } })), err => { errors.push(err); return true; });
  gh.intercept = undefined;
  await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options({ githubRepo: 'example/elsewhere' })), err => { errors.push(err); return true; });
  await assert.rejects(deliverPullRequests(fixturePlan(fx.checkout), options({ repoDir: path.join(fx.root, 'missing') })), err => { errors.push(err); return true; });
  assert.equal(errors.length, 3);
  for (const err of errors) {
    assertClean('an error message', (err as Error).message);
    assertClean('an error stack', (err as Error).stack ?? '');
    assertClean('an inspected error', inspect(err, { depth: 10 }));
    if (err instanceof UserError) assertClean('a hint', err.hint ?? '');
  }
  assert.match((errors[0] as Error).message, /upstream said: Authorization: token \*\*\* \/ basic \*\*\*/);

  assertClean('the log', lines.join('\n'));
  assertClean('the results', JSON.stringify(results));
  assertClean('the remote URL', git(fx.checkout, ['remote', 'get-url', 'origin']));
  assertClean('.git/config', readFileSync(path.join(fx.checkout, '.git/config'), 'utf8'));
  assertClean('the refs and logs of the checkout', git(fx.checkout, ['log', '--all', '--format=%H %s %b']));

  // The CLI, with the token in its environment only.
  const planFile = path.join(fx.root, 'plan.json');
  writeFileSync(planFile, JSON.stringify(fixturePlan(fx.checkout, { checkoutCpuMillis: 250 })));
  const run = promisify(execFile);
  const cli = (args: string[]) => run(process.execPath, [path.join(root, 'src/cli/bin.ts'), 'pr', '--demo', '--plan', planFile, '--repo-dir', fx.checkout, '--github-api-url', gh.apiUrl, ...args], { cwd: root, env: { ...process.env, GITHUB_TOKEN: TOKEN, NO_COLOR: '1' } })
    .catch((err: { stdout: string; stderr: string; code: number }) => err);
  const outs = await Promise.all([cli(['--github-repo', 'example/platform-gitops', '--dry-run']), cli(['--github-repo', 'example/nope']), cli(['--github-repo', 'example/nope', '--debug'])]);
  for (const o of outs) assertClean('CLI output', `${o.stdout}\n${o.stderr}`);
  assert.match(outs[1].stderr, /not found \(HTTP 404\)/);
  assertClean('.git/config after the CLI', readFileSync(path.join(fx.checkout, '.git/config'), 'utf8'));
});

test('the Redactor masks every form of a secret', () => {
  const r = new Redactor();
  r.add(TOKEN);
  r.add('abc'); // too short to mask: ignored
  const text = [
    `token ${TOKEN}`,
    `AUTHORIZATION: basic ${FORMS[3]}`,
    `b64 ${FORMS[1]}`,
    `url https://x-access-token:${TOKEN}@github.com/a/b.git`,
    `url https://someone:other-password@example.com/x`,
    `encoded ${encodeURIComponent(TOKEN)}`,
    'abc stays',
  ].join('\n');
  const out = r.redact(text);
  assertClean('redacted text', out);
  assert.ok(!out.includes('other-password'));
  assert.match(out, /abc stays/);

  const cause = new Error(`inner ${TOKEN}`);
  const err = r.error(new UserError(`outer ${TOKEN}`, { hint: `try ${FORMS[1]}`, cause, exitCode: 2 }));
  assert.ok(err instanceof UserError);
  assert.equal((err as UserError).exitCode, 2);
  assert.equal(err.message, 'outer ***');
  assert.equal((err as UserError).hint, 'try ***');
  assert.equal(err.cause, undefined);

  const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretsecretsecretsecret\nAnotherLineOfKeyMaterial0123456789\n-----END RSA PRIVATE KEY-----\n';
  r.add(key);
  assert.ok(!r.redact(`oops AnotherLineOfKeyMaterial0123456789 in a message`).includes('AnotherLineOfKeyMaterial'));
});
