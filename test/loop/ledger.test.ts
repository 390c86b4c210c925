// The pure steps of the loop: the ledger block in and out of a PR body, what Git holds after
// several merges, live/pending/drift, regressions against thresholds, and the undo values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VERIFY } from '../../src/config/load.ts';
import type { WorkloadSpec } from '../../src/core/types.ts';
import { buildLedger, gitValues, ledgerBlock, readLedgerBlock, renderLedgerBlock, type LedgerBlock, type LedgerEntry } from '../../src/loop/ledger.ts';
import { liveStatus } from '../../src/loop/live.ts';
import { findRegressions, windowsFor, type Counts, type Window } from '../../src/loop/regression.ts';
import { holdBackUndone, undoneWorkloads, undoRecommendations } from '../../src/loop/undo.ts';
import { plan as buildPlan } from '../helpers/plan-builder.ts';
import { bodyWithMarker, readMarker } from '../../src/deliver/github.ts';
import { GI, MI, recommendation } from '../helpers/plan-builder.ts';

const T = DEFAULT_VERIFY.regression;
const ID = 'prod/shop/Deployment/api--v2';

function block(values: Record<string, [number | null, number]>, extra: Partial<LedgerBlock> = {}): LedgerBlock {
  return { v: 1, kind: 'change', plan: 1, window: { start: '2026-11-01T00:00:00.000Z', end: '2026-11-15T00:00:00.000Z' }, workloads: [{ id: ID, containers: [{ name: 'api', values }], values: {} }], ...extra };
}
function entry(pr: number, mergedAt: string, b: LedgerBlock, liveSince?: string): LedgerEntry {
  return { pr, url: `https://github.com/o/r/pull/${pr}`, mergedAt, block: b, ...(liveSince ? { liveSince } : {}) };
}
function spec(cpu: number, memory: number): WorkloadSpec {
  return { ref: { cluster: 'prod', namespace: 'shop', kind: 'Deployment', name: 'api--v2' }, containers: [{ container: 'api', requests: { cpuCores: cpu, memoryBytes: memory }, limits: {} }] };
}

test('the ledger block survives a PR body (a `--` in a name included) beside the group marker, and garbage is ignored', () => {
  const rec = recommendation({ cluster: 'prod', namespace: 'shop', name: 'api--v2', containers: [{ name: 'api', cpu: [1, 0.5], memory: [GI, 768 * MI] }], replicas: [4, 3], monthly: -40 });
  const b = ledgerBlock([rec], { asOf: '2026-11-15T00:00:00Z', unplaced: [{ recommendation: rec.id, field: 'replicas', reason: 'no place' }] });
  const line = renderLedgerBlock(b);
  assert.ok(!line.slice(4, -3).includes('--'), 'nothing inside ends the HTML comment');
  const body = bodyWithMarker(`Some body\n\n${line}`, 'title', 'all', 'a'.repeat(64));
  assert.deepEqual(readLedgerBlock(body), b);
  assert.equal(readMarker(body)?.group, 'all', 'the group marker still reads');
  assert.deepEqual(b.workloads[0].containers[0].values, { 'cpu.request': [1, 0.5], 'memory.request': [GI, 768 * MI] });
  assert.deepEqual(b.workloads[0].values, {}, 'an unplaced setting is not in the pull request, so not in the ledger');
  assert.equal(b.workloads[0].monthly, -40);
  assert.equal(b.window.start, '2026-11-01T00:00:00.000Z');
  assert.equal(readLedgerBlock('<!-- rightsizer:ledger {"v":9} -->'), undefined);
  assert.equal(readLedgerBlock('<!-- rightsizer:ledger {not json} -->'), undefined);
  assert.deepEqual(buildLedger([{ number: 3, url: 'u', body, mergedAt: undefined }]), [], 'closed without merge: not in the ledger');
});

test('a ledger of hundreds of workloads is deflated so the PR body still fits GitHub\'s limit', () => {
  const recs = Array.from({ length: 400 }, (_, i) => recommendation({ cluster: 'prod', namespace: `team-${i % 20}`, name: `service-${i}`, containers: [{ name: 'app', cpu: [1, 0.5], memory: [GI, 768 * MI] }, { name: 'sidecar', cpu: [0.2, 0.1] }], replicas: [4, 3], monthly: -12.5 }));
  const b = ledgerBlock(recs, { asOf: '2026-11-15T00:00:00Z', unplaced: [] });
  const line = renderLedgerBlock(b);
  assert.match(line, /^<!-- rightsizer:ledger z:[A-Za-z0-9+/=]+ -->$/);
  assert.ok(line.length < 20_000, `${line.length} characters for 400 workloads`);
  assert.deepEqual(readLedgerBlock(`text\n${line}\n`), b);
});

test('Git holds the newest merge; live, pending, drift, unknown and superseded', () => {
  const a = entry(1, '2026-11-16T00:00:00Z', block({ 'cpu.request': [1, 0.5], 'memory.request': [GI, 768 * MI] }));
  const b = entry(2, '2026-11-17T00:00:00Z', block({ 'cpu.request': [0.5, 0.25] }));
  const held = gitValues([a, b]).map(v => [v.field, v.value, v.entry.pr]);
  assert.deepEqual(held.sort(), [['cpu.request', 0.25, 2], ['memory.request', 768 * MI, 1]]);

  const at = (iso: string, live: WorkloadSpec | undefined) => liveStatus([a, b], new Map(live ? [[ID, live]] : []), new Date(iso), 7200).map(s => s.state);
  assert.deepEqual(at('2026-11-17T06:00:00Z', spec(0.25, 768 * MI)), ['live', 'live']);
  assert.deepEqual(at('2026-11-17T01:00:00Z', spec(0.5, 768 * MI)), ['live', 'pending'], 'one hour after the merge: still rolling out');
  assert.deepEqual(at('2026-11-17T06:00:00Z', spec(0.5, 768 * MI)), ['live', 'drift']);
  assert.deepEqual(at('2026-11-17T06:00:00Z', undefined), ['unknown', 'unknown']);
  const drift = liveStatus([a, b], new Map([[ID, spec(0.3, 768 * MI)]]), new Date('2026-11-17T06:00:00Z'), 7200)[1];
  assert.deepEqual(drift.findings.map(f => [f.container, f.field, f.git, f.live, f.pr]), [['api', 'cpu.request', '250m', '300m', 2]]);
  const c = entry(3, '2026-11-18T00:00:00Z', block({ 'cpu.request': [0.25, 0.3] }));
  assert.equal(liveStatus([b, c], new Map([[ID, spec(0.3, GI)]]), new Date('2026-11-19T00:00:00Z'), 7200)[0].state, 'superseded');
});

function win(start: number, end: number, counts: Partial<Counts>): Window {
  return { start, end, byContainer: new Map([[`${ID}|api`, { oomKills: 0, restarts: 0, throttled: 0, periods: 0, ...counts }]]) };
}

test('regressions: new OOM kills at once; restarts and throttling only past the thresholds and after minAfterMinutes', () => {
  const e = entry(1, '2026-11-16T00:00:00Z', block({ 'memory.request': [GI, 768 * MI], 'cpu.request': [1, 0.5] }), '2026-11-16T01:00:00Z');
  const now = Date.parse('2026-11-16T13:00:00Z') / 1000;
  const w = windowsFor(e, now, T)!;
  assert.equal(w.after.end - w.after.start, 12 * 3600);
  assert.equal(w.before.end - w.before.start, 24 * 3600);
  const kinds = (b: Partial<Counts>, a: Partial<Counts>, after = w.after) => findRegressions(e, win(w.before.start, w.before.end, b), win(after.start, after.end, a), T).map(r => [r.kind, r.oldAlsoFailed]);
  assert.deepEqual(kinds({}, { oomKills: 1, restarts: 1 }), [['oom', false]]);
  assert.deepEqual(kinds({ oomKills: 4, restarts: 4 }, { oomKills: 2, restarts: 2 }), [], 'as often as before (scaled to 12 h of 24 h): not the change');
  assert.deepEqual(kinds({ oomKills: 2, restarts: 2 }, { oomKills: 3, restarts: 3 }), [['oom', true]]);
  assert.deepEqual(kinds({}, { restarts: 2 }), [], 'two restarts: within the threshold');
  assert.deepEqual(kinds({}, { restarts: 3 }), [['restarts', false]]);
  assert.deepEqual(kinds({ throttled: 5, periods: 100 }, { throttled: 30, periods: 100 }), [['throttling', false]]);
  assert.deepEqual(kinds({}, { restarts: 5, throttled: 90, periods: 100 }, { start: w.after.end - 600, end: w.after.end }), [], 'ten minutes live: too early to judge');
  assert.equal(windowsFor({ ...e, liveSince: undefined }, now, T), undefined, 'not judged before it is live');
});

test('undo: restores the old values of the regressed container, or raises memory past a value that failed too', () => {
  const e = entry(1, '2026-11-16T00:00:00Z', block({ 'memory.request': [GI, 768 * MI], 'cpu.request': [1, 0.5] }), '2026-11-16T01:00:00Z');
  const oom = { workload: ID, container: 'api', kind: 'oom' as const, before: 0, after: 2, oldAlsoFailed: false, evidence: '2 OOM kills' };
  const [rec] = undoRecommendations(e, [e], [oom], T);
  assert.deepEqual(rec.containers[0].memoryRequest, { from: 768 * MI, to: GI });
  assert.deepEqual(rec.containers[0].cpuRequest, { from: 0.5, to: 1 });
  assert.equal(rec.ref.name, 'api--v2');
  const [raised] = undoRecommendations(e, [e], [{ ...oom, oldAlsoFailed: true }], T);
  assert.deepEqual(raised.containers[0].memoryRequest, { from: 768 * MI, to: 1536 * MI }, 'old value × raiseFactor 1.5');
  assert.deepEqual(raised.containers[0].cpuRequest, { from: 0.5, to: 1 }, 'CPU did not fail: restored');
  // An undo that regressed again (OOM kills at the restored 1Gi): memory goes up, CPU is left as it is.
  const undo = entry(3, '2026-11-18T00:00:00Z', block({ 'memory.request': [768 * MI, GI], 'cpu.request': [0.5, 1] }, { kind: 'revert', reverts: 1 }), '2026-11-18T01:00:00Z');
  const [further] = undoRecommendations(undo, [e, undo], [{ ...oom, oldAlsoFailed: false }], T);
  assert.deepEqual(further.containers[0].memoryRequest, { from: GI, to: 1536 * MI }, 'never back to the 768Mi that failed first');
  assert.equal(further.containers[0].cpuRequest, undefined);
  // A later merge changed the CPU again: the undo leaves it alone.
  const later = entry(2, '2026-11-17T00:00:00Z', block({ 'cpu.request': [0.5, 0.4] }));
  const [partial] = undoRecommendations(e, [e, later], [oom], T);
  assert.equal(partial.containers[0].cpuRequest, undefined);
});

test('after an undo, lowering the workload again waits closedCooldownDays; a raise does not wait', () => {
  const undo = entry(8, '2026-11-18T00:00:00Z', block({ 'memory.request': [768 * MI, GI] }, { kind: 'revert', reverts: 7 }));
  const held = undoneWorkloads([undo], new Date('2026-11-20T00:00:00Z'), 30);
  assert.deepEqual([...held], [[ID, { pr: 8, until: '2026-12-18' }]]);
  assert.equal(undoneWorkloads([undo], new Date('2026-12-19T00:00:00Z'), 30).size, 0, 'the hold ends');
  const cut = recommendation({ cluster: 'prod', namespace: 'shop', name: 'api--v2', containers: [{ name: 'api', memory: [GI, 768 * MI] }], monthly: -10 });
  const other = recommendation({ cluster: 'prod', namespace: 'shop', name: 'web', containers: [{ name: 'web', cpu: [1, 0.5] }], monthly: -20 });
  const edit = (id: string, path: string) => ({ path, oldText: 'a', newText: 'b', recommendations: [id], locations: [] });
  const plan = buildPlan({ recommendations: [cut, other], edits: [edit(cut.id, 'api.yaml'), edit(other.id, 'web.yaml')] });
  let asked: string[] = [];
  const held2 = holdBackUndone(plan, held, recs => { asked = recs.map(r => r.id); return { edits: [edit(other.id, 'web.yaml')], unplaced: [] }; });
  assert.deepEqual(asked, [other.id], 'only the others are placed again');
  assert.deepEqual(held2.edits.map(e => e.path), ['web.yaml']);
  assert.match(held2.unplaced.at(-1)!.reason, /^undone in #8 after a regression: not lowered again before 2026-12-18/);
  assert.equal(held2.totals.workloads, 1);
  assert.equal(held2.totals.monthly, -20);
  const raise = recommendation({ cluster: 'prod', namespace: 'shop', name: 'api--v2', containers: [{ name: 'api', memory: [GI, 1536 * MI] }], monthly: 10 });
  const raising = buildPlan({ recommendations: [raise], edits: [edit(raise.id, 'api.yaml')] });
  assert.equal(holdBackUndone(raising, held, () => { throw new Error('not re-planned'); }), raising, 'a raise goes ahead');
});
