// Realised savings from the bill: the cluster's daily spend before and after a merge, with how
// far the move can be put down to the change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FocusRow } from '../../src/cost/focus.ts';
import { addDay } from '../../src/cost/daily-series.ts';
import type { LedgerEntry } from '../../src/loop/ledger.ts';
import { realisedSavings } from '../../src/loop/realised.ts';

const TAG = 'eks:cluster-name';

/** One row a day for a cluster, from `start` for `days` days, spend given per day index. */
function bill(cluster: string, start: string, days: number, spend: (i: number, day: string) => number): FocusRow[] {
  return Array.from({ length: days }, (_, i) => {
    const day = addDay(start, i);
    return {
      ProviderName: 'AWS', BillingAccountId: '1', ChargePeriodStart: `${day}T00:00:00Z`, ChargePeriodEnd: `${addDay(day, 1)}T00:00:00Z`,
      ServiceName: 'EC2', ServiceCategory: 'Compute', BilledCost: spend(i, day), EffectiveCost: spend(i, day), BillingCurrency: 'USD', Tags: { [TAG]: cluster },
    } satisfies FocusRow;
  });
}

function merged(pr: number, mergedAt: string, workloads: Array<[string, number]>): LedgerEntry {
  return {
    pr, url: `https://github.com/o/r/pull/${pr}`, mergedAt,
    block: { v: 1, kind: 'change', plan: 1, window: { start: '2026-10-01T00:00:00Z', end: mergedAt }, workloads: workloads.map(([id, monthly]) => ({ id, containers: [], values: {}, monthly, currency: 'USD' })) },
  };
}

const wobble = (i: number) => 2 * Math.sin(i * 1.7);

test('a clear drop after the merge: realised per month, high confidence; the merge day itself is not counted', () => {
  // 100/day before 2026-11-10, 70/day from 2026-11-11; the merge day is half and half.
  const rows = bill('prod', '2026-10-20', 40, (i, day) => (day < '2026-11-10' ? 100 : day === '2026-11-10' ? 85 : 70) + wobble(i));
  const [r] = realisedSavings([merged(7, '2026-11-10T12:00:00Z', [['prod/shop/Deployment/api', -800]])], rows, { until: '2026-11-29' });
  assert.equal(r.confidence, 'high', r.why);
  assert.equal(r.daysBefore, 14);
  assert.equal(r.daysAfter, 14);
  assert.equal(r.predictedMonthlySaving, 800);
  assert.ok(Math.abs(r.realisedMonthlySaving! - 30 * 730 / 24) < 40, `${r.realisedMonthlySaving} ≈ 30/day × 30.4`);
});

test('too early, within noise, the other way, and shared with another merge', () => {
  const noisy = bill('prod', '2026-10-20', 40, i => 100 + 15 * Math.sin(i * 2.3));
  const early = realisedSavings([merged(1, '2026-11-27T08:00:00Z', [['prod/a/Deployment/x', -50]])], noisy, { until: '2026-11-29' })[0];
  assert.equal(early.confidence, 'none');
  assert.equal(early.realisedMonthlySaving, undefined);
  assert.match(early.why, /1 whole day of bill after the merge; a figure needs 3/);

  const noise = realisedSavings([merged(2, '2026-11-10T08:00:00Z', [['prod/a/Deployment/x', -50]])], noisy, { until: '2026-11-29' })[0];
  assert.equal(noise.confidence, 'low');

  const rising = bill('prod', '2026-10-20', 40, (i, day) => (day <= '2026-11-10' ? 100 : 130) + wobble(i));
  const other = realisedSavings([merged(3, '2026-11-10T08:00:00Z', [['prod/a/Deployment/x', -50]])], rising, { until: '2026-11-29' })[0];
  assert.equal(other.confidence, 'low');
  assert.match(other.why, /moved the other way/);
  assert.ok(other.realisedMonthlySaving! < 0);

  // Two merges in one cluster within 14 days share the drop in proportion to their predictions (3:1).
  const drop = bill('prod', '2026-10-20', 40, (i, day) => (day <= '2026-11-10' ? 100 : 60) + wobble(i));
  const shared = realisedSavings([merged(4, '2026-11-10T08:00:00Z', [['prod/a/Deployment/x', -300]]), merged(5, '2026-11-12T08:00:00Z', [['prod/b/Deployment/y', -100]])], drop, { until: '2026-11-29' });
  assert.deepEqual(shared.map(s => [s.pr, s.confidence, s.sharedWith]), [[4, 'medium', [5]], [5, 'medium', [4]]]);
  assert.ok(shared[0].realisedMonthlySaving! > 2.5 * shared[1].realisedMonthlySaving!, 'the larger prediction takes the larger share');

  // A change in two clusters: a row per cluster, each from its own bill.
  const two = realisedSavings([merged(6, '2026-11-10T08:00:00Z', [['prod/a/Deployment/x', -300], ['stage/a/Deployment/x', -10]])], drop, { until: '2026-11-29' });
  assert.deepEqual(two.map(s => [s.cluster, s.confidence]), [['prod', 'high'], ['stage', 'none']]);
});

test('report --demo: predicted and realised savings of the demo\'s merged changes, from its recorded bill', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const path = await import('node:path');
  const { repoRoot } = await import('../helpers/shared.ts');
  const { demoSnapshot } = await import('../helpers/demo-snapshot.ts');
  const run = (format: string) => promisify(execFile)(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'report', '--demo', '--snapshot', demoSnapshot(), '--quiet', '--output', format], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 2 ** 20 });
  const report = JSON.parse((await run('json')).stdout);
  assert.equal(report.ledger.available, true);
  const rows = report.ledger.changes.map((c: { pr: number; cluster: string; confidence: string; predictedMonthlySaving: number; realisedMonthlySaving?: number }) => [c.pr, c.cluster, c.confidence, c.realisedMonthlySaving !== undefined]);
  assert.deepEqual(rows, [[9, 'prod-aks', 'low', true], [12, 'prod-aks', 'high', true], [12, 'prod-eks', 'high', true], [12, 'prod-gke', 'high', true]]);
  const twelve = report.ledger.changes.filter((c: { pr: number }) => c.pr === 12);
  for (const c of twelve) assert.ok(c.realisedMonthlySaving > 0 && c.predictedMonthlySaving > 0, `${c.cluster}: both savings`);
  const markdown = (await run('markdown')).stdout;
  assert.match(markdown, /## Merged changes: predicted and realised savings/);
  assert.match(markdown, /\| 2026-11-17 \| \[#12\]\(https:\/\/github\.com\/example\/platform-gitops\/pull\/12\) \| prod-gke \| \$1,221 \| \$[\d,]+ \| high: /);
});

test('report --ledger FILE: the entries of a verify --output json file; a file that is not one is a clear error', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { repoRoot } = await import('../helpers/shared.ts');
  const { demoSnapshot } = await import('../helpers/demo-snapshot.ts');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-ledger-file-'));
  try {
    const demo = JSON.parse(readFileSync(path.join(repoRoot, 'fixtures/demo/ledger.json'), 'utf8')) as { ledger: LedgerEntry[] };
    const file = path.join(dir, 'verify.json');
    writeFileSync(file, JSON.stringify({ ledger: demo.ledger.filter(e => e.pr === 12), changes: [], reverts: [], slack: [], queries: 0 }));
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'report', '--demo', '--snapshot', demoSnapshot(), '--quiet', '--output', 'json', ...args], { cwd: repoRoot, maxBuffer: 64 * 2 ** 20 });
    const report = JSON.parse((await run('--ledger', file)).stdout);
    assert.deepEqual(report.ledger.changes.map((c: { pr: number; cluster: string }) => `${c.pr} ${c.cluster}`), ['12 prod-aks', '12 prod-eks', '12 prod-gke']);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ledger: [{ pr: 1 }] }));
    await assert.rejects(run('--ledger', bad), (err: { code?: number; stderr?: string }) => err.code === 2 && /bad\.json: entry 0 of the ledger needs pr, mergedAt and block\.workloads/.test(err.stderr ?? ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
