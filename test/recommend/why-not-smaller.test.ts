// Issue 14: no written value exceeds its own estimate by more than the stated headroom unless a
// "why not smaller" line names that value, and every such line is true of the number written.
// Checked on a lab-like set (limits above requests, an HPA on memory, sidecars) through the
// engine and the shipped default policies, and on the bundled demo's plan.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Change, ContainerRecommendation, Recommendation } from '../../src/core/types.ts';
import { applyPolicies, defaultPolicyFiles, loadPolicies, readPolicyFiles } from '../../src/policy/index.ts';
import { recommendWorkload } from '../../src/recommend/index.ts';
import { roundMemory } from '../../src/recommend/logic/rounding.ts';
import { repoRoot } from '../helpers/shared.ts';
import { makeProfile, MIB, OPTIONS, seeded } from './fixtures.ts';

type Field = 'cpuRequest' | 'memoryRequest' | 'memoryLimit';
const LABEL: Record<Field, RegExp> = {
  cpuRequest: /^(CPU request|cpu\.request \([^)]*\))[: ]/,
  memoryRequest: /^(memory request|memory\.request \([^)]*\))[: ]|^OOM kill at|^an OOM kill in this window/,
  memoryLimit: /^(memory limit|memory\.limit \([^)]*\))[: ]|^OOM kill at|^an OOM kill in this window/,
};

/** The estimate behind a field, as the evidence states it (percentile × margin; peak × headroom). */
function estimateOf(c: ContainerRecommendation, field: Field): number | undefined {
  const e = c.evidence;
  if (field === 'cpuRequest') return e.cpu ? Math.max(0.01, Math.round(e.cpu.value * (1 + e.cpu.margin) * 1000) / 1000) : undefined;
  return e.memory ? roundMemory(e.memory.peak * (1 + e.memory.headroom)) : undefined;
}

const unit = (field: Field) => (field === 'cpuRequest' ? 0.001 : MIB);

/** Checks one container; returns a description of every violation. */
function check(id: string, c: ContainerRecommendation): string[] {
  const bad: string[] = [];
  const lines = c.evidence.notSmallerBecause ?? [];
  for (const field of ['cpuRequest', 'memoryRequest', 'memoryLimit'] as const) {
    const ch: Change | undefined = c[field];
    if (ch?.to === undefined) continue;
    const estimate = estimateOf(c, field);
    if (estimate === undefined) continue;
    const own = lines.filter(l => LABEL[field].test(l));
    const where = `${id} ${c.container} ${field} ${ch.from} → ${ch.to} (estimate ${estimate})`;
    if (ch.to > estimate + unit(field) && own.length === 0) bad.push(`${where}: above its estimate with no "why not smaller" line for it`);
    for (const l of own) {
      const step = /lowered by at most (\d+)% per run|step limit −(\d+)% per PR/.exec(l);
      if (!step || ch.from === undefined) continue;
      const floor = ch.from * (1 - Number(step[1] ?? step[2]) / 100);
      // Rounded up to the quantity step there (whole MiB; 256Mi from 16Gi) or to whole millicores.
      const rounded = field === 'cpuRequest' ? Math.ceil(floor * 1000 - 1e-9) / 1000 : roundMemory(floor);
      // A step line says the value stopped at the step: it must be there (or higher, for another stated reason).
      if (ch.to < floor - unit(field)) bad.push(`${where}: "${l}" but the value is below the step (${floor})`);
      if (ch.to > rounded + unit(field) && own.length === 1) bad.push(`${where}: "${l}" but the value is above the step (${rounded}) with no other reason`);
    }
  }
  return bad;
}

function checkAll(recs: Recommendation[]): string[] {
  return recs.filter(r => r.status === 'ok').flatMap(r => r.containers.flatMap(c => check(r.id, c)));
}

const around = (level: number, seed: number, spread = 0.03) => { const r = seeded(seed); return () => level * (1 - spread + 2 * spread * r()); };

test('lab-like fixture (limits above requests, memory HPA, sidecars): written values match their estimates and reasons', async () => {
  const MI = MIB;
  const lab = [
    { name: 'istio-proxy', cpu: 0.02, mem: 70 * MI, req: { cpuCores: 0.1, memoryBytes: 128 * MI }, lim: { cpuCores: 2, memoryBytes: 1024 * MI } },
    { name: 'frontend', cpu: 0.3, mem: 420 * MI, req: { cpuCores: 0.5, memoryBytes: 512 * MI }, lim: { memoryBytes: 1024 * MI } },
    { name: 'jmx-exporter', cpu: 0.01, mem: 100 * MI, req: { cpuCores: 0.05, memoryBytes: 128 * MI }, lim: { memoryBytes: 180 * MI } },
    { name: 'worker', cpu: 0.4, mem: 466 * MI, req: { cpuCores: 1, memoryBytes: 512 * MI }, lim: { memoryBytes: 1024 * MI }, hpa: { minReplicas: 2, maxReplicas: 10, targetMemoryUtilization: 80 } },
    { name: 'cache', cpu: 0.2, mem: 900 * MI, req: { cpuCores: 0.2, memoryBytes: 640 * MI }, lim: { memoryBytes: 1024 * MI } },
    { name: 'batch', cpu: 1.5, mem: 2000 * MI, req: { cpuCores: 4, memoryBytes: 4096 * MI }, lim: {} },
  ];
  const recs = lab.map((w, i) => recommendWorkload(makeProfile({
    days: 14, name: w.name, cpu: around(w.cpu, 10 + i, 0.4), memory: around(w.mem, 20 + i), replicas: 3,
    current: { requests: w.req, limits: w.lim }, ...(w.hpa ? { hpa: w.hpa } : {}),
  }), OPTIONS));
  assert.deepEqual(checkAll(recs), []);
  // The repros, numerically: no request raised towards an old limit, the worker's HPA still scales out near 410Mi.
  const byName = (n: string) => recs.find(r => r.ref.name === n)!.containers[0];
  assert.ok((byName('istio-proxy').memoryRequest?.to ?? 128 * MI) <= 128 * MI);
  assert.ok((byName('frontend').memoryRequest?.to ?? 512 * MI) <= 600 * MI);
  assert.ok((byName('jmx-exporter').memoryRequest?.to ?? 128 * MI) <= 128 * MI);
  const worker = recs.find(r => r.ref.name === 'worker')!;
  const workerRequest = worker.containers[0].memoryRequest?.to ?? 512 * MI;
  const target = worker.hpa?.targetMemoryUtilization?.to ?? 80;
  assert.ok(Math.abs((target / 100) * workerRequest - 0.8 * 512 * MI) < 0.03 * 512 * MI, `scale-out at ${(target / 100) * workerRequest / MI}Mi per pod`);

  // Through the shipped default policies: the same holds for what the policies leave.
  const files = await readPolicyFiles(defaultPolicyFiles(), repoRoot);
  const { policies, errors } = loadPolicies(files);
  assert.deepEqual(errors, []);
  const governed = applyPolicies(recs, policies, { now: new Date('2026-03-02T10:00:00Z') });
  assert.deepEqual(checkAll(governed), []);
});

test('the demo plan: written values match their estimates and every "why not smaller" line is true', () => {
  const run = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'plan', '--demo', '--output', 'json', '--quiet'], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(run.status, 0, run.stderr);
  const plan = JSON.parse(run.stdout) as { recommendations: Recommendation[] };
  assert.ok(plan.recommendations.some(r => r.status === 'ok'));
  assert.deepEqual(checkAll(plan.recommendations), []);
});
