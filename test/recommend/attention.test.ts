// Issue 14 items 2 and 3: a raise for safety is never held back by money or calm rules, and a
// protected or frozen workload in trouble is shown (PR body, Slack, report) with the raise that
// would fix it, though it is not edited.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Recommendation } from '../../src/core/types.ts';
import { applyPolicies, loadPolicies } from '../../src/policy/index.ts';
import { needsAttention } from '../../src/recommend/attention.ts';
import { recommendWorkload } from '../../src/recommend/index.ts';
import { groupPlan } from '../../src/deliver/group.ts';
import { renderPullRequestBody } from '../../src/deliver/pr-body.ts';
import { slackMessage } from '../../src/deliver/slack.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { renderTerminal } from '../../src/report/render-terminal.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import type { Report } from '../../src/report/build.ts';
import { plan, recommendation } from '../helpers/plan-builder.ts';
import { DAY, makeProfile, MIB, OPTIONS, seeded, START } from './fixtures.ts';

const NOW = new Date('2026-03-02T10:00:00Z');

function policies(text: string) {
  const { policies: set, errors } = loadPolicies([{ path: 'p.yaml', text: `version: 1\n${text}` }]);
  assert.deepEqual(errors.map(e => e.message), []);
  return set;
}

const around = (level: number, seed = 1) => { const r = seeded(seed); return () => level * (0.99 + 0.02 * r()); };

/** Memory peak 150% of the request (no limit), CPU over-requested: the net change saves a little. */
function underMemory(): Recommendation {
  const rec = recommendWorkload(makeProfile({
    days: 14, name: 'worker', cpu: around(0.2), memory: around(768 * MIB),
    current: { requests: { cpuCores: 0.5, memoryBytes: 512 * MIB }, limits: {} },
  }), OPTIONS);
  rec.cost = { monthly: -0.41, currency: 'USD', priceSource: 'demo', priceDetail: '', caveat: '' };
  return rec;
}

test('a safety raise is never held back by a saving threshold or a minimum change', () => {
  const set = policies('rules:\n  - {name: worth, minMonthlySaving: {amount: 10, currency: USD}, minChange: {relative: 50%}}');
  const out = applyPolicies([underMemory()], set, { now: NOW, price: () => ({ monthly: -0.41, currency: 'USD' }) })[0];
  assert.notEqual(out.policy?.verdict, 'rejected', out.policy?.notes.join(' | '));
  assert.ok(out.containers[0].memoryRequest!.to! > 768 * MIB, 'the memory raise is kept');
  assert.ok(out.policy!.notes.some(n => /kept despite saving only \$0\.41\/month: it raises what is needed for safety \(memory peak/.test(n)), out.policy!.notes.join(' | '));
  // The same money rule still rejects a change that is only a saving.
  const saving = recommendWorkload(makeProfile({ days: 14, cpu: around(0.2), memory: around(300 * MIB), current: { requests: { cpuCores: 0.5, memoryBytes: 512 * MIB }, limits: {} } }), OPTIONS);
  saving.cost = { monthly: -0.41, currency: 'USD', priceSource: 'demo', priceDetail: '', caveat: '' };
  assert.equal(applyPolicies([saving], set, { now: NOW, price: () => ({ monthly: -0.41, currency: 'USD' }) })[0].policy?.verdict, 'rejected');
});

function protectedAndKilled(): Recommendation {
  // 12 OOM kills at 500Mi with a 512Mi limit, in a protected namespace.
  const kills = Array.from({ length: 12 }, (_, i) => ({ time: START + (2 + i) * DAY / 2, memoryBytes: 500 * MIB }));
  const profile = makeProfile({
    days: 14, name: 'ledger', cpu: around(0.2), memory: around(480 * MIB), oomKills: kills,
    current: { requests: { cpuCores: 0.5, memoryBytes: 512 * MIB }, limits: { memoryBytes: 512 * MIB } },
  });
  profile.ref.namespace = 'payments';
  profile.current.ref = profile.ref;
  const rec = recommendWorkload(profile, OPTIONS);
  const set = policies('rules:\n  - {name: pci, description: PCI scope, match: {namespaces: [payments]}, protected: true}');
  return applyPolicies([rec], set, { now: NOW })[0];
}

test('needs attention: a protected workload being OOM-killed is listed with the raise that would fix it', () => {
  const rec = protectedAndKilled();
  assert.equal(rec.policy?.reportOnly, true);
  const items = needsAttention([rec]);
  assert.equal(items.length, 1);
  assert.match(items[0].trouble.join(), /12 OOM kills in the window \(container app\)/);
  assert.ok(items[0].fix.some(f => /^memory\.request \(app\) 512Mi → \d+Mi$/.test(f)), items[0].fix.join());
  assert.ok(items[0].fix.some(f => /^memory\.limit \(app\) 512Mi → \d+Mi$/.test(f)), items[0].fix.join());
  assert.match(items[0].heldBy.join(), /^protected: report only/);
  // A protected workload without trouble, or an edited one in trouble, is not listed.
  assert.equal(needsAttention([{ ...rec, policy: { ...rec.policy!, reportOnly: false } }]).length, 0);
});

test('needs attention appears in the PR body, the Slack message and the report', () => {
  const trouble = protectedAndKilled();
  const edited = recommendation({ name: 'checkout', monthly: -50 });
  const p = plan({ recommendations: [edited, trouble], edits: undefined });
  p.edits = p.edits.filter(e => e.recommendations.includes(edited.id));
  const group = groupPlan(p, 'repository', 'rightsizer/')[0];
  const body = renderPullRequestBody(group, p);
  assert.match(body, /### ⚠️ Needs attention \(not edited by policy\)/);
  assert.match(body, /payments\/Deployment\/ledger`: 12 OOM kills/);
  assert.match(body, /Fix: memory\.request \(app\) 512Mi → \d+Mi/);

  const slack = JSON.stringify(slackMessage({ action: 'opened', group, pr: { number: 1, url: 'https://github.example/pr/1', title: 't' }, attention: needsAttention(p.recommendations) }));
  assert.match(slack, /Needs attention \(protected or frozen, not edited\)/);
  assert.match(slack, /12 OOM kills/);

  const report = { attention: needsAttention(p.recommendations) } as Partial<Report>;
  // Only the attention section is checked here; the full report is covered by test/report.
  const md = renderMarkdownSection(report);
  assert.match(md, /## Needs attention \(protected or frozen, not edited\)/);
  assert.match(md, /Fix: memory\.request \(app\) 512Mi → \d+Mi/);
});

function renderMarkdownSection(partial: Partial<Report>): string {
  const base: Report = JSON.parse(JSON.stringify(emptyReport()));
  const r = { ...base, ...partial } as Report;
  const md = renderMarkdown(r), term = renderTerminal(r), html = renderHtml(r);
  assert.match(term, /Needs attention \(protected or frozen, not edited\)/);
  assert.match(html, /<h2>Needs attention \(protected or frozen, not edited\)<\/h2>/);
  return md;
}

function emptyReport(): Report {
  return {
    schemaVersion: 1, asOf: '2026-03-02T00:00:00Z', period: null, measure: 'EffectiveCost', totals: [],
    spend: { provider: [], service: [], cluster: [], team: [], region: [], account: [] } as unknown as Report['spend'],
    daily: { dates: [], byProvider: [] }, anomalies: [], forecast: { total: [], byProvider: [], fromClouds: [] },
    prices: [], sources: { ok: [], failed: [] }, savings: { available: false, reason: 'no plan', totals: [], byWorkload: [] },
    ledger: { available: false, reason: 'no ledger', changes: [], totals: [] }, notes: [],
  } as unknown as Report;
}
