import assert from 'node:assert/strict';
import { test } from 'node:test';
import { branchName, groupPlan, groupTitle, sanitiseRefComponent } from '../../src/deliver/group.ts';
import { formatMoney } from '../../src/core/money.ts';
import { editFor, plan, recommendation } from '../helpers/plan-builder.ts';
import { demoPlan } from './fixtures/demo-plan.ts';

/** git check-ref-format rules for a branch name (refs/heads/<name>). */
function isValidRef(name: string): boolean {
  return name.length > 0
    && !/[\x00-\x20\x7f~^:?*[\\]/.test(name)
    && !name.includes('..') && !name.includes('@{') && !name.includes('//')
    && !name.startsWith('/') && !name.endsWith('/') && !name.endsWith('.') && name !== '@'
    && name.split('/').every(part => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

test('repository grouping puts every edit in one group on <prefix>all', () => {
  const p = demoPlan();
  const groups = groupPlan(p, 'repository', 'rightsizer/');
  assert.equal(groups.length, 1);
  const [g] = groups;
  assert.equal(g.key, 'all');
  assert.equal(g.branch, 'rightsizer/all');
  assert.equal(g.edits.length, p.edits.length);
  assert.equal(g.recommendations.length, 5);
  assert.equal(g.totals.monthly, p.totals.monthly);
  assert.deepEqual(g.totals.clouds, ['aws', 'azure', 'gcp']);
  assert.equal(g.title, 'rightsizer: rightsize 5 workloads (−$1,544/month)');
  assert.equal(g.unplaced.length, 1);
});

test('namespace grouping: one group per namespace, sorted, with branch and title', () => {
  const groups = groupPlan(demoPlan(), 'namespace', 'rightsizer/');
  assert.deepEqual(groups.map(g => g.key), ['ml', 'payments', 'search', 'shop']);
  assert.deepEqual(groups.map(g => g.branch), ['rightsizer/namespace-ml', 'rightsizer/namespace-payments', 'rightsizer/namespace-search', 'rightsizer/namespace-shop']);
  const shop = groups[3];
  assert.deepEqual(shop.recommendations.map(r => r.ref.name), ['checkout', 'catalog']);
  assert.equal(shop.title, 'rightsizer: rightsize 2 workloads in namespace shop (−$204/month)');
  assert.deepEqual(shop.totals.clouds, ['aws', 'gcp']);
  // The unplaced replicas of payments-api belong to the payments group only.
  assert.equal(groups[1].unplaced.length, 1);
  assert.equal(shop.unplaced.length, 0);
});

test('application grouping keys on namespace/name; team grouping reads a team label note, else the namespace', () => {
  const p = demoPlan();
  assert.deepEqual(groupPlan(p, 'application', 'rs/').map(g => g.branch),
    ['rs/application-ml-llm-inference', 'rs/application-payments-payments-api', 'rs/application-search-search', 'rs/application-shop-catalog', 'rs/application-shop-checkout']);
  const teams = groupPlan(p, 'team', 'rs/');
  assert.deepEqual(teams.map(g => g.key), ['ml', 'payments', 'search', 'shop', 'storefront']);
  assert.deepEqual(teams.find(g => g.key === 'storefront')!.recommendations.map(r => r.ref.name), ['checkout']);
  // A caller that knows better (Argo CD Application names) can say so.
  const apps = groupPlan(p, 'application', 'rs/', { applicationOf: r => (r.ref.namespace === 'shop' ? 'storefront-app' : undefined) });
  assert.deepEqual(apps.find(g => g.key === 'storefront-app')!.recommendations.map(r => r.ref.name), ['checkout', 'catalog']);
});

test('a file carrying recommendations of two groups goes to the first group, with a note on both', () => {
  const a = recommendation({ namespace: 'alpha', name: 'api', monthly: -10 });
  const b = recommendation({ namespace: 'beta', name: 'web', monthly: -20 });
  const c = recommendation({ namespace: 'beta', name: 'worker', monthly: -5 });
  const p = plan({
    recommendations: [a, b, c],
    edits: [editFor('manifests/shared.yaml', [b, a]), editFor('manifests/worker.yaml', [c])],
  });
  const groups = groupPlan(p, 'namespace', 'rightsizer/');
  assert.deepEqual(groups.map(g => g.key), ['alpha', 'beta']);
  const [alpha, beta] = groups;
  assert.deepEqual(alpha.edits.map(e => e.path), ['manifests/shared.yaml']);
  assert.deepEqual(alpha.recommendations.map(r => r.ref.name), ['api', 'web']);
  assert.equal(alpha.totals.monthly, -30);
  assert.match(alpha.notes[0], /manifests\/shared\.yaml.*namespace beta/);
  assert.deepEqual(beta.edits.map(e => e.path), ['manifests/worker.yaml']);
  assert.match(beta.notes[0], /shared with namespace alpha/);
});

test('groups whose files all went to another group open no pull request', () => {
  const a = recommendation({ namespace: 'alpha', name: 'api' });
  const b = recommendation({ namespace: 'beta', name: 'web' });
  const groups = groupPlan(plan({ recommendations: [a, b], edits: [editFor('one.yaml', [a, b])] }), 'namespace', 'rightsizer/');
  assert.deepEqual(groups.map(g => g.key), ['alpha']);
});

test('grouping is deterministic and independent of edit order', () => {
  const p = demoPlan();
  const once = JSON.stringify(groupPlan(p, 'namespace', 'rightsizer/'));
  assert.equal(JSON.stringify(groupPlan(structuredClone(p), 'namespace', 'rightsizer/')), once);
  const reversed = { ...p, edits: [...p.edits].reverse() };
  assert.deepEqual(groupPlan(reversed, 'namespace', 'rightsizer/').map(g => [g.key, g.branch, g.title]),
    groupPlan(p, 'namespace', 'rightsizer/').map(g => [g.key, g.branch, g.title]));
});

test('branch names obey git ref rules whatever the key and prefix', () => {
  const keys = ['shop', 'Team A', 'a..b', '.hidden', 'x.lock', 'we/ird:key?*', 'back\\slash', 'at@{1}', '-dash-', '~^', '', 'ü-ñ', 'x'.repeat(300)];
  for (const prefix of ['rightsizer/', 'bots/rightsizer-', 'rightsizer', '', 'a b/c..d/', '.x/']) {
    for (const key of keys) {
      const name = branchName(prefix, 'team', key);
      assert.ok(isValidRef(name), `${JSON.stringify(prefix)} + ${JSON.stringify(key)} → ${name}`);
      assert.ok(name.length < 160, name);
    }
  }
  assert.equal(branchName('rightsizer/', 'namespace', 'shop'), 'rightsizer/namespace-shop');
  assert.equal(branchName('bots/rightsizer-', 'repository', 'all'), 'bots/rightsizer-all');
  assert.equal(sanitiseRefComponent('team/a b'), 'team-a-b');
});

test('two keys that sanitise to the same branch get distinct branches', () => {
  const a = recommendation({ name: 'a' });
  const b = recommendation({ name: 'b' });
  const keyOf = new Map([[a.id, 'blue green'], [b.id, 'blue-green']]);
  const groups = groupPlan(plan({ recommendations: [a, b] }), 'team', 'rightsizer/', { teamOf: r => keyOf.get(r.id) });
  assert.equal(groups.length, 2);
  assert.notEqual(groups[0].branch, groups[1].branch);
  for (const g of groups) assert.ok(isValidRef(g.branch), g.branch);
});

test('titles use whole money units, singular for one workload, and no money when unpriced', () => {
  assert.equal(groupTitle('repository', 'all', { monthly: -1234.4, currency: 'USD', workloads: 5, clouds: [] }), 'rightsizer: rightsize 5 workloads (−$1,234/month)');
  assert.equal(groupTitle('namespace', 'shop', { monthly: 12.6, currency: 'EUR', workloads: 1, clouds: [] }), 'rightsizer: rightsize 1 workload in namespace shop (+€13/month)');
  assert.equal(groupTitle('repository', 'all', { monthly: 0.2, currency: 'USD', workloads: 2, clouds: [] }), 'rightsizer: rightsize 2 workloads');
  assert.equal(formatMoney(-1234567.891, 'USD'), '−$1,234,567.89');
  assert.equal(formatMoney(-0.001, 'USD'), '$0.00');
});

test('a plan without edits gives no groups', () => {
  const p = plan({ recommendations: [recommendation({ name: 'x' })], edits: [] });
  assert.deepEqual(groupPlan(p, 'repository', 'rightsizer/'), []);
});
