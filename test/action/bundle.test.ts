// dist/ is committed for the Action; it must be exactly what a fresh esbuild run produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';

test('the committed dist/ bundles match a fresh build', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build.ts'), '--check'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr || r.stdout);
});

test('the bundled CLI runs on this Node and prints its version', () => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist/cli.mjs'), '--version'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});
