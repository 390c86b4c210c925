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
import { disagreements } from '../gitops/coupling-ai-check.ts';

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
  const allowed = /^[-+]\s*(-\s*)?(cpu|memory|nvidia\.com\/gpu|amd\.com\/gpu|replicas|replicaCount|count|minReplicas|maxReplicas|averageUtilization|requests|limits|resources|target(CPU|Memory)UtilizationPercentage)\s*:|^[-+]\s*(requests|limits|resources): \{/;
  // Or a setting bound to a GPU count (src/gitops/coupling.ts): it changes in the same diff.
  const bound = /--(tensor|pipeline)[-_]parallel[-_]size|--num[-_]shard|--tp\b|TENSOR_PARALLEL_SIZE|tensorParallelSize|num-gpus/;
  for (const line of changedLines) if (!bound.test(line)) assert.match(line, allowed, `unexpected changed line: ${line}`);
  // Every changed workload's GPU count agrees with its bound settings after the diff is applied.
  const applied = execFileSync('git', ['ls-files', '--others'], { cwd: tmp, encoding: 'utf8' }).split('\n').filter(Boolean)
    .map(file => ({ path: file, text: readFileSync(path.join(tmp, file), 'utf8') }));
  assert.deepEqual(disagreements(applied), []);
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

test('the four AI workloads change, each priced from the replayed bills; the vLLM GPU cut rests on its own serving metrics', () => {
  const run = runDemo(['--output', 'json']);
  assert.equal(run.status, 0, run.stderr);
  const plan = JSON.parse(run.stdout) as Plan;
  const rec = (id: string) => plan.recommendations.find(r => r.id === id)!;
  const ai = {
    vllm: rec('prod-gke/ml/Deployment/llm-inference'),
    kserve: rec('prod-gke/ml/InferenceService/sentiment'),
    ray: rec('prod-eks/ml/RayService/embeddings'),
    amd: rec('prod-aks/ml/Deployment/reranker'),
  };
  for (const [what, r] of Object.entries(ai)) {
    assert.ok(r, `${what} is in the plan`);
    assert.equal(r.status, 'ok', `${what} changes`);
    assert.equal(r.cost?.priceSource, 'billing-effective', `${what} priced from billing`);
    assert.ok(r.cost!.monthly < 0, `${what} saves money: ${r.cost!.monthly}`);
  }
  const server = ai.vllm.containers.find(c => c.container === 'server')!;
  assert.deepEqual(server.gpuLimit, { from: 2, to: 1 });
  assert.equal(server.evidence.serving?.engine, 'vllm');
  assert.equal(server.evidence.serving?.waitingP95, 0);
  assert.ok(server.evidence.serving!.kvCacheP95! < 25, `KV cache P95 ${server.evidence.serving!.kvCacheP95}`);
  assert.match(server.evidence.gpu!.why, /9\d% of the framebuffer in use is the engine's preallocation/);
  assert.deepEqual(ai.ray.containers.find(c => c.container === 'ray-worker')!.gpuLimit, { from: 4, to: 2 });
  assert.match(ai.ray.cost!.priceDetail, /g5\.12xlarge/);
  assert.deepEqual(ai.amd.containers[0].gpuLimit, { from: 2, to: 1 });
  assert.match(ai.amd.cost!.priceDetail, /Standard_ND96isr_MI300X_v5/);
  assert.ok(ai.kserve.containers[0].cpuRequest, 'the InferenceService predictor gets a CPU change');
  const sentimentGpu = ai.kserve.containers[0];
  assert.equal(sentimentGpu.gpuLimit, undefined, "the predictor's one L4 is a third busy and stays");
});

test('after the demo diff is applied, every GPU count agrees with the settings bound to it (vLLM tensor parallelism, Ray num-gpus)', () => {
  const run = runDemo([]);
  assert.equal(run.status, 0, run.stderr);
  const start = run.stdout.indexOf('diff --git ');
  const end = run.stdout.indexOf('\nPull request it would open', start);
  const diff = run.stdout.slice(start, end < 0 ? undefined : end + 1);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-coupling-'));
  cpSync(path.join(repoRoot, 'fixtures/gitops-repo'), tmp, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: tmp });
  execFileSync('git', ['apply', '-'], { cwd: tmp, input: diff });
  const changed = [...diff.matchAll(/^\+\+\+ b\/(.+)$/gm)].map(m => m[1]);
  assert.ok(changed.includes('manifests/ml/llm-inference.yaml'));
  assert.deepEqual(disagreements(changed.map(f => ({ path: f, text: readFileSync(path.join(tmp, f), 'utf8') }))), []);
  // The vLLM cut is 2 → 1 GPU, so the same diff sets --tensor-parallel-size 1.
  assert.match(diff, /^\+.*"--tensor-parallel-size", "1"/m);
  assert.match(diff, /^\+\s*num-gpus: "2"/m);
  rmSync(tmp, { recursive: true, force: true });
});
