// The bundled Action run as the runner runs it: INPUT_* and GITHUB_* in the environment,
// outputs and the job summary written to files, the plan identical to the CLI's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { startFakeGitHub } from '../helpers/fake-github.ts';
import { git, makeGitFixture } from '../helpers/git-fixture.ts';

const bundle = path.join(repoRoot, 'dist/index.js');

test('plan mode on the demo writes outputs, a job summary, and the same plan as the CLI', async () => {
  const run = await runAction({ mode: 'plan', demo: 'true', 'dry-run': 'true' });
  try {
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.ok(Number(run.outputs.recommendations) >= 5, JSON.stringify(run.outputs));
    assert.ok(Number(run.outputs['monthly-savings']) > 0, 'the demo saves money');
    assert.match(run.summary, /## rightsizer/);
    assert.match(run.summary, /prod-gke\/ml\/Deployment\/llm-inference/);
    const cli = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'plan', '--demo', '--output', 'json', '--quiet'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(readFileSync(run.outputs['plan-file'], 'utf8'), cli.stdout, 'the Action and the CLI produce the same plan byte for byte');
  } finally {
    run.cleanup();
  }
});

test('secret inputs are masked and a bad input becomes an error annotation', async () => {
  const run = await runAction({ mode: 'deploy', 'github-token': 'ghp_MASKME1234567890' });
  try {
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^::add-mask::ghp_MASKME1234567890$/m);
    assert.match(run.stdout, /^::error title=rightsizer::input mode must be/m);
  } finally {
    run.cleanup();
  }
});

test('a configuration error is annotated on its file and line', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-config-'));
  writeFileSync(path.join(dir, 'rightsizer.yaml'), 'clusters:\n  - name: prod\n    cloud: moon\n    prometheus: {url: http://127.0.0.1:1}\n');
  const run = await runAction({ mode: 'plan', config: path.join(dir, 'rightsizer.yaml') });
  try {
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^::error file=.*rightsizer\.yaml,line=3,col=\d+::/m);
  } finally {
    run.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Runs dist/index.js as the runner does: INPUT_* and GITHUB_* in the environment, outputs and the
 * job summary in files. Asynchronous, so a fake GitHub in this process keeps answering.
 */
async function runAction(inputs: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-'));
  const files = { output: path.join(dir, 'output'), summary: path.join(dir, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: repoRoot, GITHUB_REPOSITORY: 'example/platform-gitops',
    GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: dir,
    // The runner's environment is not passed on; the test run's compile cache is (it only saves start-up time).
    ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}),
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', path.join(repoRoot, 'test/helpers/deny-network.mjs'), bundle], { cwd: repoRoot, env });
    let out = '', err = '';
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { err += d; });
    child.on('error', reject);
    child.on('close', c => resolve({ stdout: out, stderr: err, code: c }));
  });
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(files.output, 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]] = m[3];
  return { status: code, stdout, stderr, outputs, summary: readFileSync(files.summary, 'utf8'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('pr mode on the demo opens one pull request against the local bare repo and GitHub, then updates nothing', async () => {
  const TOKEN = 'ghp_actionTestToken00000000000000000';
  const fx = makeGitFixture();
  const gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  try {
    const inputs = { mode: 'pr', demo: 'true', 'repo-dir': fx.checkout, 'github-token': TOKEN, 'github-api-url': gh.apiUrl, 'github-repo': 'example/platform-gitops' };
    const first = await runAction(inputs);
    try {
      assert.equal(first.status, 0, first.stdout + first.stderr);
      assert.match(first.outputs['pr-url'], /^http:\/\/127\.0\.0\.1:\d+\/example\/platform-gitops\/pull\/1$/);
      assert.equal(first.outputs['pr-number'], '1');
      assert.ok(Number(first.outputs['monthly-savings']) > 0);
      assert.match(first.summary, /Pull request: http:\/\/127\.0\.0\.1:\d+\/example\/platform-gitops\/pull\/1/);
      assert.match(first.stdout, /^::add-mask::ghp_actionTestToken/m);
      assert.ok(!(first.stdout + first.stderr).replace(/^::add-mask::.*$/m, '').includes(TOKEN), 'the token appears only in the mask command');
    } finally {
      first.cleanup();
    }
    const sha = fx.branchSha('rightsizer/all');
    const second = await runAction(inputs);
    try {
      assert.equal(second.status, 0, second.stdout + second.stderr);
      assert.equal(fx.branchSha('rightsizer/all'), sha, 'nothing changed: nothing pushed');
    } finally {
      second.cleanup();
    }
    assert.equal(gh.openPulls().length, 1);
    assert.equal(fx.commitsOver('main', 'rightsizer/all'), 1);
    assert.deepEqual(gh.violations, []);
  } finally {
    await gh.close();
    fx.cleanup();
  }
});

test('review mode on a pull_request event comments once on a person\'s PR and edits that comment on the next push', async () => {
  const TOKEN = 'ghp_actionReviewToken000000000000000';
  const fx = makeGitFixture();
  const gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-review-'));
  try {
    // The scheduled run's snapshot, then a person's branch raising CPU, opened as a pull request.
    const collected = await runAction({ mode: 'collect', demo: 'true', 'snapshot-out': path.join(dir, 'snapshot.json') });
    collected.cleanup();
    assert.equal(collected.status, 0, collected.stdout + collected.stderr);
    git(fx.root, ['clone', '-q', fx.remoteUrl, fx.human]);
    const push = (cpu: string, fresh: boolean) => {
      git(fx.human, ['fetch', '-q', 'origin']);
      git(fx.human, ['checkout', '-q', '-B', 'dana/cpu', fresh ? 'origin/main' : 'origin/dana/cpu']);
      const file = path.join(fx.human, 'apps/checkout/values.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^( {4}cpu: )\S+$/m, `$1${cpu}`));
      git(fx.human, ['commit', '-q', '-am', `cpu ${cpu}`]);
      git(fx.human, ['push', '-q', 'origin', 'dana/cpu']);
    };
    push('"4"', true);
    const pr = gh.openHumanPull({ head: 'dana/cpu', base: 'main', title: 'more CPU' });
    const event = path.join(dir, 'event.json');
    writeFileSync(event, JSON.stringify({ action: 'opened', number: pr.number, pull_request: { number: pr.number } }));
    const inputs = { mode: 'review', demo: 'true', 'repo-dir': fx.checkout, snapshot: path.join(dir, 'snapshot.json'), 'github-token': TOKEN, 'github-api-url': gh.apiUrl };
    const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event };
    const first = await runAction(inputs, env);
    try {
      assert.equal(first.status, 0, first.stdout + first.stderr);
      assert.match(first.outputs['review-comment-url'], new RegExp(`/pull/${pr.number}#issuecomment-1$`));
      assert.match(first.summary, /rightsizer cost review/);
    } finally { first.cleanup(); }
    push('"6"', false);
    const second = await runAction({ ...inputs }, { ...env, GITHUB_EVENT_NAME: 'pull_request' });
    try { assert.equal(second.status, 0, second.stdout + second.stderr); } finally { second.cleanup(); }
    const comments = gh.comments.filter(c => c.issue === pr.number);
    assert.equal(comments.length, 1, 'one comment, edited in place');
    assert.match(comments[0].body, /cpu\.request \(checkout\) 1500m → 6/);
    assert.deepEqual(gh.violations, []);

    // Not a pull_request event and no pr-number: a clear error.
    const wrong = await runAction(inputs, { GITHUB_EVENT_NAME: 'schedule' });
    try { assert.match(wrong.stdout, /^::error title=rightsizer::mode review needs a pull request: run it on pull_request events \(this is schedule\)/m); } finally { wrong.cleanup(); }
  } finally {
    await gh.close();
    fx.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report mode on the demo writes the cost report to the job summary and as JSON', async () => {
  const run = await runAction({ mode: 'report', demo: 'true' });
  try {
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(readFileSync(run.outputs['report-file'], 'utf8'));
    assert.ok(report.spend && report.forecast !== undefined, Object.keys(report).join(', '));
    assert.match(run.summary, /aws|AWS/);
    assert.match(run.summary, /gcp|Google Cloud/);
    assert.match(run.summary, /azure|Azure/);
  } finally {
    run.cleanup();
  }
});

test('collect mode per shard, then merge mode, give one snapshot holding the workloads of both shards', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-shards-'));
  try {
    const shards = [];
    for (const shard of ['1/2', '2/2']) {
      const run = await runAction({ mode: 'collect', demo: 'true', shard, 'snapshot-out': path.join(dir, `snapshot-${shard[0]}.json`) });
      try {
        assert.equal(run.status, 0, run.stdout + run.stderr);
        shards.push(JSON.parse(readFileSync(run.outputs['snapshot-file'], 'utf8')) as { profiles: unknown[] });
      } finally { run.cleanup(); }
    }
    const merged = await runAction({ mode: 'merge', snapshots: `${dir}/snapshot-*.json`, 'snapshot-out': path.join(dir, 'snapshot.json') });
    try {
      assert.equal(merged.status, 0, merged.stdout + merged.stderr);
      assert.equal(merged.outputs['snapshot-file'], path.join(dir, 'snapshot.json'));
      const snapshot = JSON.parse(readFileSync(path.join(dir, 'snapshot.json'), 'utf8')) as { profiles: unknown[] };
      assert.equal(snapshot.profiles.length, shards[0]!.profiles.length + shards[1]!.profiles.length);
      assert.ok(shards.every(s => s.profiles.length > 0), 'each shard holds some workloads');
    } finally { merged.cleanup(); }
    const none = await runAction({ mode: 'merge', snapshots: `${dir}/nothing-*.json` });
    try {
      assert.equal(none.status, 1);
      assert.match(none.stdout, /^::error title=rightsizer::input snapshots: .*nothing-\*\.json matches no file/m);
    } finally { none.cleanup(); }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
