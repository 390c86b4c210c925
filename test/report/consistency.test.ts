// Findings of issue 15 in the report: the all-clouds forecast is the sum of the rows under it,
// the clouds' own forecasts reach every renderer (keyed like the rows, money in cents), terminal
// tables fit 120 columns, and counts read right ("1 workload").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import type { Plan } from '../../src/core/plan.ts';
import type { Snapshot } from '../../src/snapshot/types.ts';
import { buildReport } from '../../src/report/build.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { renderTerminal, TERMINAL_WIDTH } from '../../src/report/render-terminal.ts';

const fixtures = path.join(repoRoot, 'test/report/fixtures');
const snapshot = JSON.parse(readFileSync(path.join(fixtures, 'snapshot.json'), 'utf8')) as Snapshot;
const plan = JSON.parse(readFileSync(path.join(fixtures, 'plan.json'), 'utf8')) as Plan;

/** As the clouds' SDKs return them: provider names, not keys, and unrounded amounts. */
const withCloudForecasts: Snapshot = {
  ...snapshot,
  forecasts: [
    { provider: 'AWS', currency: 'USD', periodStart: '2026-11-16', periodEnd: '2026-12-16', mean: 3384.1200000001, low: 3164.159999, high: 3604.08, source: 'aws:GetCostForecast' },
    { provider: 'Microsoft Azure', currency: 'USD', periodStart: '2026-11-16', periodEnd: '2026-12-16', mean: 4841.8672830000005, source: 'azure:forecast' },
  ],
};

test('the all-clouds forecast is the sum of the per-cloud forecasts, and says so', () => {
  const r = buildReport(snapshot, plan);
  const [total] = r.forecast.total;
  const sum = (pick: (f: typeof total) => number) => Math.round(r.forecast.byProvider.reduce((s, f) => s + pick(f), 0) * 100) / 100;
  assert.equal(total.mean, sum(f => f.mean));
  assert.equal(total.low, sum(f => f.low));
  assert.equal(total.high, sum(f => f.high));
  assert.equal(total.actualToDate, sum(f => f.actualToDate));
  assert.match(total.method, /sum of the 3 per-cloud forecasts/);
  assert.match(renderMarkdown(r), /sum of the 3 per-cloud forecasts/);
  assert.match(renderTerminal(r), /all clouds = the sum of the clouds below/);
});

test('the clouds\' own forecasts are keyed like the rows, rounded to cents, and fill the HTML column', () => {
  const r = buildReport(withCloudForecasts, plan);
  assert.deepEqual(r.forecast.fromClouds.map(f => [f.key, f.mean, f.low]), [['aws', 3384.12, 3164.16], ['azure', 4841.87, undefined]]);
  const json = JSON.stringify(r);
  assert.doesNotMatch(json, /"(mean|low|high|amount|actualToDate)":-?\d+\.\d{3,}/);
  const html = renderHtml(r);
  const rows = [...html.matchAll(/<tr><td>(?:<b>)?([^<]+)(?:<\/b>)?<\/td>.*?<td class="small muted">([^<]*)<\/td><\/tr>/g)].map(m => [m[1], m[2]]);
  const own = Object.fromEntries(rows);
  assert.match(own.AWS, /\$3,384 for 2026-11-16 → 2026-12-16 \(aws:GetCostForecast\)/);
  assert.match(own.Azure, /\$4,842 for 2026-11-16 → 2026-12-16/);
  assert.match(renderMarkdown(r), /\| AWS \| 2026-11-16 → 2026-12-16 \|/);
});

test('terminal tables fit 120 columns; counts are singular for one', () => {
  const r = buildReport(withCloudForecasts, plan);
  r.prices = r.prices.map(p => ({ ...p, detail: `${p.detail} ${'very long billing detail '.repeat(10)}` }));
  const text = renderTerminal(r);
  const widest = Math.max(...text.split('\n').map(l => [...l].length));
  assert.ok(widest <= TERMINAL_WIDTH, `widest line ${widest}`);
  assert.match(text, /…/);
  const one = buildReport(snapshot, { ...plan, recommendations: plan.recommendations.filter(x => x.status === 'ok' && x.cost).slice(0, 1) });
  const all = [renderTerminal(one), renderMarkdown(one), renderHtml(one)].join('\n');
  assert.doesNotMatch(all, /\b1 workloads\b|\b1 open recommendations\b/);
  assert.match(all, /\b1 workload\b/);
});
