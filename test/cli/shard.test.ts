// `collect --shard 1/2` + `collect --shard 2/2` + `merge` plans the same as one `collect`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');

function rightsizer(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, '--no-color', '--quiet', ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  assert.equal(r.status, 0, `rightsizer ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

test('sharded collection merged gives the same plan as one collection', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-shards-'));
  try {
    const one = path.join(dir, 'one.json'), s1 = path.join(dir, 's1.json'), s2 = path.join(dir, 's2.json'), merged = path.join(dir, 'merged.json');
    rightsizer('collect', '--demo', '--out', one);
    rightsizer('collect', '--demo', '--shard', '1/2', '--out', s1);
    rightsizer('collect', '--demo', '--shard', '2/2', '--out', s2);
    rightsizer('merge', s1, s2, '--out', merged);
    const planOne = rightsizer('plan', '--demo', '--snapshot', one, '--output', 'json');
    const planMerged = rightsizer('plan', '--demo', '--snapshot', merged, '--output', 'json');
    assert.ok(JSON.parse(planOne).recommendations.length >= 5);
    assert.equal(planMerged, planOne);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed --shard is a usage error', () => {
  const r = spawnSync(process.execPath, [cli, 'collect', '--demo', '--shard', '3/2'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--shard "3\/2" is not of the form i\/n/);
});
