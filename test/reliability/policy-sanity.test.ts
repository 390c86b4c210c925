// Findings 6 and 7: bounds that make a workload unschedulable or scale it to zero are rejected by
// validation unless explicitly allowed; the shipped defaults accept a production workload whose
// history is what a 14-day window holds (a little under 14 full days).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Recommendation } from '../../src/core/types.ts';
import { applyPolicies, defaultPolicyFiles, loadPolicies, readPolicyFiles } from '../../src/policy/index.ts';
import { repoRoot } from '../helpers/shared.ts';

const load = (body: string) => loadPolicies([{ path: 'policies/p.yaml', text: `version: 1\nrules:\n  - name: r\n${body}` }]);

test('bounds max 0 for CPU, memory or replicas are validation errors at file:line', () => {
  for (const [resource, value, message] of [
    ['cpu', '0m', /policies\/p\.yaml:6:\d+: .*bounds\.cpu\.max 0m leaves no cpu: every workload this rule matches would be unschedulable/],
    ['memory', '0Gi', /policies\/p\.yaml:6:\d+: .*bounds\.memory\.max 0Gi leaves no memory/],
    ['replicas', '0', /policies\/p\.yaml:6:\d+: .*bounds\.replicas\.max 0 scales every workload this rule matches to zero; set bounds\.allowScaleToZero: true/],
  ] as const) {
    const { errors } = load(`    bounds:\n      ${resource}:\n        max: ${value}\n`);
    assert.equal(errors.length, 1, `${resource}: ${errors.map(e => e.message).join('; ')}`);
    assert.match(errors[0].message, message);
  }
});

test('replicas max 0 validates when scale to zero is explicitly allowed', () => {
  const { errors } = load('    bounds:\n      allowScaleToZero: true\n      replicas:\n        max: 0\n');
  assert.deepEqual(errors.map(e => e.message), []);
});

test('the shipped defaults accept a prod workload with the history a 14-day window holds', async () => {
  const files = await readPolicyFiles(defaultPolicyFiles(), repoRoot);
  const { policies, errors } = loadPolicies(files);
  assert.deepEqual(errors, []);
  const history = 20155 * 60; // what the red team saw: "20155m of history"
  const rec: Recommendation = {
    id: 'prod-eks/shop/Deployment/checkout', ref: { cluster: 'prod-eks', namespace: 'shop', kind: 'Deployment', name: 'checkout' },
    status: 'ok', confidence: 'high', evidence: { windowSeconds: history, notes: [] },
    containers: [{ container: 'checkout', cpuRequest: { from: 2, to: 1.6 }, evidence: { windowSeconds: history, samples: 4000, coverage: 1, confidence: 'high' } }],
    cost: { currency: 'USD', monthly: -100, perPod: -25 } as unknown as Recommendation["cost"],
  };
  const [out] = applyPolicies([rec], policies, { now: new Date('2026-03-02T10:00:00Z'), workloads: { [rec.id]: { historySeconds: history, replicas: 4 } } });
  assert.ok(!out.policy?.notes.some(n => /of history is less than the minimum/.test(n)), out.policy?.notes.join('\n'));
});
