// Strict TypeScript over src/, test/, bench/ and scripts/ (tsc checks types only; Node runs the files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './helpers/shared.ts';

test('tsc --noEmit reports no errors', () => {
  const r = spawnSync(path.join(repoRoot, 'node_modules/.bin/tsc'), ['--noEmit', '-p', repoRoot], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
