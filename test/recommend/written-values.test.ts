// Issue 14: every written number is as good as the estimate behind it. Each test is the smallest
// series that shows one rule: request and limit each from their own current value, the HPA
// coupled to the request, safety raises never held back, the CPU default a flat-window
// percentile with recency only on a clear level shift, and uneven pods covered.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/types.ts';
import { recommendWorkload } from '../../src/recommend/index.ts';
import { roundMemory } from '../../src/recommend/logic/rounding.ts';
import { DAY, makeProfile, MIB, OPTIONS, seeded, STEP } from './fixtures.ts';

const around = (level: number, seed = 1, spread = 0.05) => { const r = seeded(seed); return () => level * (1 - spread + 2 * spread * r()); };
const memoryOf = (rec: Recommendation) => rec.containers[0];

test('memory request and limit each move from their own current value (limit above request: no raise towards the limit)', () => {
  // istio-proxy: request 128Mi, limit 1Gi, peak ~70Mi → estimate ~81Mi.
  const rec = recommendWorkload(makeProfile({
    days: 14, cpu: around(0.05), memory: around(70 * MIB, 2, 0.01),
    current: { requests: { cpuCores: 0.1, memoryBytes: 128 * MIB }, limits: { memoryBytes: 1024 * MIB } },
  }), OPTIONS);
  const c = memoryOf(rec);
  assert.equal(c.memoryRequest?.from, 128 * MIB);
  assert.ok(c.memoryRequest!.to! <= 128 * MIB, 'the request is never raised towards the old limit');
  assert.equal(c.memoryRequest!.to, roundMemory(128 * MIB * 0.7), 'the request is lowered by its own 30% step');
  assert.equal(c.memoryLimit?.from, 1024 * MIB);
  assert.equal(c.memoryLimit!.to, roundMemory(1024 * MIB * 0.7), 'the limit is lowered by its own 30% step');
  const why = c.evidence.notSmallerBecause!;
  assert.ok(why.some(w => /^memory request lowered by at most 30%/.test(w)), why.join(' | '));
  assert.ok(why.some(w => /^memory limit lowered by at most 30%/.test(w)), why.join(' | '));
});

test('a request below its estimate-free step is written at the estimate, the limit at its own step', () => {
  // frontend: request 512Mi, limit 1Gi, peak ~300Mi → estimate ~345Mi: request 512 → 359 (step), limit 1024 → 717.
  const rec = recommendWorkload(makeProfile({
    days: 14, cpu: around(0.2), memory: around(300 * MIB, 3, 0.01),
    current: { requests: { cpuCores: 0.5, memoryBytes: 512 * MIB }, limits: { memoryBytes: 1024 * MIB } },
  }), OPTIONS);
  const c = memoryOf(rec);
  assert.ok(c.memoryRequest!.to! < 512 * MIB);
  assert.ok(c.memoryLimit!.to! >= c.memoryRequest!.to!, 'the limit never ends below the request');
  assert.equal(c.memoryLimit!.to, roundMemory(1024 * MIB * 0.7));
});

test('a memory HPA couples to the request it scales on, not to the limit', () => {
  const rec = recommendWorkload(makeProfile({
    days: 14, cpu: around(0.2), memory: around(300 * MIB, 4, 0.01),
    current: { requests: { cpuCores: 0.5, memoryBytes: 400 * MIB }, limits: { memoryBytes: 1024 * MIB } },
    hpa: { minReplicas: 2, maxReplicas: 10, targetMemoryUtilization: 60 },
  }), OPTIONS);
  const c = memoryOf(rec);
  const reqTo = c.memoryRequest!.to!;
  assert.ok(reqTo < 400 * MIB && reqTo > 300 * MIB);
  // Same absolute scale-out point per pod: 60% of 400Mi = 240Mi.
  assert.equal(rec.hpa?.targetMemoryUtilization?.to, Math.round((60 * 400 * MIB) / reqTo));
  assert.notEqual(rec.hpa?.targetMemoryUtilization?.to, Math.round((60 * 1024 * MIB) / c.memoryLimit!.to!));
});

test('memory above the request is a safety raise: marked, and raised however small the step', () => {
  // No limit, peak 150% of the request: raised, with the reason kept for the policy stage.
  const big = recommendWorkload(makeProfile({
    days: 14, cpu: around(0.2), memory: around(768 * MIB, 5, 0.01),
    current: { requests: { cpuCores: 0.5, memoryBytes: 512 * MIB }, limits: {} },
  }), OPTIONS);
  assert.ok(memoryOf(big).memoryRequest!.to! > 768 * MIB);
  assert.match(memoryOf(big).evidence.safety?.memory ?? '', /peak .* is above the request/);
  // Limit 1050Mi caps the estimate: +50Mi is below the 10% minimum change, but it is for safety.
  const small = recommendWorkload(makeProfile({
    days: 14, cpu: around(0.2), memory: around(1020 * MIB, 6, 0.002),
    current: { requests: { cpuCores: 0.5, memoryBytes: 1000 * MIB }, limits: { memoryBytes: 1050 * MIB } },
  }), OPTIONS);
  assert.equal(memoryOf(small).memoryRequest?.to, 1050 * MIB);
  // Sustained CPU throttling makes a CPU raise a safety raise too.
  const throttled = recommendWorkload(makeProfile({
    days: 14, cpu: around(0.52, 7, 0.02), memory: around(100 * MIB), throttledRatio: 0.4,
    current: { requests: { cpuCores: 0.5, memoryBytes: 256 * MIB }, limits: { cpuCores: 0.6, memoryBytes: 256 * MIB } },
  }), OPTIONS);
  assert.ok(memoryOf(throttled).cpuRequest!.to! > 0.5, 'a raise of under 10% is not held back');
  assert.match(memoryOf(throttled).evidence.safety?.cpu ?? '', /throttled in 40% of periods/);
});

// ---------------------------------------------------------------------------
// CPU: flat-window default, recency only on a clear level shift.

function exactP95(f: (t: number, i: number) => number, days: number, from = 0): number {
  const n = Math.round((days * DAY) / STEP);
  const v: number[] = [];
  for (let i = 0; i < n; i++) if (i * STEP >= from * DAY) v.push(f(i * STEP, i));
  v.sort((a, b) => a - b);
  return v[Math.floor(0.95 * (v.length - 1))];
}

test('CPU default: the P95 of the whole window, every sample alike (within 1% of the exact order statistic)', () => {
  // A load that is busier in the first week: recency weighting would forget it, the window does not.
  const r = seeded(8);
  const cpu = (t: number) => (t < 7 * DAY ? 0.6 : 0.45) * (0.7 + 0.6 * r());
  const rec = recommendWorkload(makeProfile({ days: 14, cpu, memory: around(100 * MIB) }), OPTIONS);
  const c = memoryOf(rec);
  const r2 = seeded(8);
  const exact = exactP95(t => (t < 7 * DAY ? 0.6 : 0.45) * (0.7 + 0.6 * r2()), 14);
  assert.equal(c.evidence.cpu?.statistic, 'window');
  assert.ok(Math.abs(c.cpuRequest!.to! - exact) / exact < 0.01, `${c.cpuRequest!.to} vs flat P95 ${exact}`);
  assert.match(c.evidence.cpu!.why, /over the window \(every sample alike\)/);
  // An older snapshot without the window sketch: the recency-weighted histogram, said so.
  const old = recommendWorkload(makeProfile({ days: 14, cpu: (t: number) => (t < 7 * DAY ? 0.6 : 0.45), memory: around(100 * MIB), recencyOnly: true }), OPTIONS);
  assert.equal(memoryOf(old).evidence.cpu?.statistic, 'recency-weighted');
});

test('CPU level shift: a clear drop in the last two days uses their level; an overlapping change does not', () => {
  const drop = (t: number, i: number) => (t < 12 * DAY ? 1.0 : 0.3) * (0.9 + 0.2 * ((i * 7919) % 100) / 100);
  const rec = recommendWorkload(makeProfile({ days: 14, cpu: drop, memory: around(100 * MIB), current: { requests: { cpuCores: 1.2, memoryBytes: 256 * MIB }, limits: {} } }), OPTIONS);
  const c = memoryOf(rec);
  assert.equal(c.evidence.cpu?.statistic, 'recent level (drop)');
  assert.ok(c.evidence.cpu!.value < 0.35, `recent P95 ${c.evidence.cpu!.value}`);
  assert.match(c.evidence.cpu!.why, /dropped below the rest of the window/);
  // A 10% dip with overlapping quartiles is noise, not a shift.
  const dip = (t: number, i: number) => (t < 12 * DAY ? 1.0 : 0.9) * (0.6 + 0.8 * ((i * 7919) % 100) / 100);
  assert.equal(memoryOf(recommendWorkload(makeProfile({ days: 14, cpu: dip, memory: around(100 * MIB) }), OPTIONS)).evidence.cpu?.statistic, 'window');
  // A clear rise: the larger of the two.
  const rise = (t: number, i: number) => (t < 12 * DAY ? 0.3 : 1.0) * (0.9 + 0.2 * ((i * 7919) % 100) / 100);
  const up = memoryOf(recommendWorkload(makeProfile({ days: 14, cpu: rise, memory: around(100 * MIB) }), OPTIONS));
  assert.equal(up.evidence.cpu?.statistic, 'recent level (rise)');
  assert.ok(up.evidence.cpu!.value > 1.0);
});

test('uneven pods: the request covers the busiest long-running pod, and says so; even pods stay pooled', () => {
  // Ten pods, one at twice the load of the others (a hot shard): the pooled P95 falls at the hot
  // pod's median (~0.75 cores), 0.77 of its own P95 (~0.98): pooled, the hot pod would be throttled.
  const r = seeded(9);
  const pods: Record<string, (t: number) => number> = { 'api-a': () => 0.5 + 0.5 * r() };
  for (let p = 1; p < 10; p++) pods[`api-${p}`] = () => 0.25 + 0.25 * r();
  const rec = recommendWorkload(makeProfile({
    days: 14, cpu: () => 0, podCpu: pods, memory: around(100 * MIB),
    current: { requests: { cpuCores: 0.5, memoryBytes: 256 * MIB }, limits: {} },
  }), OPTIONS);
  const c = memoryOf(rec);
  assert.equal(c.evidence.cpu?.statistic, 'hottest pod');
  assert.ok(c.cpuRequest!.to! >= 0.96, `request ${c.cpuRequest!.to} covers the hot pod`);
  assert.match(c.evidence.cpu!.why, /pods are uneven .* P95 of pod api-a/);
  assert.ok(c.evidence.notSmallerBecause!.some(w => /busiest pod api-a/.test(w)));
  // A pod that ran for under a tenth of the time does not count.
  const even = memoryOf(recommendWorkload(makeProfile({
    days: 14, cpu: () => 0, podCpu: { 'api-a': around(0.5, 10), 'api-b': around(0.5, 11), 'api-c': (t: number) => (t < DAY ? 2 : Number.NaN) }, memory: around(100 * MIB),
  }), OPTIONS));
  assert.equal(even.evidence.cpu?.statistic, 'window');
});
