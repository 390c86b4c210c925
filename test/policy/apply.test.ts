// Applying policies: selection, precedence, clamping, rejection, conflicts, freeze windows,
// approvals, GPU/power, and the demo policy set on the demo's expected recommendations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecommendation, Recommendation, WorkloadKind } from '../../src/core/types.ts';
import { applyPolicies, explainPolicies, loadPolicies, readPolicyFiles } from '../../src/policy/index.ts';
import type { PolicyContext, PolicySet } from '../../src/policy/index.ts';
import { selectorMatches } from '../../src/policy/match.ts';
import { repoRoot } from '../helpers/shared.ts';

const GI = 2 ** 30;
const MI = 2 ** 20;
const DAY = 86400;
const NOW = new Date('2026-03-02T10:00:00Z'); // a Monday, no freeze in the test policies

function policies(...texts: string[]): PolicySet {
  const { policies: set, errors } = loadPolicies(texts.map((text, i) => ({ path: `p${i}.yaml`, text: `version: 1\n${text}` })));
  assert.deepEqual(errors.map(e => e.message), []);
  return set;
}

function container(name: string, fields: Partial<ContainerRecommendation> = {}, oomKills = 0): ContainerRecommendation {
  return {
    container: name,
    evidence: { windowSeconds: 14 * DAY, samples: 20000, coverage: 1, confidence: 'high', ...(oomKills > 0 ? { memory: { peak: 1, headroom: 0.2, volatility: 0.1, oomKills, why: 'OOM' } } : {}) },
    ...fields,
  };
}

function rec(workload: string, containers: ContainerRecommendation[], extra: Partial<Recommendation> = {}): Recommendation {
  const [cluster, namespace, kind, name] = workload.split('/');
  return {
    id: workload,
    ref: { cluster, namespace, kind: kind as WorkloadKind, name },
    status: 'ok',
    containers,
    confidence: 'high',
    evidence: { windowSeconds: 14 * DAY, notes: [] },
    ...extra,
  };
}

function one(r: Recommendation, set: PolicySet, context: Partial<PolicyContext> = {}): Recommendation {
  return applyPolicies([r], set, { now: NOW, ...context })[0];
}

// ---------------------------------------------------------------------------
// Selection

const WORKLOAD = { ref: { cluster: 'prod-eks', namespace: 'shop', kind: 'Deployment' as const, name: 'checkout' }, meta: { labels: { team: 'storefront', tier: 'web' }, annotations: { owner: 'web-team' } }, environment: 'prod' };

const SELECTION: Array<[string, object, boolean]> = [
  ['empty selector selects everything', {}, true],
  ['namespace literal', { namespaces: ['shop'] }, true],
  ['namespace glob', { namespaces: ['sh*'] }, true],
  ['namespace in a list', { namespaces: ['payments', 'shop'] }, true],
  ['other namespace', { namespaces: ['payments'] }, false],
  ['cluster glob', { clusters: ['prod-*'] }, true],
  ['cluster brace glob', { clusters: ['{dev,prod}-eks'] }, true],
  ['other cluster', { clusters: ['dev-*'] }, false],
  ['kind', { kinds: ['Deployment'] }, true],
  ['other kind', { kinds: ['StatefulSet'] }, false],
  ['name glob', { names: ['check*'] }, true],
  ['label value glob', { labels: { team: 'store*' } }, true],
  ['label any value', { labels: { tier: '*' } }, true],
  ['missing label', { labels: { app: '*' } }, false],
  ['annotation', { annotations: { owner: 'web-team' } }, true],
  ['environment', { environments: ['prod'] }, true],
  ['other environment', { environments: ['dev'] }, false],
  ['all keys must match', { namespaces: ['shop'], kinds: ['CronJob'] }, false],
];

for (const [what, selector, expected] of SELECTION) {
  test(`selection: ${what}`, () => {
    assert.equal(selectorMatches(selector, WORKLOAD) !== undefined, expected);
  });
}

test('selection: a workload without a known environment is not selected by environment rules', () => {
  assert.equal(selectorMatches({ environments: ['prod'] }, { ...WORKLOAD, environment: undefined }), undefined);
});

// ---------------------------------------------------------------------------
// Precedence

const PRECEDENCE: Array<{ what: string; rules: string; key: string; expect: string; from: string; meta?: object }> = [
  {
    what: 'name beats labels beats namespace beats catch-all',
    rules: `rules:
  - {name: all, bounds: {memory: {min: 64Mi}}}
  - {name: ns, match: {namespaces: [shop]}, bounds: {memory: {min: 128Mi}}}
  - {name: label, match: {labels: {team: storefront}}, bounds: {memory: {min: 256Mi}}}
  - {name: by-name, match: {names: [checkout]}, bounds: {memory: {min: 32Mi}}}`,
    key: 'bounds.memory.min', expect: '32Mi', from: 'p0.yaml#by-name', meta: { labels: { team: 'storefront' } },
  },
  {
    what: 'a literal namespace beats a namespace glob',
    rules: `rules:
  - {name: glob, match: {namespaces: ["sh*"]}, steps: {cpu: {maxDecrease: 20%}}}
  - {name: literal, match: {namespaces: [shop]}, steps: {cpu: {maxDecrease: 60%}}}`,
    key: 'steps.cpu.maxDecrease', expect: '60%', from: 'p0.yaml#literal',
  },
  {
    what: 'equal specificity: the lower maximum wins',
    rules: `rules:
  - {name: a, match: {namespaces: [shop]}, bounds: {memory: {max: 4Gi}}}
  - {name: b, match: {namespaces: [shop]}, bounds: {memory: {max: 2Gi}}}`,
    key: 'bounds.memory.max', expect: '2Gi', from: 'p0.yaml#b',
  },
  {
    what: 'equal specificity: the higher minimum wins',
    rules: `rules:
  - {name: a, match: {namespaces: [shop]}, availability: {minReplicas: 3}}
  - {name: b, match: {namespaces: [shop]}, availability: {minReplicas: 2}}`,
    key: 'availability.minReplicas', expect: '3', from: 'p0.yaml#a',
  },
  {
    what: 'equal specificity: the smaller step wins',
    rules: `rules:
  - {name: a, steps: {memory: {maxDecrease: 50%}}}
  - {name: b, steps: {memory: {maxDecrease: 30%}}}`,
    key: 'steps.memory.maxDecrease', expect: '30%', from: 'p0.yaml#b',
  },
  {
    what: 'equal specificity: allowed directions intersect',
    rules: `rules:
  - {name: a, changes: {memory: increase}}
  - {name: b, changes: {memory: decrease}}`,
    key: 'changes.memory', expect: 'none', from: 'p0.yaml#a',
  },
  {
    what: 'an environment override beats its rule (prod stricter than dev)',
    rules: `environments:
  - {name: prod, match: {clusters: ["prod-*"]}}
rules:
  - name: base
    steps: {memory: {maxDecrease: 50%}}
    overrides:
      prod: {steps: {memory: {maxDecrease: 20%}}}
      dev: {steps: {memory: {maxDecrease: 70%}}}`,
    key: 'steps.memory.maxDecrease', expect: '20%', from: 'p0.yaml#base[prod]',
  },
];

for (const c of PRECEDENCE) {
  test(`precedence: ${c.what}`, () => {
    const e = explainPolicies({ cluster: 'prod-eks', namespace: 'shop', kind: 'Deployment', name: 'checkout' }, c.meta ?? {}, policies(c.rules));
    const s = e.effective.find(x => x.key === c.key);
    assert.ok(s, JSON.stringify(e.effective));
    assert.equal(s.value, c.expect);
    assert.equal(s.rule, c.from);
    assert.ok(s.overridden.length > 0);
  });
}

test('precedence: explain lists rules most specific first, with why', () => {
  const set = policies(PRECEDENCE[0].rules);
  const e = explainPolicies({ cluster: 'prod-eks', namespace: 'shop', kind: 'Deployment', name: 'checkout' }, { labels: { team: 'storefront' } }, set);
  assert.deepEqual(e.rules.map(r => r.id), ['p0.yaml#by-name', 'p0.yaml#label', 'p0.yaml#ns', 'p0.yaml#all']);
  assert.deepEqual(e.rules[1].why, ['label team=storefront matches "storefront"']);
  assert.equal(e.rules[0].location, 'p0.yaml:6:5');
});

// ---------------------------------------------------------------------------
// Clamping and rejection, table-driven: policy, recommendation, expected fields and verdict.

interface Case {
  what: string;
  rules: string;
  rec: Recommendation;
  context?: Partial<PolicyContext>;
  verdict: 'accepted' | 'clamped' | 'rejected';
  check: (out: Recommendation) => void;
  note?: RegExp;
}

const cpuMem = (cpu: [number, number] | undefined, mem: [number, number] | undefined, name = 'app', oom = 0) =>
  container(name, { ...(cpu ? { cpuRequest: { from: cpu[0], to: cpu[1] } } : {}), ...(mem ? { memoryRequest: { from: mem[0], to: mem[1] } } : {}) }, oom);

const CASES: Case[] = [
  {
    what: 'no rule acts: accepted with no notes',
    rules: 'rules: []',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.5], undefined)]),
    verdict: 'accepted',
    check: out => { assert.equal(out.containers[0].cpuRequest?.to, 0.5); assert.deepEqual(out.policy?.notes, []); assert.deepEqual(out.policy?.rules, []); },
  },
  {
    what: 'step limit clamps a memory cut and says why',
    rules: 'rules:\n  - {name: shop-steps, match: {namespaces: [shop]}, steps: {memory: {maxDecrease: 50%}}}',
    rec: rec('prod-gke/shop/Deployment/catalog', [cpuMem(undefined, [4 * GI, 1.6 * GI], 'catalog')]),
    verdict: 'clamped',
    note: /^clamped memory\.request \(catalog\) 4Gi → 1\.6Gi to 2Gi: step limit −50% per PR \(p0\.yaml#shop-steps\)$/,
    check: out => {
      assert.equal(out.containers[0].memoryRequest?.to, 2 * GI);
      assert.deepEqual(out.containers[0].evidence.notSmallerBecause, ['step limit −50% per PR (p0.yaml#shop-steps)']);
    },
  },
  {
    what: 'increase step limit',
    rules: 'rules:\n  - {name: up, steps: {cpu: {maxIncrease: 100%}}}',
    rec: rec('c/ns/Deployment/w', [cpuMem([0.5, 2], undefined)]),
    verdict: 'clamped',
    check: out => assert.equal(out.containers[0].cpuRequest?.to, 1),
  },
  {
    what: 'bounds clamp below the minimum and above the maximum (requests and limits)',
    rules: 'rules:\n  - {name: b, bounds: {cpu: {min: 100m}, memory: {max: 8Gi}}}',
    rec: rec('c/ns/Deployment/w', [container('app', { cpuRequest: { from: 0.5, to: 0.02 }, memoryRequest: { from: 6 * GI, to: 10 * GI }, memoryLimit: { from: 6 * GI, to: 12 * GI } })]),
    verdict: 'clamped',
    check: out => {
      assert.equal(out.containers[0].cpuRequest?.to, 0.1);
      assert.equal(out.containers[0].memoryRequest?.to, 8 * GI);
      assert.equal(out.containers[0].memoryLimit?.to, 8 * GI);
      assert.equal(out.policy?.notes.length, 3);
    },
  },
  {
    what: 'bounds win over step limits',
    rules: 'rules:\n  - {name: b, bounds: {memory: {min: 1Gi}}, steps: {memory: {maxDecrease: 90%}}}',
    rec: rec('c/ns/Deployment/w', [cpuMem(undefined, [4 * GI, 0.2 * GI])]),
    verdict: 'clamped',
    check: out => assert.equal(out.containers[0].memoryRequest?.to, GI),
  },
  {
    what: 'availability floor on replicas and HPA minReplicas',
    rules: 'rules:\n  - {name: ha, availability: {minReplicas: 2}}',
    rec: rec('c/ns/Deployment/w', [], { replicas: { from: 4, to: 1 }, hpa: { minReplicas: { from: 3, to: 1 }, targetCPUUtilization: { from: 60, to: 1 } } }),
    verdict: 'clamped',
    note: /availability needs at least 2 replicas/,
    check: out => { assert.equal(out.replicas?.to, 2); assert.equal(out.hpa?.minReplicas?.to, 2); assert.equal(out.hpa?.targetCPUUtilization?.to, 1); },
  },
  {
    what: 'a clamp that leaves no change removes the field',
    rules: 'rules:\n  - {name: floor, bounds: {replicas: {min: 3}}}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.5], undefined)], { replicas: { from: 3, to: 2 } }),
    verdict: 'clamped',
    check: out => { assert.equal(out.replicas, undefined); assert.equal(out.containers[0].cpuRequest?.to, 0.5); },
  },
  {
    what: 'changes below the minimum are left alone; nothing left means rejected',
    rules: 'rules:\n  - {name: worth-it, minChange: {relative: 10%, cpu: 50m}}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.95], undefined), cpuMem([0.2, 0.17], undefined, 'side')]),
    verdict: 'rejected',
    note: /left cpu\.request \(app\) at 1: change of 5% is below the 10% minimum/,
    check: out => { assert.equal(out.containers[0].cpuRequest, undefined); assert.equal(out.containers[1].cpuRequest, undefined); },
  },
  {
    what: 'a memory raise after OOM kills is never held back by the minimum change',
    rules: 'rules:\n  - {name: worth-it, minChange: {relative: 50%}}',
    rec: rec('c/ns/Deployment/w', [cpuMem(undefined, [GI, 1.2 * GI], 'api', 2)]),
    verdict: 'accepted',
    check: out => assert.equal(out.containers[0].memoryRequest?.to, 1.2 * GI),
  },
  {
    what: 'Guaranteed pods stay Guaranteed: the limit follows the request',
    rules: 'rules:\n  - {name: qos, qos: {preserveGuaranteed: true}}',
    rec: rec('c/ns/Deployment/w', [container('app', { memoryRequest: { from: 2 * GI, to: GI } })]),
    context: { workloads: { 'c/ns/Deployment/w': { containers: [{ container: 'app', requests: { cpuCores: 1, memoryBytes: 2 * GI }, limits: { cpuCores: 1, memoryBytes: 2 * GI } }] } } },
    verdict: 'clamped',
    note: /kept app Guaranteed: memory\.limit = memory\.request = 1Gi/,
    check: out => assert.deepEqual(out.containers[0].memoryLimit, { from: 2 * GI, to: GI }),
  },
  {
    what: 'a raised request lifts a lower limit',
    rules: 'rules:\n  - {name: keep, qos: {cpuLimits: keep}}',
    rec: rec('c/ns/Deployment/w', [container('app', { cpuRequest: { from: 0.5, to: 1.5 } })]),
    context: { workloads: { 'c/ns/Deployment/w': { containers: [{ container: 'app', requests: { cpuCores: 0.5 }, limits: { cpuCores: 1 } }] } } },
    verdict: 'clamped',
    check: out => assert.deepEqual(out.containers[0].cpuLimit, { from: 1, to: 1.5 }),
  },
  {
    what: 'CPU limits are not removed where they are kept',
    rules: 'rules:\n  - {name: keep, qos: {cpuLimits: keep}}',
    rec: rec('c/ns/Deployment/w', [container('app', { cpuRequest: { from: 1, to: 0.5 }, cpuLimit: { from: 2 } })]),
    verdict: 'clamped',
    check: out => { assert.equal(out.containers[0].cpuLimit, undefined); assert.equal(out.containers[0].cpuRequest?.to, 0.5); },
  },
  {
    what: 'CPU limits are not added where they are dropped',
    rules: 'rules:\n  - {name: drop, qos: {cpuLimits: drop}}',
    rec: rec('c/ns/Deployment/w', [container('app', { cpuRequest: { from: 1, to: 0.5 }, cpuLimit: { to: 1 } })]),
    verdict: 'clamped',
    note: /rejected adding cpu\.limit \(app\) 1: CPU limits are dropped here/,
    check: out => assert.equal(out.containers[0].cpuLimit, undefined),
  },
  {
    what: 'limit/request ratio: a cut request is raised to respect it',
    rules: 'rules:\n  - {name: ratio, qos: {maxLimitRequestRatio: {memory: 2}}}',
    rec: rec('c/ns/Deployment/w', [cpuMem(undefined, [3 * GI, 512 * MI])]),
    context: { workloads: { 'c/ns/Deployment/w': { containers: [{ container: 'app', requests: { memoryBytes: 3 * GI }, limits: { memoryBytes: 4 * GI } }] } } },
    verdict: 'clamped',
    note: /clamped memory\.request \(app\) to 2Gi: limit\/request at most 2/,
    check: out => assert.equal(out.containers[0].memoryRequest?.to, 2 * GI),
  },
  {
    what: 'confidence below the minimum rejects the whole recommendation',
    rules: 'rules:\n  - {name: sure, minConfidence: high}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.5], undefined)], { confidence: 'medium', replicas: { from: 3, to: 2 } }),
    verdict: 'rejected',
    note: /^rejected: confidence medium is below the minimum high \(p0\.yaml#sure\)$/,
    check: out => { assert.equal(out.containers[0].cpuRequest, undefined); assert.equal(out.replicas, undefined); assert.ok(out.containers[0].evidence); },
  },
  {
    what: 'too little history rejects',
    rules: 'rules:\n  - {name: history, minHistory: 7d}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.5], undefined)]),
    context: { workloads: { 'c/ns/Deployment/w': { historySeconds: 3 * DAY } } },
    verdict: 'rejected',
    note: /3d of history is less than the minimum 7d/,
    check: () => undefined,
  },
  {
    what: 'a disallowed direction rejects that field only',
    rules: 'rules:\n  - {name: no-cuts, changes: {memory: increase}}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.5], [2 * GI, GI])]),
    verdict: 'clamped',
    note: /rejected memory\.request \(app\) 2Gi → 1Gi: memory changes allowed: increase/,
    check: out => { assert.equal(out.containers[0].memoryRequest, undefined); assert.equal(out.containers[0].cpuRequest?.to, 0.5); },
  },
  {
    what: 'all-or-nothing: a rejected GPU change rejects the whole recommendation',
    rules: 'rules:\n  - {name: gpus-by-hand, match: {namespaces: [ml]}, changes: {gpu: none}, allOrNothing: true}',
    rec: rec('prod-gke/ml/Deployment/llm', [container('server', { gpuRequest: { from: 2, to: 1 }, gpuLimit: { from: 2, to: 1 }, memoryRequest: { from: 32 * GI, to: 20 * GI } })]),
    verdict: 'rejected',
    note: /rejected the whole recommendation/,
    check: out => assert.equal(Object.keys(out.containers[0]).filter(k => k !== 'container' && k !== 'evidence').length, 0),
  },
  {
    what: 'minimum monthly saving, priced again after clamping',
    rules: 'rules:\n  - {name: worth, minMonthlySaving: {amount: 10, currency: USD}, steps: {cpu: {maxDecrease: 10%}}}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.5], undefined)], { cost: { monthly: -30, currency: 'USD', priceSource: 'demo', priceDetail: '', caveat: '' } }),
    context: { price: r => ({ monthly: -60 * ((r.containers[0].cpuRequest?.from ?? 0) - (r.containers[0].cpuRequest?.to ?? 0)), currency: 'USD' }) },
    verdict: 'rejected',
    note: /rejected: saves \$6\.00\/month, below the 10 USD minimum/,
    check: () => undefined,
  },
  {
    what: 'the minimum saving never holds back an increase',
    rules: 'rules:\n  - {name: worth, minMonthlySaving: {amount: 10, currency: USD}}',
    rec: rec('c/ns/Deployment/w', [cpuMem(undefined, [GI, 2 * GI], 'api', 1)], { cost: { monthly: 4, currency: 'USD', priceSource: 'demo', priceDetail: '', caveat: '' } }),
    verdict: 'accepted',
    check: () => undefined,
  },
  {
    what: 'the minimum saving is compared only in its own currency',
    rules: 'rules:\n  - {name: worth, minMonthlySaving: {amount: 10, currency: EUR}}',
    rec: rec('c/ns/Deployment/w', [cpuMem([1, 0.9], undefined)], { cost: { monthly: -1, currency: 'USD', priceSource: 'demo', priceDetail: '', caveat: '' } }),
    verdict: 'accepted',
    check: () => undefined,
  },
  {
    what: 'protected: report only, values kept',
    rules: 'rules:\n  - {name: pci, description: PCI scope, match: {namespaces: [payments]}, protected: true}',
    rec: rec('prod-aks/payments/Deployment/payments-api', [cpuMem([2, 1], undefined)]),
    verdict: 'accepted',
    note: /^protected: report only, never edited — PCI scope \(p0\.yaml#pci\)$/,
    check: out => { assert.equal(out.policy?.reportOnly, true); assert.equal(out.containers[0].cpuRequest?.to, 1); },
  },
  {
    what: 'approvals: GPU changes and big cuts need a label or a team',
    rules: `rules:
  - name: ml
    approvals:
      - {name: gpu, when: {resources: [gpu]}, require: {teams: ["@example/ml-platform"], labels: [gpu-ok]}}
      - {name: big-cut, when: {decreaseOver: 60%}, require: {labels: [finops-approved]}}`,
    rec: rec('prod-gke/ml/Deployment/llm', [container('server', { gpuRequest: { from: 2, to: 1 }, cpuRequest: { from: 8, to: 4 } })]),
    verdict: 'accepted',
    note: /needs approval "gpu": changes gpu; approve with label "gpu-ok" or review by @example\/ml-platform/,
    check: out => assert.deepEqual(out.policy?.approvals, ['@example/ml-platform', 'label:gpu-ok']),
  },
  {
    what: 'max-watts rejects a GPU increase that would exceed it',
    rules: 'rules:\n  - {name: power, gpu: {maxWatts: 500}}',
    rec: rec('c/ml/Deployment/train', [container('t', { gpuRequest: { from: 2, to: 4 }, evidence: { windowSeconds: 1, samples: 1, coverage: 1, confidence: 'high', gpu: { utilisationP95: 95, memoryPeakBytes: 1, powerP95Watts: 70, why: '' } } })], { replicas: { from: 2, to: 2 } }),
    verdict: 'rejected',
    note: /projected 560 W is above max-watts 500 W/,
    check: () => undefined,
  },
  {
    what: 'a rightsizer.dev/max-watts annotation is the workload\'s own max-watts, over the policy\'s',
    rules: 'rules:\n  - {name: power, gpu: {maxWatts: 5000}}',
    rec: rec('c/ml/Deployment/train', [container('t', { gpuRequest: { from: 2, to: 4 }, evidence: { windowSeconds: 1, samples: 1, coverage: 1, confidence: 'high', gpu: { utilisationP95: 95, memoryPeakBytes: 1, powerP95Watts: 70, why: '' } } })], { replicas: { from: 2, to: 2 } }),
    context: { workloads: { 'c/ml/Deployment/train': { annotations: { 'rightsizer.dev/max-watts': '300' } } } },
    verdict: 'rejected',
    note: /projected 560 W is above max-watts 300 W/,
    check: out => assert.ok(out.policy?.notes.some(n => n.includes('annotation rightsizer.dev/max-watts')), out.policy?.notes.join('\n')),
  },
  {
    what: 'a MIG suggestion is applied only where gpu.migProfiles allows its profile',
    rules: 'rules:\n  - {name: share, gpu: {migProfiles: [1g.10gb]}}',
    rec: rec('c/ml/Deployment/nb', [container('nb', { gpuResource: { from: 'nvidia.com/gpu', to: 'nvidia.com/mig-1g.10gb' } }), container('big', { gpuResource: { from: 'nvidia.com/gpu', to: 'nvidia.com/mig-3g.40gb' } })]),
    verdict: 'clamped',
    note: /suggestion: big fits a MIG slice nvidia\.com\/mig-3g\.40gb; not applied: gpu\.migProfiles of .* allows 1g\.10gb/,
    check: out => {
      assert.equal(out.containers[0].gpuResource?.to, 'nvidia.com/mig-1g.10gb');
      assert.equal(out.containers[1].gpuResource, undefined);
    },
  },
  {
    what: 'fractional GPUs are rounded up, with the sharing options the policy allows',
    rules: 'rules:\n  - {name: share, gpu: {timeSlicing: true, migProfiles: [1g.10gb]}}',
    rec: rec('c/ml/Deployment/nb', [container('nb', { gpuRequest: { from: 2, to: 0.4 } })]),
    verdict: 'clamped',
    note: /Kubernetes schedules whole GPUs; to share a GPU use MIG profiles 1g\.10gb or time-slicing/,
    check: out => assert.equal(out.containers[0].gpuRequest?.to, 1),
  },
];

for (const c of CASES) {
  test(`apply: ${c.what}`, () => {
    const input = structuredClone(c.rec);
    const out = one(c.rec, policies(c.rules), c.context);
    assert.deepEqual(c.rec, input, 'the input is not modified');
    assert.equal(out.policy?.verdict, c.verdict, JSON.stringify(out.policy));
    if (c.note) assert.ok(out.policy?.notes.some(n => c.note?.test(n)), `no note matching ${c.note}:\n${out.policy?.notes.join('\n')}`);
    c.check(out);
  });
}

test('apply: a recommendation with no change is accepted untouched', () => {
  const out = one(rec('c/ns/Deployment/w', [], { status: 'no-change' }), policies('rules:\n  - {name: sure, minConfidence: high}'), {});
  assert.deepEqual(out.policy, { verdict: 'accepted', notes: [], rules: [] });
});

test('apply: energy budget rejects changes that raise an over-budget team\'s energy use', () => {
  const set = policies('energyBudgets: [{team: ml, kwhPerMonth: 1000}]\nrules: []');
  const energy = (before: number, after: number) => ({ kwhPerMonthBefore: before, kwhPerMonthAfter: after, kgCo2ePerMonthBefore: 0, kgCo2ePerMonthAfter: 0, model: 'test' });
  const up = rec('c/ml/Deployment/a', [cpuMem([1, 2], undefined)], { energy: energy(500, 700) });
  const down = rec('c/ml/Deployment/b', [cpuMem([2, 1], undefined)], { energy: energy(600, 500) });
  const out = applyPolicies([up, down], set, { now: NOW, workloads: { 'c/ml/Deployment/a': { team: 'ml' }, 'c/ml/Deployment/b': { labels: { team: 'ml' } } } });
  assert.equal(out[0].policy?.verdict, 'rejected');
  assert.match(out[0].policy?.notes[0] ?? '', /team ml would use 1200 kWh\/month, over its 1000 kWh budget/);
  assert.equal(out[1].policy?.verdict, 'accepted');
});

// ---------------------------------------------------------------------------
// Freeze windows in their time zones

const FREEZE = `rules:
  - name: freezes
    freeze:
      - {name: black-friday, from: "11-20", to: "12-02", timeZone: America/New_York}
      - {name: office, outsideHours: {days: [mon, tue, wed, thu], hours: "09:00-16:00"}, timeZone: Europe/Berlin}
`;

const FREEZE_CASES: Array<[string, string, string[]]> = [
  ['Monday 10:00 Berlin, in March', '2026-03-02T09:00:00Z', []],
  ['Friday 10:00 Berlin: outside working days', '2026-03-06T09:00:00Z', ['office']],
  ['Monday 17:30 Berlin: after hours', '2026-03-02T16:30:00Z', ['office']],
  ['Black Friday (Tuesday 11:00 Berlin)', '2025-11-25T10:00:00Z', ['black-friday']],
  ['3 Dec 03:00 UTC is still 2 Dec in New York', '2025-12-03T03:00:00Z', ['black-friday', 'office']],
  ['3 Dec 10:00 Berlin (Wednesday): thawed', '2025-12-03T09:00:00Z', []],
];

for (const [what, now, frozenBy] of FREEZE_CASES) {
  test(`freeze: ${what}`, () => {
    const out = one(rec('c/ns/Deployment/w', [cpuMem([1, 0.5], undefined)]), policies(FREEZE), { now: new Date(now) });
    assert.equal(out.policy?.reportOnly === true, frozenBy.length > 0);
    const names = out.policy?.notes.map(n => /freeze window "([^"]+)"/.exec(n)?.[1]).filter(Boolean);
    assert.deepEqual(names, frozenBy);
    assert.equal(out.containers[0].cpuRequest?.to, 0.5, 'a frozen recommendation keeps its values for reports');
  });
}

// ---------------------------------------------------------------------------
// Conflicts

test('conflicts across files are reported with both locations, and the resource is left alone', () => {
  const files = [
    { path: 'a.yaml', text: 'version: 1\nrules:\n  - name: ceiling\n    match: {namespaces: [shop]}\n    bounds: {memory: {max: 1Gi}}\n' },
    { path: 'b.yaml', text: 'version: 1\nrules:\n  - name: floor\n    match: {names: [checkout]}\n    bounds: {memory: {min: 2Gi}}\n' },
  ];
  const { policies: set, errors } = loadPolicies(files);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].message, 'b.yaml:5:28: conflicting policy: bounds.memory.min 2Gi (b.yaml#floor, b.yaml:5:28) is above bounds.memory.max 1Gi (a.yaml#ceiling, a.yaml:5:28)');
  const out = one(rec('prod-eks/shop/Deployment/checkout', [cpuMem([1, 0.5], [2 * GI, 1.5 * GI])]), set);
  assert.equal(out.containers[0].memoryRequest, undefined);
  assert.equal(out.containers[0].cpuRequest?.to, 0.5);
  assert.ok(out.policy?.notes.some(n => n.startsWith('policy conflict: bounds.memory.min 2Gi')));
});

test('rules that can never select the same workload do not conflict', () => {
  const { errors } = loadPolicies([{ path: 'x.yaml', text: 'version: 1\nrules:\n  - {name: a, match: {namespaces: ["dev-*"]}, bounds: {memory: {max: 1Gi}}}\n  - {name: b, match: {namespaces: ["prod-*"]}, bounds: {memory: {min: 2Gi}}}\n  - {name: c, match: {labels: {tier: web}}, bounds: {cpu: {max: 1}}}\n  - {name: d, match: {labels: {tier: db}}, bounds: {cpu: {min: 2}}}\n' }]);
  assert.deepEqual(errors, []);
});

// ---------------------------------------------------------------------------
// The demo policy set on the recommendations the demo expects (fixtures/gitops-repo/README.md).

test('demo policies clamp catalog, let llm-inference lose a GPU with ML approval, reject a GPU increase, and ask payments on-call to approve', async () => {
  const { policies: set, errors } = loadPolicies(await readPolicyFiles(['fixtures/gitops-repo/policies/'], repoRoot));
  assert.deepEqual(errors, []);
  const recs = [
    rec('prod-eks/shop/Deployment/checkout', [container('checkout', { cpuRequest: { from: 1.5, to: 0.4 }, memoryRequest: { from: 2 * GI, to: 1.05 * GI }, memoryLimit: { from: 2 * GI, to: 1.05 * GI } })], { replicas: { from: 6, to: 4 } }),
    rec('prod-gke/shop/Deployment/catalog', [container('catalog', { cpuRequest: { from: 1, to: 0.3 }, memoryRequest: { from: 4 * GI, to: 1.6 * GI }, memoryLimit: { from: 4 * GI, to: 1.6 * GI } })]),
    rec('prod-aks/payments/Deployment/payments-api', [cpuMem(undefined, [GI, 1.5 * GI], 'api', 3), cpuMem([0.1, 0.05], undefined, 'envoy')]),
    rec('prod-eks/search/Deployment/search', [cpuMem([0.8, 0.5], undefined, 'search')]),
    rec('prod-gke/ml/Deployment/llm-inference', [container('server', { gpuRequest: { from: 2, to: 1 }, gpuLimit: { from: 2, to: 1 }, cpuRequest: { from: 8, to: 4 } })]),
  ];
  const out = applyPolicies(recs, set, { now: NOW });
  const byName = Object.fromEntries(out.map(r => [r.ref.name, r]));

  assert.equal(byName.catalog.policy?.verdict, 'clamped');
  assert.equal(byName.catalog.containers[0].memoryRequest?.to, 2 * GI);
  assert.equal(byName.catalog.containers[0].memoryLimit?.to, 2 * GI);
  assert.ok(byName.catalog.policy?.rules.includes('fixtures/gitops-repo/policies/platform.yaml#shop-memory-steps'));

  assert.equal(byName['llm-inference'].policy?.verdict, 'accepted');
  assert.deepEqual(byName['llm-inference'].policy?.approvals, ['@example/ml-platform']);
  assert.ok(byName['llm-inference'].policy?.rules.includes('fixtures/gitops-repo/policies/ml.yaml#gpu-count-reviewed'));

  const [grow] = applyPolicies([rec('prod-gke/ml/Deployment/llm-inference', [container('server', { gpuRequest: { from: 2, to: 3 }, gpuLimit: { from: 2, to: 3 }, cpuRequest: { from: 8, to: 4 } })])], set, { now: NOW });
  assert.equal(grow.policy?.verdict, 'rejected', 'a GPU increase is not automatic, and CPU does not change without it');
  assert.ok(grow.policy?.notes.some(n => n.includes('gpu changes allowed: decrease')), grow.policy?.notes.join('\n'));

  assert.deepEqual(byName['payments-api'].policy?.approvals, ['@example/payments-oncall']);
  assert.equal(byName['payments-api'].containers[0].memoryRequest?.to, 1.5 * GI, 'the OOM fix goes through');
  assert.equal(byName.checkout.replicas?.to, 4);
  assert.equal(byName.search.policy?.verdict, 'accepted');
});
