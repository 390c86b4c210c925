// The walking skeleton, end to end: `rightsizer plan --demo` runs the real pipeline against the
// in-process replay server, stays on 127.0.0.1, and its diff applies cleanly to the demo repo.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import type { Plan } from '../../src/core/plan.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const denyNetwork = path.join(repoRoot, 'test/helpers/deny-network.mjs');

// How long the demo takes is a benchmark's business (BENCHMARKS.md), never a test's.
function runDemo(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', denyNetwork, cli, 'plan', '--demo', '--no-color', ...args], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 64 * 2 ** 20,
  });
}

test('the demo plan is JSON with CPU, memory, replicas and GPU changes, each priced from replayed billing', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-demo-'));
  const netLog = path.join(tmp, 'net.log');
  const run = runDemo(['--output', 'json'], { RIGHTSIZER_NET_LOG: netLog });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(!existsSync(netLog), `the demo tried to leave 127.0.0.1:\n${existsSync(netLog) ? readFileSync(netLog, 'utf8') : ''}`);
  const plan = JSON.parse(run.stdout) as Plan;
  const changed = plan.recommendations.filter(r => r.status === 'ok');
  const priced = (pred: (r: Plan['recommendations'][number]) => boolean) =>
    changed.filter(pred).filter(r => r.cost && r.cost.priceSource === 'billing-effective' && Number.isFinite(r.cost.monthly));
  assert.ok(priced(r => r.containers.some(c => c.cpuRequest)).length > 0, 'a CPU change priced from billing');
  assert.ok(priced(r => r.containers.some(c => c.memoryRequest || c.memoryLimit)).length > 0, 'a memory change priced from billing');
  assert.ok(priced(r => Boolean(r.replicas || r.hpa?.minReplicas)).length > 0, 'a replicas change priced from billing');
  assert.ok(priced(r => r.containers.some(c => c.gpuRequest || c.gpuLimit)).length > 0, 'a GPU change priced from billing');
  const clouds = new Set(changed.map(r => r.ref.cluster));
  assert.ok(clouds.size >= 3, `changes on all three clouds, got ${[...clouds]}`);
  rmSync(tmp, { recursive: true, force: true });
});

test('the printed diff applies cleanly and changes only resource, replica and HPA lines', () => {
  const run = runDemo([]);
  assert.equal(run.status, 0, run.stderr);
  const start = run.stdout.indexOf('diff --git ');
  assert.ok(start >= 0, 'the table output contains a diff');
  const end = run.stdout.indexOf('\nPull request it would open', start);
  const diff = run.stdout.slice(start, end < 0 ? undefined : end + 1);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-apply-'));
  cpSync(path.join(repoRoot, 'fixtures/gitops-repo'), tmp, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: tmp });
  execFileSync('git', ['apply', '--check', '-'], { cwd: tmp, input: diff });
  execFileSync('git', ['apply', '-'], { cwd: tmp, input: diff });
  const changedLines = diff.split('\n').filter(l => /^[-+](?![-+]{2} )/.test(l));
  assert.ok(changedLines.length > 0);
  const allowed = /^[-+]\s*(-\s*)?(cpu|memory|nvidia\.com\/gpu|replicas|replicaCount|count|minReplicas|maxReplicas|averageUtilization|requests|limits|resources|target(CPU|Memory)UtilizationPercentage)\s*:|^[-+]\s*(requests|limits|resources): \{/;
  for (const line of changedLines) assert.match(line, allowed, `unexpected changed line: ${line}`);
  // Every byte outside the changed lines is the same: re-apply in reverse gives the original files.
  execFileSync('git', ['apply', '-R', '-'], { cwd: tmp, input: diff });
  for (const file of execFileSync('git', ['ls-files', '--others'], { cwd: tmp, encoding: 'utf8' }).split('\n').filter(Boolean)) {
    assert.equal(readFileSync(path.join(tmp, file), 'utf8'), readFileSync(path.join(repoRoot, 'fixtures/gitops-repo', file), 'utf8'), file);
  }
  rmSync(tmp, { recursive: true, force: true });
});

test('bad input gives one clear line and a non-zero exit, no stack trace', () => {
  const unknown = spawnSync(process.execPath, [cli, 'plan', '--bogus'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /);

  const missing = spawnSync(process.execPath, [cli, 'plan', '--config', 'no-such-rightsizer.yaml'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no-such-rightsizer\.yaml: configuration file not found/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);

  const debug = spawnSync(process.execPath, [cli, 'plan', '--config', 'no-such-rightsizer.yaml', '--debug'], { cwd: repoRoot, encoding: 'utf8' });
  assert.match(debug.stderr, /\n\s+at /, '--debug shows the stack');
});
