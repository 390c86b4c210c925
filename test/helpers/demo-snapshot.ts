// The demo's collection, made once per test file: tests of what comes after it (rendering,
// filters, schemas, reports) plan from this snapshot with `--snapshot` instead of replaying
// Prometheus and the three bills again on every CLI run. Tests of the collection itself, and the
// ones that run the demo end to end as a user does, keep running `--demo` in full.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './shared.ts';

let snapshot: string | undefined;

/** Path of a snapshot written by `rightsizer collect --demo` in this process's first call. */
export function demoSnapshot(): string {
  if (snapshot) return snapshot;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-demo-snapshot-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'demo-snapshot.json');
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'collect', '--demo', '--quiet', '--out', file], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rightsizer collect --demo failed (exit ${r.status}):\n${r.stderr}`);
  snapshot = file;
  return file;
}
