// Finding 4 (inputs) and 14 (a null field): usage and today's settings outside physical sense are
// dropped with a warning naming the series, so no absurd number reaches a recommendation; a
// snapshot with a null where a number belongs is an error naming the field.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueProblem } from '../../src/core/bounds.ts';
import { UserError } from '../../src/core/errors.ts';
import { formatCpu, formatMemory } from '../../src/core/quantity.ts';
import type { Recommendation, UsageProfile } from '../../src/core/types.ts';
import { recommendWorkload } from '../../src/recommend/index.ts';
import { parseSnapshot, SNAPSHOT_SCHEMA_VERSION } from '../../src/snapshot/index.ts';
import { saneProfiles } from '../../src/snapshot/sanity.ts';
import { GIB, makeProfile, OPTIONS } from '../recommend/fixtures.ts';

const base = () => makeProfile({ days: 14, cpu: () => 0.25, memory: () => 0.5 * GIB, replicas: 4, current: { requests: { cpuCores: 1.5, memoryBytes: 2 * GIB }, limits: { memoryBytes: 2 * GIB } } });

/** Every value a recommendation would write is a sane Kubernetes value. */
function assertWritable(rec: Recommendation): void {
  for (const c of rec.containers) {
    for (const [field, change, format] of [['cpu.request', c.cpuRequest, formatCpu], ['cpu.limit', c.cpuLimit, formatCpu], ['memory.request', c.memoryRequest, formatMemory], ['memory.limit', c.memoryLimit, formatMemory]] as const) {
      if (change?.to !== undefined) assert.equal(valueProblem(field, format(change.to)), undefined, `${field} → ${change.to}`);
    }
  }
  if (rec.replicas?.to !== undefined) assert.equal(valueProblem('replicas', String(rec.replicas.to)), undefined, `replicas → ${rec.replicas.to}`);
}

const CASES: Array<[string, (p: UsageProfile) => void, RegExp]> = [
  ['spec replicas 1e9', p => { p.current.replicas = 1e9; }, /kube_deployment_spec_replicas for test\/shop\/Deployment\/api: 1000000000 is outside physical sense/],
  ['CPU usage ×1e30', p => { p.containers[0].cpu.max *= 1e30; }, /container_cpu_usage_seconds_total for test\/shop\/Deployment\/api container app: .*e\+29 is outside physical sense/],
  ['one 1e30-byte memory sample', p => { p.containers[0].memoryPeaks.peaks[3][1] = 1e30; }, /container_memory_working_set_bytes for test\/shop\/Deployment\/api container app: 1e\+30 is outside/],
  ['requests reported as 1e30', p => { p.current.containers[0].requests.cpuCores = 1e30; }, /kube_pod_container_resource_requests\{resource="cpu"\} for test\/shop\/Deployment\/api container app: 1e\+30/],
  ['a negative memory request', p => { p.current.containers[0].requests.memoryBytes = -5; }, /resource="memory"\} .*-5 is outside/],
];

for (const [what, spoil, warning] of CASES) {
  test(`${what}: dropped with a warning naming the series; nothing absurd is recommended`, () => {
    const p = base();
    spoil(p);
    const { profiles, warnings } = saneProfiles([p]);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], warning);
    const rec = recommendWorkload(profiles[0], OPTIONS);
    assertWritable(rec);
  });
}

test('a sane profile passes untouched', () => {
  const p = base();
  const { profiles, warnings } = saneProfiles([p]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(profiles[0], p);
});

test('a snapshot with one null field is an error naming the field', () => {
  const p = base() as unknown as { containers: Array<{ cpu: Record<string, unknown> }> };
  p.containers[0].cpu.max = null;
  const text = JSON.stringify({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, createdAt: '2026-01-01T00:00:00Z', window: {}, clusters: [], profiles: [p], costs: [], prices: [], forecasts: [], sources: [] });
  assert.throws(() => parseSnapshot('snap.json', text), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.equal(err.message, 'snap.json: not a valid snapshot: profiles[0].containers[0].cpu.max is null, not a number');
    return true;
  });
});
