// The HTML report in a real browser: Debian's chromium (/usr/bin/chromium) driven by
// playwright-core opens the demo's report from a file: URL. No console error or page error,
// nothing fetched from anywhere, every section present, the clouds' own forecasts filled in,
// nothing wider than the window, and a screenshot in test-output/report/ (not committed).
// Without chromium the test skips with one line; under CI=true that is a failure (.ci/run
// installs it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { repoRoot } from '../helpers/shared.ts';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const SECTIONS = ['Daily spend by cloud', 'Month-end forecast', 'Anomalies', 'Where the money goes', 'Savings from open recommendations', 'Merged changes: predicted and realised savings', 'Unit prices per cluster', 'Sources'];

test('the demo HTML report in chromium: no console errors, every section, the forecast column filled, a screenshot', async t => {
  if (!existsSync(CHROMIUM)) {
    const message = `skipped the browser test of the HTML report: ${CHROMIUM} not found (apt-get install chromium)`;
    if (process.env.CI === 'true') throw new Error(message.replace('skipped', 'cannot run'));
    t.skip(message);
    return;
  }
  const outDir = path.join(repoRoot, 'test-output', 'report');
  mkdirSync(outDir, { recursive: true });
  const html = path.join(outDir, 'report.html');
  await run(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'report', '--demo', '--quiet', '--output', 'html', '--out', html], { cwd: repoRoot, timeout: 120_000 });

  const profile = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-chromium-'));
  // A fresh profile (playwright passes it as --user-data-dir).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    const problems: string[] = [];
    page.on('console', msg => { if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console ${msg.type()}: ${msg.text()}`); });
    page.on('pageerror', err => problems.push(`page error: ${err.message}`));
    const fetched: string[] = [];
    await page.route('**/*', route => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      fetched.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });

    assert.deepEqual(problems, []);
    assert.deepEqual(fetched, [], 'the report is self-contained');
    assert.deepEqual(await page.locator('section h2').allTextContents(), SECTIONS);
    for (const name of SECTIONS) assert.ok(await page.getByRole('heading', { name, exact: true }).isVisible(), name);
    assert.ok(await page.locator('svg').count() >= 3, 'daily, forecast and savings charts');

    // The forecast table: the clouds that have their own forecast show it.
    const forecastRows = page.locator('section:has(h2:text-is("Month-end forecast")) tbody tr');
    const rows: string[][] = [];
    for (const tr of await forecastRows.all()) rows.push((await tr.locator('td').allTextContents()).map(c => c.trim()));
    const own = Object.fromEntries(rows.map(r => [r[0], r[4]]));
    assert.match(own.AWS, /^\$[\d,]+ for \d{4}-\d{2}-\d{2} → \d{4}-\d{2}-\d{2} \(aws:GetCostForecast\)$/);
    assert.match(own.Azure, /^\$[\d,]+ for .* \(azure:forecast\)$/);
    // All clouds is the sum of the clouds.
    const money = (s: string) => Number(s.replace(/[^\d.]/g, ''));
    const clouds = rows.filter(r => r[0] !== 'All clouds');
    const all = rows.find(r => r[0] === 'All clouds')!;
    assert.ok(Math.abs(money(all[2]) - clouds.reduce((s, r) => s + money(r[2]), 0)) <= clouds.length, 'all clouds = sum of the rows (whole dollars)');

    // Merged changes: the predicted-vs-realised chart, and a row per change and cluster with both figures.
    const merged = page.locator('section:has(h2:text-is("Merged changes: predicted and realised savings"))');
    assert.equal(await merged.locator('svg[aria-label="Predicted and realised monthly savings of merged changes"]').count(), 1);
    const ledgerRows: string[][] = [];
    for (const tr of await merged.locator('tbody tr').all()) ledgerRows.push((await tr.locator('td').allTextContents()).map(c => c.trim()));
    assert.ok(ledgerRows.length >= 2, `${ledgerRows.length} merged rows`);
    for (const r of ledgerRows) assert.match(r[4], /^−?\$[\d,]+(\.\d\d)?$/, `realised figure of ${r.join(' | ')}`);

    // Nothing overflows the window sideways.
    // (A string, so the test needs no DOM types: it runs in the page.)
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number;
    assert.ok(overflow <= 0, `${overflow} px of horizontal scroll`);

    const shot = path.join(outDir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    t.diagnostic(`screenshot: ${path.relative(repoRoot, shot)}`);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
