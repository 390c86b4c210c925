// The demo's PR body as GitHub shows it: rendered with `marked` (GitHub-flavoured tables), the
// change table must fit GitHub's 1012 px content column without a horizontal scroll bar, the
// evidence must not repeat itself, every number must be written as the file gets it, and the
// Mermaid charts must compare like with like without hiding a bar.
//
// Width model (GitHub's .markdown-body at 14 px): a character of text is at most ~7.5 px wide
// (digits and lower case of the system sans-serif are 7–8 px; code spans are 85 % monospace,
// ~7.2 px); a cell adds 13 px padding on each side and a 1 px border; a code span adds ~10 px
// of its own padding. A column is as wide as its widest cell, since no cell may wrap.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { marked } from 'marked';
import { demoSnapshot } from '../helpers/demo-snapshot.ts';
import { repoRoot } from '../helpers/shared.ts';

const run = promisify(execFile);
const GITHUB_COLUMN_PX = 1012;
const PX_PER_CHAR = 7.5;
const CELL_PADDING_PX = 2 * 13 + 1;
const CODE_PADDING_PX = 10;

let body = '';
before(async () => {
  const { stdout } = await run(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'plan', '--demo', '--snapshot', demoSnapshot(), '--output', 'markdown', '--quiet'], {
    cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000,
  });
  body = stdout;
});

interface Cell { text: string; codeSpans: number }

/** The tables of the rendered HTML: rows of cells (text without tags, code spans counted). */
function tables(html: string): Cell[][][] {
  return [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map(t => [...t[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(r =>
    [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map(c => ({
      text: c[1].replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&quot;/g, '"'),
      codeSpans: (c[1].match(/<code>/g) ?? []).length,
    }))));
}

function columnWidthsPx(rows: Cell[][]): number[] {
  return rows[0].map((_, i) => Math.max(...rows.map(r => r[i] ? [...r[i].text].length * PX_PER_CHAR + r[i].codeSpans * CODE_PADDING_PX : 0)) + CELL_PADDING_PX);
}

test('the demo PR body\'s tables fit GitHub\'s 1012 px column without wrapping a cell', t => {
  const html = marked.parse(body, { gfm: true, async: false }) as string;
  const all = tables(html);
  assert.ok(all.length >= 1, 'the change table is rendered');
  const [changes] = all;
  assert.deepEqual(changes[0].map(c => c.text), ['Workload', 'Setting', 'Change', 'Monthly Δ', 'Confidence']);
  for (const rows of all) {
    const widths = columnWidthsPx(rows);
    const total = widths.reduce((a, b) => a + b, 0);
    t.diagnostic(`table "${rows[0].map(c => c.text).join(' | ')}": columns ${widths.map(w => Math.round(w)).join(' + ')} = ${Math.round(total)} px of ${GITHUB_COLUMN_PX}`);
    assert.ok(total <= GITHUB_COLUMN_PX, `${Math.round(total)} px > ${GITHUB_COLUMN_PX} px`);
  }
  // Every row of the change table holds at most one number change.
  for (const row of changes.slice(1)) assert.ok((row[2].text.match(/→/g) ?? []).length <= 1, row[2].text);
});

test('the evidence says each sentence once, one line per number', () => {
  const evidence = body.slice(body.indexOf('### Evidence'), body.indexOf('### Usage against requests'));
  for (const block of evidence.split('</details>')) {
    const sentences = block.split('\n').filter(l => l.startsWith('- ')).flatMap(l => l.replace(/^- [^:]*: /, '').split(/(?<=\.) |; /)).map(s => s.trim()).filter(s => s.length > 25);
    const seen = new Map<string, number>();
    for (const s of sentences) seen.set(s, (seen.get(s) ?? 0) + 1);
    // The engine's step limit is a rule applied to each container; everything else is said once.
    assert.deepEqual([...seen].filter(([s, n]) => n > 1 && !/step limit/.test(s)), [], block.slice(0, 200));
  }
  // One evidence line per changed number of the table.
  const changeRows = body.slice(body.indexOf('### Changes'), body.indexOf('### Evidence')).split('\n').filter(l => / → /.test(l)).length;
  const numberLines = evidence.split('\n').filter(l => /^- .* → /.test(l) && !/^- (Energy|Cost):/.test(l)).length;
  assert.equal(numberLines, changeRows);
});

test('one unit style: the table, the PR body and the file write the same quantity', async () => {
  const { stdout: table } = await run(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'plan', '--demo', '--snapshot', demoSnapshot(), '--quiet'], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  // The demo's llm-inference memory: 32Gi today, 22.5 GiB recommended, written 23040Mi.
  assert.match(table, /32Gi → 23040Mi/);
  assert.match(body, /\| memory request, limit \| 32Gi → 23040Mi \|/);
  assert.match(table, /\n\+ +memory: 23040Mi\n/);
  assert.doesNotMatch(`${table}\n${body}`, /32Gi → 23Gi|2100m → /);
});

test('the charts compare like with like: % of today\'s request, no hidden bar, short labels, no usage line', () => {
  const charts = [...body.matchAll(/```mermaid\n([\s\S]*?)```/g)].map(m => m[1]);
  assert.ok(charts.length >= 2);
  for (const c of charts) {
    const labels = JSON.parse(c.match(/x-axis (\[.*\])/)![1]) as string[];
    assert.ok(labels.length <= 6, `${labels.length} labels`);
    for (const l of labels) assert.ok(l.length <= 14, l);
    assert.match(c, /y-axis "% of today's request"/);
    const bars = [...c.matchAll(/bar \[(.*)\]/g)].map(m => m[1].split(', ').map(Number));
    assert.equal(bars.length, 2);
    // The bar drawn first (behind) is never smaller than the one in front of it.
    bars[0].forEach((back, i) => assert.ok(back >= bars[1][i], `point ${labels[i]}: ${back} behind ${bars[1][i]}`));
    const lines = [...c.matchAll(/line \[(.*)\]/g)].map(m => m[1].split(', ').map(Number));
    assert.ok(lines.every(l => l.every(v => v === 100)), 'the only line is today\'s request');
  }
});
