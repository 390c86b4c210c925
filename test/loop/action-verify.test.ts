// The Action's `mode: verify` (src/action, run as the runner runs it: INPUT_* in the
// environment, outputs and the job summary in files) against the strict fake GitHub: it reads
// the merged change, writes verify-file and the job summary, and fails with an annotation when
// the cluster's Prometheus cannot be read (the change is then unknown, never undone).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { renderLedgerBlock } from '../../src/loop/ledger.ts';

const TOKEN = 'ghp_actionVerifyToken000000000000000';
let dir: string, fx: GitFixture, gh: FakeGitHub, prom: Server, promUrl: string;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-verify-'));
  const source = path.join(dir, 'source');
  mkdirSync(source);
  writeFileSync(path.join(source, 'README.md'), 'gitops\n');
  fx = makeGitFixture(source);
  gh = await startFakeGitHub({ repo: 'example/gitops', bareDir: fx.bare, token: TOKEN });
  const merged = new Date(Date.now() - 86_400_000).toISOString();
  const block = { v: 1 as const, kind: 'change' as const, plan: 1, window: { start: merged, end: merged }, workloads: [{ id: 'test/shop/Deployment/api', containers: [{ name: 'api', values: { 'cpu.request': [1, 0.5] as [number, number] } }], values: {} }] };
  gh.pulls.push({
    number: 2, title: 'rightsizer: rightsize 1 workload', body: `Body\n\n${renderLedgerBlock(block)}\n`, head: 'rightsizer/all', base: 'main', state: 'closed', draft: false,
    merged_at: merged, closed_at: merged, created_at: merged, labels: ['rightsizer'], assignees: [], reviewers: [], teamReviewers: [],
  });
  prom = createServer((_req, res) => { res.writeHead(400, { 'content-type': 'application/json' }); res.end('{"status":"error","errorType":"bad_data","error":"storage is read-only"}'); });
  await new Promise<void>(resolve => prom.listen(0, '127.0.0.1', resolve));
  promUrl = `http://127.0.0.1:${(prom.address() as AddressInfo).port}`;
  writeFileSync(path.join(fx.checkout, 'rightsizer.yaml'), `clusters:\n  - name: test\n    cloud: on-prem\n    prometheus: { url: ${promUrl} }\nrepository: { github: example/gitops }\n`);
});

after(async () => {
  await gh?.close();
  await new Promise<void>(resolve => (prom ? prom.close(() => resolve()) : resolve()));
  fx?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Action mode verify: verify-file, job summary, and an error annotation for a Prometheus that cannot be read', async () => {
  const files = { output: path.join(dir, 'output'), summary: path.join(dir, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: fx.checkout,
    GITHUB_REPOSITORY: 'example/gitops', GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: dir,
    INPUT_MODE: 'verify', 'INPUT_GITHUB-TOKEN': TOKEN, 'INPUT_GITHUB-API-URL': gh.apiUrl,
  };
  const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', path.join(repoRoot, 'test/helpers/deny-network.mjs'), path.join(repoRoot, 'src/action/index.ts')], { cwd: fx.checkout, env });
    let out = '';
    child.stdout.on('data', d => { out += d; });
    child.on('error', reject);
    child.on('close', c => resolve({ stdout: out, code: c }));
  });
  assert.equal(code, 1, stdout);
  assert.match(stdout, /^::add-mask::ghp_actionVerifyToken0+$/m);
  assert.match(stdout, /^::error title=rightsizer::prometheus:test could not be read: the merged changes there are unknown this run/m);
  const outputs = Object.fromEntries([...readFileSync(files.output, 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map(m => [m[1], m[3]]));
  const result = JSON.parse(readFileSync(outputs['verify-file'], 'utf8'));
  assert.deepEqual(result.changes.map((c: { pr: number; state: string }) => [c.pr, c.state]), [[2, 'unknown']]);
  assert.deepEqual(result.failedSources.map((f: { source: string }) => f.source), ['prometheus:test']);
  assert.match(readFileSync(files.summary, 'utf8'), /## rightsizer verify\n\n```\n#2 UNKNOWN: #2: unknown this run, prometheus:test could not be read\nfailed: prometheus:test: /);
  assert.equal(stdout.split(TOKEN).length - 1, 1, 'the token appears only in the mask command');
  assert.deepEqual(gh.violations, []);
  assert.equal(gh.comments.length, 0, 'nothing is commented on a change whose state is unknown');
});
