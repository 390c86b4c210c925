// Issue 18 item 5: when Prometheus did not report today's request, the engine's and the policy's
// step limits (relative to today's value) could not apply, and cuts of −72% went through. The
// file knows today's value: a cut below it is withheld with a reason; a raise, or a cut whose
// current value was known (and step-limited), is written.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/types.ts';
import { planEdits } from '../../src/gitops/index.ts';

const FILE = {
  path: 'clusters/prod-eks/api.yaml',
  text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            requests: {cpu: 1500m, memory: 1Gi}\n',
};

function rec(cpu: { from?: number; to: number }, memory?: { from?: number; to: number }): Recommendation {
  return {
    id: 'prod-eks/shop/Deployment/api', ref: { cluster: 'prod-eks', namespace: 'shop', kind: 'Deployment', name: 'api' }, status: 'ok', confidence: 'high',
    containers: [{ container: 'app', cpuRequest: cpu, ...(memory ? { memoryRequest: memory } : {}), evidence: { windowSeconds: 14 * 86400, samples: 1, coverage: 1, confidence: 'high' } }],
    evidence: { windowSeconds: 14 * 86400, notes: [] },
  };
}

const clusters = [{ name: 'prod-eks', cloud: 'aws', prometheus: { url: 'http://127.0.0.1:9' } }] as never;

test('a cut without a known current value is withheld; the file value is named', () => {
  const out = planEdits([FILE], [rec({ to: 0.3 }, { to: 200 * 2 ** 20 })], { repository: {}, clusters });
  assert.equal(out.edits.length, 0);
  assert.equal(out.unplaced.length, 2);
  assert.match(out.unplaced[0].reason, /cpu\.request \(app\) 1500m → lower withheld: today's value was not collected, so no step limit could be applied/);
  assert.match(out.unplaced[1].reason, /memory\.request \(app\) 1Gi → lower withheld/);
});

test('a raise without a known current value, or a cut from a known one, is written', () => {
  const raise = planEdits([FILE], [rec({ to: 2 })], { repository: {}, clusters });
  assert.match(raise.edits[0].newText, /cpu: 2000m|cpu: "?2"?/);
  const known = planEdits([FILE], [rec({ from: 1.5, to: 0.75 })], { repository: {}, clusters });
  assert.match(known.edits[0].newText, /cpu: 750m/);
});
