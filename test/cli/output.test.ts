// Terminal conventions: a coloured diff on a TTY (git's colours), none with NO_COLOR or
// --no-color or when piped; CSV that a spreadsheet cannot run as formulas.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorDiff, formatCsv, useColor } from '../../src/cli/output.ts';

const DIFF = 'diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n@@ -1,2 +1,2 @@\n-cpu: 1\n+cpu: 500m\n memory: 1Gi\n';

test('the diff is coloured like git\'s when colour is on, and byte for byte plain when off', () => {
  const coloured = colorDiff(DIFF, true);
  assert.ok(coloured.includes('\u001b[31m-cpu: 1\u001b[39m'), 'removals red');
  assert.ok(coloured.includes('\u001b[32m+cpu: 500m\u001b[39m'), 'additions green');
  assert.ok(coloured.includes('\u001b[36m@@ -1,2 +1,2 @@\u001b[39m'), 'hunks cyan');
  assert.ok(coloured.includes('\n memory: 1Gi\n'), 'context plain');
  assert.equal(colorDiff(DIFF, false), DIFF);
  assert.equal(coloured.replace(/\u001b\[\d+m/g, ''), DIFF);
});

test('colour only on a TTY, and never with NO_COLOR', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  const saved = process.env.NO_COLOR;
  try {
    delete process.env.NO_COLOR;
    assert.equal(useColor(tty), !process.argv.includes('--no-color'));
    assert.equal(useColor(pipe), false);
    process.env.NO_COLOR = '1';
    assert.equal(useColor(tty), false);
  } finally {
    if (saved === undefined) delete process.env.NO_COLOR; else process.env.NO_COLOR = saved;
  }
});

test('CSV: quoted where needed, numbers raw, formulas defused', () => {
  const csv = formatCsv(['a', 'b', 'c'], [['x,y', -12.5, '=HYPERLINK("evil")'], ['line\nbreak', undefined, '-not-a-number']]);
  assert.equal(csv, 'a,b,c\r\n"x,y",-12.5,"\'=HYPERLINK(""evil"")"\r\n"line\nbreak",,\'-not-a-number\r\n');
});

test('rightsizer plan on a real TTY colours its diff; NO_COLOR turns it off', async t => {
  const { execFileSync } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const path = await import('node:path');
  const { repoRoot } = await import('../helpers/shared.ts');
  const { demoSnapshot } = await import('../helpers/demo-snapshot.ts');
  if (!existsSync('/usr/bin/script')) { t.skip('skipped the TTY test: /usr/bin/script (util-linux) not found'); return; }
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repoRoot, 'src/cli/bin.ts'))} plan --demo --snapshot ${JSON.stringify(demoSnapshot())} --quiet`;
  const onTty = (env: NodeJS.ProcessEnv) => execFileSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: repoRoot, env, encoding: 'utf8', timeout: 120_000 });
  const env = { ...process.env };
  delete env.NO_COLOR;
  assert.match(onTty(env), /\u001b\[32m\+ {4}cpu: 750m\u001b\[39m/);
  assert.doesNotMatch(onTty({ ...env, NO_COLOR: '1' }), /\u001b\[/);
});
