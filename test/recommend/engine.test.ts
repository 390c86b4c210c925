import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recommendAll, recommendWorkload } from '../../src/recommend/index.ts';
import { DAY, GIB, makeGpu, makeProfile, MIB, OPTIONS, seeded, START } from './fixtures.ts';

test('steady workload: CPU near its P95, memory = recent peak + 15% headroom, high confidence', () => {
  const rnd = seeded(11);
  const p = makeProfile({ days: 14, cpu: () => 0.2 + 0.02 * rnd(), memory: () => 300 * MIB * (1 + 0.02 * rnd()), current: { requests: { cpuCores: 0.3, memoryBytes: 400 * MIB }, limits: { memoryBytes: 400 * MIB } } });
  const r = recommendWorkload(p, OPTIONS);
  assert.equal(r.id, 'test/shop/Deployment/api');
  assert.equal(r.status, 'ok');
  assert.equal(r.confidence, 'high');
  const c = r.containers[0];
  assert.equal(c.evidence.workloadClass, 'steady');
  assert.equal(c.cpuRequest?.from, 0.3);
  const cpu = c.cpuRequest!.to!;
  assert.ok(cpu >= 0.215 && cpu <= 0.221, `cpu ${cpu}`);
  assert.equal(cpu, Math.round(cpu * 1000) / 1000, 'whole millicores');
  // Peak ~306Mi (reached again in the last 7 days) × 1.15, rounded up to whole MiB; request = limit.
  const mem = c.memoryLimit!.to!;
  assert.equal(c.memoryLimit!.from, 400 * MIB);
  const target = r.containers[0].evidence.memory!.peak * 1.15;
  assert.equal(c.memoryRequest!.to, mem);
  assert.ok(target < mem, `memory ${mem / MIB}Mi`);
  assert.equal(mem % MIB, 0);
  assert.ok(Math.abs(c.evidence.memory!.headroom - 0.15) < 0.005);
  assert.equal(c.cpuLimit, undefined, 'no CPU limit is added');
  assert.ok(r.energy && r.energy.kwhPerMonthAfter < r.energy.kwhPerMonthBefore);
  assert.equal(r.cost, undefined);
  assert.equal(r.policy, undefined);
});

test('spiky workload: classified spiky, request covers the percentile not the spikes', () => {
  const rnd = seeded(12);
  const p = makeProfile({ days: 14, cpu: () => (rnd() < 0.03 ? 2 : 0.1 + 0.02 * rnd()), memory: () => 200 * MIB, current: { requests: { cpuCores: 0.2, memoryBytes: 256 * MIB }, limits: { memoryBytes: 256 * MIB } } });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  assert.equal(c.evidence.workloadClass, 'spiky');
  assert.ok(c.cpuRequest!.to! < 0.5, `cpu ${c.cpuRequest!.to}`);
  assert.ok(c.evidence.cpu!.peak >= 2);
});

test('daily-seasonal memory is recognised; the request is sized for the daily peak', () => {
  const rnd = seeded(13);
  const p = makeProfile({
    days: 14,
    cpu: t => 0.3 + 0.1 * Math.sin((2 * Math.PI * t) / DAY) + 0.01 * rnd(),
    memory: t => 500 * MIB * (1 + 0.3 * Math.sin((2 * Math.PI * t) / DAY)),
  });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  assert.equal(c.evidence.workloadClass, 'daily-seasonal');
  assert.ok(c.memoryLimit!.to! >= 650 * MIB * 1.1 - MIB);
});

test('leaking memory: a steady rise is projected a week ahead', () => {
  const p = makeProfile({ days: 14, cpu: () => 0.2, memory: t => 200 * MIB + (t / DAY) * 20 * MIB, current: { requests: { cpuCores: 0.2, memoryBytes: 2 * GIB }, limits: { memoryBytes: 2 * GIB } } });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  // Peak ≈ 480Mi; a week more of +20Mi/day ≈ 620Mi, plus headroom.
  assert.ok(c.memoryLimit!.to! > 620 * MIB, `memory ${c.memoryLimit!.to! / MIB}Mi`);
  assert.ok(c.evidence.notSmallerBecause!.some(s => s.includes('rise steadily')));
});

test('OOM-killed: at least memory at the kill × 1.2 and + 100 MiB, and never lowered in the same run', () => {
  const p = makeProfile({
    days: 14, cpu: () => 0.2, memory: () => 300 * MIB,
    oomKills: [{ time: START + 13 * DAY, memoryBytes: 900 * MIB }],
    current: { requests: { cpuCores: 0.2, memoryBytes: 950 * MIB }, limits: { memoryBytes: 950 * MIB } },
  });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  assert.equal(c.memoryLimit!.to, 1080 * MIB);
  assert.equal(c.evidence.memory!.oomKills, 1);
  // A small kill: +100 MiB beats ×1.2.
  const small = makeProfile({ days: 14, cpu: () => 0.2, memory: () => 100 * MIB, oomKills: [{ time: START + DAY, memoryBytes: 200 * MIB }], current: { requests: { cpuCores: 0.2, memoryBytes: 256 * MIB }, limits: { memoryBytes: 256 * MIB } } });
  const m = recommendWorkload(small, OPTIONS).containers[0].memoryLimit?.to ?? 256 * MIB;
  assert.ok(m >= 300 * MIB, `memory ${m / MIB}`);
  // The peak says 110Mi would do, but the run saw an OOM: memory does not go down.
  const big = makeProfile({ days: 14, cpu: () => 0.2, memory: () => 100 * MIB, oomKills: [{ time: START + DAY, memoryBytes: 150 * MIB }], current: { requests: { cpuCores: 0.2, memoryBytes: 2 * GIB }, limits: { memoryBytes: 2 * GIB } } });
  assert.equal(recommendWorkload(big, OPTIONS).containers[0].memoryLimit, undefined);
});

test('without an OOM kill memory is not raised above the current limit', () => {
  const p = makeProfile({ days: 14, cpu: () => 0.2, memory: () => 1000 * MIB, current: { requests: { cpuCores: 0.2, memoryBytes: 1 * GIB }, limits: { memoryBytes: 1 * GIB } } });
  const r = recommendWorkload(p, OPTIONS);
  assert.equal(r.containers[0].memoryLimit, undefined);
});

test('a standalone Job shorter than a day is sized from its own run (batch, low confidence)', () => {
  const job = makeProfile({ kind: 'Job', name: 'migrate-1', days: 0.2, cpu: () => 0.8, memory: () => 300 * MIB });
  const r = recommendWorkload(job, OPTIONS);
  assert.equal(r.status, 'ok', r.evidence.notes.join(' '));
  assert.equal(r.confidence, 'low');
  assert.equal(r.containers[0].evidence.workloadClass, 'batch');
  assert.equal(r.containers[0].evidence.cpu?.value, 0.8);
  assert.ok(r.containers[0].memoryRequest, 'memory sized from the run');
});

test('short history: under a day is insufficient data; three days widen the margin', () => {
  const tiny = makeProfile({ days: 0.5, cpu: () => 0.2, memory: () => 100 * MIB });
  const r0 = recommendWorkload(tiny, OPTIONS);
  assert.equal(r0.status, 'insufficient-data');
  assert.equal(r0.containers[0].cpuRequest, undefined);
  assert.match(r0.evidence.notes.join(' '), /insufficient data/);

  const short = makeProfile({ days: 3, cpu: () => 0.2, memory: () => 100 * MIB });
  const r1 = recommendWorkload(short, OPTIONS);
  assert.equal(r1.status, 'ok');
  assert.equal(r1.confidence, 'low');
  const e = r1.containers[0].evidence;
  assert.ok(e.cpu!.margin > 0.15);
  assert.ok(r1.containers[0].cpuRequest!.to! > 0.2 * 1.15);

  const collected = recommendWorkload({ ...tiny, insufficient: { haveSeconds: 3600, needSeconds: DAY, reason: 'the workload is new' } }, OPTIONS);
  assert.equal(collected.status, 'insufficient-data');
  assert.match(collected.evidence.notes[0], /the workload is new: 1 hours of usage, 24 hours needed/);
});

test('calm: lower slowly (step limit) and no change below the minimum difference', () => {
  const p = makeProfile({ days: 14, cpu: () => 0.05, memory: () => 100 * MIB, current: { requests: { cpuCores: 2, memoryBytes: 4 * GIB }, limits: { memoryBytes: 4 * GIB } } });
  const c = recommendWorkload(p, OPTIONS).containers[0];
  assert.equal(c.cpuRequest!.to, 1, 'CPU halves at most per run');
  assert.ok(Math.abs(c.memoryLimit!.to! - 4 * GIB * 0.7) < 2 * MIB, 'memory drops at most 30% per run');
  assert.ok(c.evidence.notSmallerBecause!.some(s => s.includes('step limit')));

  const close = makeProfile({ days: 14, cpu: () => 0.95, memory: () => 940 * MIB, current: { requests: { cpuCores: 1, memoryBytes: 1 * GIB }, limits: { memoryBytes: 1 * GIB } } });
  const r = recommendWorkload(close, OPTIONS);
  assert.equal(r.status, 'no-change');
  assert.equal(r.containers[0].cpuRequest, undefined);

  // Raises are not step-limited.
  const up = makeProfile({ days: 14, cpu: () => 3, memory: () => 100 * MIB, current: { requests: { cpuCores: 0.5, memoryBytes: 128 * MIB }, limits: { cpuCores: 1, memoryBytes: 128 * MIB } } });
  const u = recommendWorkload(up, OPTIONS).containers[0];
  assert.equal(u.cpuRequest!.to, 3);
  assert.equal(u.cpuLimit!.to, 3, 'a limit below the new request is raised to it');
});

test('keepCpuLimitRatio keeps the file limit/request ratio', () => {
  const p = makeProfile({ days: 14, cpu: () => 0.25, memory: () => 100 * MIB, current: { requests: { cpuCores: 0.5, memoryBytes: 128 * MIB }, limits: { cpuCores: 1, memoryBytes: 128 * MIB } } });
  const c = recommendWorkload(p, { ...OPTIONS, keepCpuLimitRatio: true }).containers[0];
  assert.equal(c.cpuRequest!.to, 0.25);
  assert.deepEqual(c.cpuLimit, { from: 1, to: 0.5 });
  const d = recommendWorkload(p, OPTIONS).containers[0];
  assert.equal(d.cpuLimit, undefined);
});

test('replicas without an HPA: an over-replicated workload loses pods, and each pod is sized for its new share', () => {
  const rnd = seeded(21);
  // 8 pods of 1 core each carry ~2 cores: 2 / (1 × 0.7) → 3 pods + 1 spare = 4, and 4 is half of 8.
  const p = makeProfile({ days: 14, cpu: () => 0.25 + 0.01 * rnd(), memory: () => 200 * MIB, pods: 8, replicas: 8, current: { requests: { cpuCores: 1, memoryBytes: 256 * MIB }, limits: { memoryBytes: 256 * MIB } } });
  const r = recommendWorkload(p, OPTIONS);
  const demand = r.containers[0].evidence.replicas!.demandP95Cores;
  assert.deepEqual(r.replicas, { from: 8, to: Math.ceil(demand / (1 * 0.7)) + 1 });
  assert.equal(r.replicas!.to, 4);
  // Each of 4 pods now carries twice a pod's load today (~0.52 cores at P95).
  const cpu = r.containers[0].cpuRequest!.to!;
  assert.ok(cpu >= 0.5 && cpu < 1, `per-pod CPU ${cpu} carries twice today's ~0.26`);
  assert.ok(cpu * r.replicas!.to >= demand, 'the pods together carry the P95 demand');
  // Memory follows the load but never above today's request per pod.
  assert.ok(r.containers[0].memoryRequest === undefined || r.containers[0].memoryRequest.to! <= 256 * MIB);

  // At most half the pods go in one run.
  const many = makeProfile({ days: 14, cpu: () => 0.05, memory: () => 100 * MIB, pods: 10, replicas: 10, current: { requests: { cpuCores: 1, memoryBytes: 128 * MIB }, limits: { memoryBytes: 128 * MIB } } });
  assert.deepEqual(recommendWorkload(many, OPTIONS).replicas, { from: 10, to: 5 });
});

test('replicas without an HPA: pods are never added because requests shrank; only a configured floor raises them', () => {
  // 3 steady pods at ~58% of a 1-core request: the request shrinks to the usage, the replicas stay.
  const steady = makeProfile({ days: 14, cpu: () => 0.58, memory: () => 1.3 * GIB, pods: 3, replicas: 3, current: { requests: { cpuCores: 1, memoryBytes: 4 * GIB }, limits: { memoryBytes: 4 * GIB } } });
  const r = recommendWorkload(steady, OPTIONS);
  assert.equal(r.replicas, undefined, 'no pods added');
  assert.ok(r.containers[0].cpuRequest && r.containers[0].cpuRequest.to! < 1);
  assert.match(r.containers[0].evidence.replicas!.why, /kept at 3: pods are not added/);

  // A single pod stays a single pod, unless a floor (PodDisruptionBudget, policy) asks for more.
  const one = makeProfile({ days: 14, cpu: () => 0.1, memory: () => 100 * MIB, pods: 1, replicas: 1, current: { requests: { cpuCores: 0.1, memoryBytes: 128 * MIB }, limits: { memoryBytes: 128 * MIB } } });
  assert.equal(recommendWorkload(one, OPTIONS).replicas, undefined);
  assert.deepEqual(recommendWorkload(one, { ...OPTIONS, minReplicas: 4 }).replicas, { from: 1, to: 4 });
});

test('HPA-coupled: the CPU target moves with the request so the HPA does not undo it', () => {
  const p = makeProfile({
    days: 14, cpu: () => 0.4, memory: () => 200 * MIB, pods: 4, replicas: 4,
    hpa: { minReplicas: 2, maxReplicas: 10, targetCPUUtilization: 40 },
    current: { requests: { cpuCores: 1, memoryBytes: 256 * MIB }, limits: { memoryBytes: 256 * MIB } },
  });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  const to = c.cpuRequest!.to!;
  const target = r.hpa!.targetCPUUtilization!;
  assert.equal(target.from, 40);
  // target × request stays 0.4 cores per pod.
  assert.ok(Math.abs((target.to! / 100) * to - 0.4) < 0.01, `target ${target.to}% of ${to}`);
  assert.equal(r.replicas, undefined, 'replicas are the HPA\'s job');
  assert.match(c.evidence.hpa!.why, /does not undo/);

  // Shrinking so far that the target would pass 90%: the request shrinks less.
  const q = makeProfile({
    days: 14, cpu: () => 0.1, memory: () => 200 * MIB, hpa: { minReplicas: 1, maxReplicas: 5, targetCPUUtilization: 80 },
    current: { requests: { cpuCores: 0.2, memoryBytes: 256 * MIB }, limits: { memoryBytes: 256 * MIB } },
  });
  const rq = recommendWorkload(q, OPTIONS);
  assert.equal(rq.hpa!.targetCPUUtilization!.to, 90);
  assert.ok(Math.abs(rq.containers[0].cpuRequest!.to! - (0.8 * 0.2) / 0.9) < 0.002);
});

test('GPU under-used: fewer GPUs per pod, never below the model memory, MIG when one GPU is too much', () => {
  const gpu = makeGpu({ gpusPerPod: 4, util: 15, memoryBytes: 30e9, totalBytes: 80e9, watts: 150, model: 'NVIDIA A100-SXM4-80GB' });
  const p = makeProfile({ days: 7, cpu: () => 1, memory: () => 4 * GIB, gpu, current: { requests: { cpuCores: 1, memoryBytes: 5 * GIB }, limits: { memoryBytes: 5 * GIB, gpus: 4 } } });
  const r = recommendWorkload(p, OPTIONS);
  const c = r.containers[0];
  // 4 × 30 GB × 1.2 = 144 GB of model memory needs 2 × 80 GB GPUs even though compute fits one.
  assert.deepEqual(c.gpuLimit, { from: 4, to: 2 });
  assert.ok(c.evidence.notSmallerBecause!.some(s => s.includes('GPU memory')));
  assert.ok(r.energy!.kwhPerMonthAfter < r.energy!.kwhPerMonthBefore);
  assert.match(r.energy!.model, /DCGM/);

  const small = makeGpu({ gpusPerPod: 1, util: 10, memoryBytes: 6e9, totalBytes: 80e9, model: 'NVIDIA A100-SXM4-80GB' });
  const s = recommendWorkload(makeProfile({ days: 7, cpu: () => 1, memory: () => GIB, gpu: small }), OPTIONS);
  assert.match(s.containers[0].evidence.gpu!.why, /MIG profile 1g\.10gb/);
  const l4 = makeGpu({ gpusPerPod: 1, util: 10, memoryBytes: 3e9, totalBytes: 24e9, model: 'NVIDIA L4' });
  assert.match(recommendWorkload(makeProfile({ days: 7, cpu: () => 1, memory: () => GIB, gpu: l4 }), OPTIONS).containers[0].evidence.gpu!.why, /time-sliced/);
});

test('energy and carbon use the configured power model and intensity', () => {
  const p = makeProfile({ days: 14, cpu: () => 0.1, memory: () => 100 * MIB, replicas: 2, current: { requests: { cpuCores: 1, memoryBytes: GIB }, limits: { memoryBytes: GIB } } });
  const r = recommendWorkload(p, { ...OPTIONS, wattsPerCore: 12, carbonIntensity: 0.4 });
  const e = r.energy!;
  // Before: 2 pods × (1 core × 12 W + 1 GiB × 0.4 W) × 730 h.
  assert.equal(e.kwhPerMonthBefore, +((2 * (12 + 0.4) * 730) / 1000).toFixed(3));
  assert.equal(e.kgCo2ePerMonthBefore, +(e.kwhPerMonthBefore * 0.4).toFixed(3));
  assert.ok(e.kgCo2ePerMonthAfter < e.kgCo2ePerMonthBefore);
});

test('batch CronJob: classified batch; recommendAll maps every profile', () => {
  const p = makeProfile({ days: 14, kind: 'CronJob', name: 'report', cpu: (t) => ((t % DAY) < 3600 ? 1.5 : 0.001), memory: (t) => ((t % DAY) < 3600 ? 800 * MIB : 50 * MIB) });
  const all = recommendAll([p, makeProfile({ days: 14, cpu: () => 0.2, memory: () => 100 * MIB })], OPTIONS);
  assert.equal(all.length, 2);
  assert.equal(all[0].evidence.workloadClass, 'batch');
  assert.ok(all[0].containers[0].cpuRequest!.to! >= 1.4, 'the job gets its CPU when it runs');
  assert.ok(all[0].evidence.notes.length > 0);
});

test('the result is plain JSON and deterministic', () => {
  const p = makeProfile({ days: 14, cpu: () => 0.2, memory: () => 100 * MIB });
  const a = recommendWorkload(p, OPTIONS), b = recommendWorkload(JSON.parse(JSON.stringify(p)), OPTIONS);
  assert.deepEqual(JSON.parse(JSON.stringify(a)), b);
});

test('memory: an old peak not reached in the last 2 days gets 10% headroom, a recent one 15%', () => {
  // Current 800Mi: below the calm step limit, so the estimate itself is what is proposed.
  const current = { requests: { cpuCores: 0.2, memoryBytes: 800 * MIB }, limits: { memoryBytes: 800 * MIB } };
  const burst = (day: number) => (t: number) => (t >= day * DAY && t < day * DAY + 3600 ? 600 * MIB : 400 * MIB);
  // A 600Mi burst on day 2, 400Mi otherwise: the older peak is still covered, with the smaller headroom.
  const old = makeProfile({ days: 14, cpu: () => 0.2, memory: burst(2), current });
  const a = recommendWorkload(old, OPTIONS).containers[0];
  assert.equal(a.memoryLimit!.to, Math.ceil(600 * 1.1) * MIB);
  // Four days before the end is not recent any more (RECENT_SECONDS = 2 days): 10%.
  assert.equal(recommendWorkload(makeProfile({ days: 14, cpu: () => 0.2, memory: burst(10), current }), OPTIONS).containers[0].memoryLimit!.to, Math.ceil(600 * 1.1) * MIB);
  // The same burst in the last two days: 15%.
  const recent = makeProfile({ days: 14, cpu: () => 0.2, memory: burst(12.5), current });
  const b = recommendWorkload(recent, OPTIONS).containers[0];
  assert.equal(b.memoryLimit!.to, Math.ceil(600 * 1.15) * MIB);
});
