import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unifiedDiff } from '../../src/core/unified-diff.ts';

function applies(before: string, after: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-diff-'));
  try {
    execFileSync('git', ['init', '-q'], { cwd: dir });
    writeFileSync(path.join(dir, 'f.yaml'), before);
    execFileSync('git', ['apply', '-'], { cwd: dir, input: unifiedDiff('f.yaml', before, after) });
    return readFileSync(path.join(dir, 'f.yaml'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('equal texts give no diff', () => {
  assert.equal(unifiedDiff('f', 'a\n', 'a\n'), '');
});

test('a one-line change gives one hunk with three lines of context', () => {
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
  const after = 'a\nb\nc\nd\nE\nf\ng\nh\n';
  assert.equal(unifiedDiff('f.yaml', before, after),
    'diff --git a/f.yaml b/f.yaml\n--- a/f.yaml\n+++ b/f.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n');
});

test('CRLF files, missing final newline, insertions and far-apart changes apply with git apply', () => {
  const crlf = Array.from({ length: 30 }, (_, i) => `line${i}`).join('\r\n');
  const edited = crlf.replace('line3', 'LINE3').replace('line29', 'LINE29').replace('line15\r\n', 'line15\r\ninserted\r\n');
  assert.equal(applies(crlf, edited), edited);
  assert.equal(applies('a\nb', 'a\nc\n'), 'a\nc\n');
  assert.equal(applies('', 'new\n'), 'new\n');
});
