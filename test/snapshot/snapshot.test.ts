import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeSnapshots, parseSnapshot, SNAPSHOT_SCHEMA_VERSION, type Snapshot } from '../../src/snapshot/index.ts';
import type { UsageProfile } from '../../src/core/types.ts';

function profile(cluster: string, name: string): UsageProfile {
  const ref = { cluster, namespace: 'ns', kind: 'Deployment' as const, name };
  return { ref, current: { ref, containers: [] }, containers: [] };
}

function snapshot(index: number, profiles: UsageProfile[], withBilling: boolean): Snapshot {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    createdAt: '2026-11-16T00:00:00.000Z',
    window: { start: '2026-11-02T00:00:00.000Z', end: '2026-11-16T00:00:00.000Z' },
    shard: { index, count: 2 },
    clusters: profiles.map(p => ({ name: p.ref.cluster, cloud: 'aws' as const })),
    profiles,
    costs: withBilling ? [{ ProviderName: 'AWS', BillingAccountId: '1', ChargePeriodStart: '2026-11-01', ChargePeriodEnd: '2026-11-02', ServiceName: 'EC2', ServiceCategory: 'Compute', BilledCost: 1, EffectiveCost: 1, BillingCurrency: 'USD', Tags: {} }] : [],
    prices: [],
    forecasts: [],
    sources: [{ source: `prometheus:c${index}`, ok: true }],
  };
}

test('merging shards joins their workloads in a stable order', () => {
  const merged = mergeSnapshots([snapshot(2, [profile('b', 'y')], false), snapshot(1, [profile('a', 'x')], true)]);
  assert.deepEqual(merged.profiles.map(p => p.ref.cluster), ['a', 'b']);
  assert.equal(merged.costs.length, 1);
  assert.equal(merged.shard, undefined);
  assert.deepEqual(merged.sources.map(s => s.source), ['prometheus:c1', 'prometheus:c2']);
});

test('a workload in two shards is an error that says so', () => {
  assert.throws(() => mergeSnapshots([snapshot(1, [profile('a', 'x')], true), snapshot(2, [profile('a', 'x')], false)]), /a\/ns\/Deployment\/x is in snapshots 1 and 2/);
});

test('a snapshot of another schema version is refused with a clear line', () => {
  assert.throws(() => parseSnapshot('old.json', JSON.stringify({ schemaVersion: 99 })), /old\.json: snapshot schemaVersion 99 is not supported/);
  assert.throws(() => parseSnapshot('x.json', '{"schemaVersion": 1'), /x\.json: not a snapshot/);
});
