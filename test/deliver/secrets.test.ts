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

// ---------------------------------------------------------------------------
// Every secret the configuration can hold, and every source and sink failing and echoing them.

const SECRETS: Record<string, string> = {
  PROM_BEARER: 'promBearerSecret0123456789abcdefXYZ',
  PROM_USER: 'prom-basic-user-42',
  PROM_PASS: 'promBasicPassw0rd-secret-777',
  ORG_ID: 'tenant-org-5f3a9c1e77',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AZ_TENANT: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  AZ_CLIENT: 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff',
  AZ_SECRET: 'azureClientSecret~Value.0123456789',
  GCP_KEY: JSON.stringify({ type: 'service_account', private_key_id: 'gcpPrivateKeyId0123456789abcdef', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASCgcpSecretKeyMaterial\n-----END PRIVATE KEY-----\n', client_email: 'bot@p.iam.gserviceaccount.com' }),
  SLACK_WEBHOOK: 'https://hooks.slack.com/services/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3',
  SLACK_BOT: 'xoxb-1234567890-0987654321-slackBotTokenSecret',
  GITHUB_TOKEN: TOKEN,
};

/** Every form a secret travels in: plain, base64 (standard, unpadded, URL-safe), URL-encoded, and basic auth pairs. */
function forms(): string[] {
  const out: string[] = [];
  for (const v of Object.values(SECRETS)) {
    const b = Buffer.from(v);
    out.push(v, encodeURIComponent(v), b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'));
  }
  const basic = Buffer.from(`${SECRETS.PROM_USER}:${SECRETS.PROM_PASS}`).toString('base64');
  out.push(basic, basic.replace(/=+$/, ''));
  return out.filter(f => f.length >= 6);
}

function assertNoSecret(what: string, text: string): void {
  for (const f of forms()) assert.ok(!text.includes(f), `${what} contains a secret (${f.slice(0, 6)}…)`);
}

/** A server that fails every request and echoes back everything it was sent: URL, headers, body. */
async function startEchoServer(): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', c => { body += c; });
    req.on('end', () => {
      state.requests++;
      const echo = `you sent ${req.method} ${req.url} with ${JSON.stringify(req.headers)} and ${body}`;
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: echo, message: echo, __type: 'ValidationException' }));
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, get requests() { return state.requests; }, close: () => new Promise(resolve => server.close(() => resolve())) };
}

test('every secret the configuration can hold stays out of every output, file and artifact when every source fails and echoes it', async () => {
  const echo = await startEchoServer();
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'rightsizer-secrets-'));
  try {
    writeFileSync(path.join(dir, 'rightsizer.yaml'), [
      'clusters:',
      '  - name: prod-a',
      '    cloud: aws',
      '    prometheus:',
      `      url: ${echo.url}/bearer`,
      '      auth: {type: bearer, tokenEnv: PROM_BEARER}',
      '      headers: {X-Scope-OrgID: "${ORG_ID}"}',
      '  - name: prod-b',
      '    cloud: aws',
      '    prometheus:',
      `      url: ${echo.url}/basic`,
      '      auth: {type: basic, usernameEnv: PROM_USER, passwordEnv: PROM_PASS}',
      'billing:',
      '  aws: {region: us-east-1, endpoint: "' + echo.url + '/aws", accessKeyIdEnv: AWS_ACCESS_KEY_ID, secretAccessKeyEnv: AWS_SECRET_ACCESS_KEY}',
      'slack:',
      '  webhookUrlEnv: SLACK_WEBHOOK',
      'repository: {github: example/platform-gitops}',
      'policies: []',
      '',
    ].join('\n'));
    const run = promisify(execFile);
    const env = { ...process.env, ...SECRETS, NO_COLOR: '1', AZURE_CLIENT_SECRET: SECRETS.AZ_SECRET, AZURE_TENANT_ID: SECRETS.AZ_TENANT, AZURE_CLIENT_ID: SECRETS.AZ_CLIENT, GOOGLE_APPLICATION_CREDENTIALS_JSON: SECRETS.GCP_KEY };
    const cli = (args: string[]) => run(process.execPath, [path.join(root, 'src/cli/bin.ts'), ...args], { cwd: dir, env })
      .then(r => ({ ...r, code: 0 }), (err: { stdout: string; stderr: string; code: number }) => err);
    const snapshotFile = path.join(dir, 'snapshot.json');
    const collected = await cli(['collect', '--out', snapshotFile]);
    assert.ok(echo.requests >= 3, 'the sources were asked');
    assert.notEqual(collected.code, 0, 'collect exits non-zero when nothing could be read');
    assert.match(collected.stderr, /nothing could be read: all 3 sources failed/);
    const snapshot = readFileSync(snapshotFile, 'utf8');
    assert.match(snapshot, /you sent (GET|POST)/, "the echoed error is kept, masked");
    const outputs: Array<[string, string]> = [['collect output', collected.stdout + collected.stderr], ['the snapshot artifact', snapshot]];
    const runs = [['plan', '--snapshot', snapshotFile, '--repo-dir', dir, '--output', 'json'], ['report', '--snapshot', snapshotFile, '--output', 'markdown', '--out', path.join(dir, 'report.md')], ['report', '--snapshot', snapshotFile, '--output', 'html', '--out', path.join(dir, 'report.html')], ['collect', '--debug']];
    const results = await Promise.all(runs.map(cli));
    results.forEach((r, i) => outputs.push([runs[i].join(' '), r.stdout + r.stderr]));
    assert.match(results[0].stdout, /"failedSources"/, 'the plan carries the failed sources');
    for (const f of ['report.md', 'report.html']) outputs.push([f, readFileSync(path.join(dir, f), 'utf8')]);
    for (const [what, text] of outputs) assertNoSecret(what, text);
  } finally {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secrets written inline in rightsizer.yaml are never echoed, and a *Env holding a secret is an error', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(path.join(tmpdir(), 'rightsizer-inline-'));
  const run = promisify(execFile);
  try {
    for (const [line, expect] of [
      [`slack:\n  webhookUrlEnv: ${SECRETS.SLACK_WEBHOOK}\n`, /rightsizer\.yaml:2:\d+: .*webhookUrlEnv/],
      [`slack:\n  botTokenEnv: ${SECRETS.SLACK_BOT}\n`, /rightsizer\.yaml:2:\d+: .*botTokenEnv/],
      [`clusters:\n  - name: a\n    cloud: aws\n    prometheus:\n      url: http://127.0.0.1:9\n      auth: {type: bearer, tokenEnv: ${TOKEN}}\n`, /rightsizer\.yaml:6:\d+: .*tokenEnv: must be the name of an environment variable.*looks like a secret itself \(not shown\)/],
    ] as const) {
      writeFileSync(path.join(dir, 'rightsizer.yaml'), line);
      const r = await run(process.execPath, [path.join(root, 'src/cli/bin.ts'), 'plan'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } })
        .then(x => ({ ...x, code: 0 }), (err: { stdout: string; stderr: string; code: number }) => err);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expect);
      assertNoSecret('the configuration error', r.stdout + r.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seeded from a configuration, the run\'s redactor masks a Slack webhook echoed as its path, basic auth in base64 and an org id header', async () => {
  const { redact, seedSecrets } = await import('../../src/deliver/redact.ts');
  const env = { SLACK_WEBHOOK: SECRETS.SLACK_WEBHOOK, PROM_USER: SECRETS.PROM_USER, PROM_PASS: SECRETS.PROM_PASS, ORG_ID: SECRETS.ORG_ID };
  seedSecrets({
    clusters: [{ prometheus: { url: 'http://p', headers: { 'X-Scope-OrgID': '${ORG_ID}' }, auth: { type: 'basic', usernameEnv: 'PROM_USER', passwordEnv: 'PROM_PASS' } } }],
    slack: { webhookUrlEnv: 'SLACK_WEBHOOK' },
  }, env);
  const path = new URL(SECRETS.SLACK_WEBHOOK).pathname;
  const basic = Buffer.from(`${SECRETS.PROM_USER}:${SECRETS.PROM_PASS}`).toString('base64');
  const text = redact(`no_service: ${path} | Authorization: basic ${basic} | X-Scope-OrgID: ${SECRETS.ORG_ID} | ${SECRETS.SLACK_WEBHOOK.slice(8)}`);
  assertNoSecret('the redacted echo', text);
  assert.match(text, /^no_service: \*\*\* \| Authorization: basic \*\*\* \| X-Scope-OrgID: \*\*\* \| /);
});
