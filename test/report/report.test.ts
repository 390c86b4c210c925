// The report from a hand-made snapshot (test/report/fixtures/, written by make-fixtures.ts):
// the data, and its Markdown, HTML and JSON renderings through the real CLI.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import type { Plan } from '../../src/core/plan.ts';
import type { Snapshot } from '../../src/snapshot/types.ts';
import { buildReport, type Report } from '../../src/report/build.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { renderHtml } from '../../src/report/render-html.ts';
import { renderTerminal } from '../../src/report/render-terminal.ts';
import { reportFormat } from '../../src/cli/commands/report.ts';

const fixtures = path.join(repoRoot, 'test/report/fixtures');
const snapshot = JSON.parse(readFileSync(path.join(fixtures, 'snapshot.json'), 'utf8')) as Snapshot;
const plan = JSON.parse(readFileSync(path.join(fixtures, 'plan.json'), 'utf8')) as Plan;
const cli = path.join(repoRoot, 'src/cli/bin.ts');

test('the report has spend per cloud, cluster, service and team, anomalies, a forecast, prices and savings', () => {
  const r = buildReport(snapshot, plan);
  assert.deepEqual(r.spend.provider.map(l => l.key), ['aws', 'gcp', 'azure']);
  assert.ok(Math.abs(r.spend.provider.reduce((s, l) => s + l.amount, 0) - r.totals[0].amount) < 0.05);
  assert.deepEqual(r.spend.cluster.map(l => l.key).sort(), ['(no cluster)', 'prod-aks', 'prod-eks', 'prod-gke']);
  assert.ok(r.spend.team.some(l => l.key === 'ml'));
  const spike = r.anomalies.find(a => a.dimension === 'provider' && a.key === 'gcp');
  assert.equal(spike?.kind, 'spike');
  assert.equal(spike?.date, '2026-11-12');
  assert.ok(r.anomalies.some(a => a.key === 'prod-aks' && a.kind === 'level-shift'));
  const total = r.forecast.total[0];
  assert.equal(total.monthStart, '2026-11-01');
  assert.ok(total.low <= total.mean && total.mean <= total.high && total.actualToDate < total.low);
  assert.equal(r.forecast.byProvider.length, 3);
  assert.equal(r.prices.length, 3);
  assert.ok(r.prices.every(p => p.source && p.detail));
  assert.deepEqual(r.sources.failed.map(s => s.source), ['billing:gcp:catalog']);
  // Savings: open = status ok, priced, not rejected (the rejected 300/month is left out).
  assert.equal(r.savings.available, true);
  assert.equal(r.savings.totals[0].workloads, 4);
  assert.ok(Math.abs(r.savings.totals[0].monthlySaving - (412.5 + 1180.2 + 96.4 - 58.1)) < 0.01);
  assert.equal(r.savings.byWorkload[0].name, 'inference');
  assert.equal(r.savings.inPullRequests?.monthlySaving, 1592.7);
  // Plain data: survives JSON unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('without a plan the report says why there are no savings; without costs it still renders', () => {
  const r = buildReport(snapshot, undefined, { planUnavailable: 'no plan: test' });
  assert.equal(r.savings.available, false);
  assert.equal(r.savings.reason, 'no plan: test');
  const empty = buildReport({ ...snapshot, costs: [], forecasts: [] });
  assert.equal(empty.period, null);
  assert.deepEqual(empty.anomalies, []);
  for (const text of [renderMarkdown(empty), renderHtml(empty), renderTerminal(empty)]) assert.ok(text.length > 100);
});

test('markdown: sections, spend per cloud, the anomaly, the forecast, prices with sources, the failed source', () => {
  const md = renderMarkdown(buildReport(snapshot, plan));
  for (const heading of ['# Cost report', '## Spend', '## Anomalies', '## Month-end forecast', '## Unit prices per cluster', '## Savings from open recommendations', '## Sources']) {
    assert.ok(md.includes(heading), heading);
  }
  assert.match(md, /\| AWS \| \$29,352 \| 44\.5% \|/);
  assert.match(md, /\| 2026-11-12 \| spike \| Google Cloud \|/);
  assert.match(md, /\*\*billing:gcp:catalog\*\*: Cloud Billing Catalog API: 403/);
  assert.match(md, /prod-aks .*list price .*Azure retail prices/);
  assert.match(md, /inference \| \$1,180/);
});

test('html is one self-contained file: inline CSS and SVG, no scripts, nothing fetched', () => {
  const html = renderHtml(buildReport(snapshot, plan));
  assert.match(html, /^<!doctype html>/);
  assert.ok(!/<script/i.test(html), 'no script');
  assert.ok(!/<link/i.test(html), 'no linked stylesheet or font');
  assert.ok(!/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i.test(html), 'no external src/href');
  assert.ok(!/url\(/i.test(html), 'no CSS url()');
  assert.ok(!/@import/i.test(html));
  assert.ok((html.match(/<svg /g) ?? []).length >= 3, 'daily spend, forecast and savings charts');
  assert.ok(html.includes('aria-label="Daily spend stacked by cloud"'));
  assert.ok(html.includes('aria-label="Month-to-date spend and month-end forecast"'));
  // The failed source is named, and the anomaly is marked.
  assert.match(html, /<b>billing:gcp:catalog<\/b>: Cloud Billing Catalog API: 403/);
  assert.match(html, /<title>spike · provider gcp: spend spiked/);
  // Every tag the renderer opens in the body is closed (a cheap well-formedness check).
  for (const tag of ['section', 'table', 'svg', 'div', 'tr']) {
    assert.equal((html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length, (html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length, tag);
  }
});

test('html escapes names from billing data', () => {
  const hostile = structuredClone(snapshot);
  hostile.costs[0].Tags.team = '<img src=x onerror=alert(1)>';
  hostile.sources.push({ source: 'billing:<x>', ok: false, error: '"><script>' });
  const html = renderHtml(buildReport(hostile));
  assert.ok(!html.includes('<img src=x'));
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
});

test('the default format is a table on a terminal and markdown when piped; a bad format is a usage error', () => {
  assert.equal(reportFormat(undefined, true), 'table');
  assert.equal(reportFormat(undefined, false), 'markdown');
  assert.equal(reportFormat(undefined, true, 'r.html'), 'html');
  assert.throws(() => reportFormat('pdf', false), /--output must be one of table, markdown, json, html/);
});

test('rightsizer report --snapshot: json is the Report, html goes to --out, a failed source is warned about', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'report', '--snapshot', path.join(fixtures, 'snapshot.json'), '--no-color', ...args], {
    cwd: os.tmpdir(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' },
  });
  const json = run(['--output', 'json']);
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout) as Report;
  assert.deepEqual(report.spend.provider.map(l => l.key), ['aws', 'gcp', 'azure']);
  assert.ok(report.anomalies.length >= 1);
  assert.ok(report.forecast.total[0].mean > 0);
  assert.equal(report.savings.available, false);
  assert.match(report.savings.reason ?? '', /rightsizer\.yaml not found/);
  assert.match(json.stderr, /warning: source billing:gcp:catalog failed/);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-report-'));
  const out = path.join(tmp, 'report.html');
  const html = run(['--output', 'html', '--out', out, '--quiet']);
  assert.equal(html.status, 0, html.stderr);
  assert.equal(html.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /^<!doctype html>/);
  rmSync(tmp, { recursive: true, force: true });

  const md = run([]);
  assert.equal(md.status, 0, md.stderr);
  assert.match(md.stdout, /^# Cost report/);

  const bad = run(['--output', 'pdf']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--output must be one of/);
  const missing = spawnSync(process.execPath, [cli, 'report', '--snapshot', path.join(tmp, 'nope.json')], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.json: cannot read snapshot/);
});
