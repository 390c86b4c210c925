// `collect --shard 1/2` + `collect --shard 2/2` + `merge` plans the same as one `collect`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoSnapshot } from '../helpers/demo-snapshot.ts';
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

test('a source that failed makes the plan partial: shown, exit 1, and pr changes no pull request', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-failed-source-'));
  try {
    const snap = path.join(dir, 'snap.json');
    const snapshot = JSON.parse(readFileSync(demoSnapshot(), 'utf8'));
    // As if prod-aks's Prometheus had refused the credentials: its workloads are missing.
    snapshot.profiles = snapshot.profiles.filter((p: { ref: { cluster: string } }) => p.ref.cluster !== 'prod-aks');
    snapshot.sources = snapshot.sources.map((s: { source: string }) => s.source === 'prometheus:prod-aks'
      ? { source: s.source, ok: false, error: 'HTTP 401 from https://prometheus.example.com: check prometheus.auth' } : s);
    writeFileSync(snap, JSON.stringify(snapshot));

    const table = spawnSync(process.execPath, [cli, 'plan', '--demo', '--snapshot', snap, '--no-color'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(table.status, 1, table.stderr);
    assert.match(table.stdout, /^failed: prometheus:prod-aks: HTTP 401/m);
    assert.match(table.stderr, /error: a source could not be read \(prometheus:prod-aks\)/);

    const json = spawnSync(process.execPath, [cli, 'plan', '--demo', '--snapshot', snap, '--output', 'json', '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(json.status, 1);
    assert.deepEqual(JSON.parse(json.stdout).failedSources.map((f: { source: string }) => f.source), ['prometheus:prod-aks']);

    const pr = spawnSync(process.execPath, [cli, 'pr', '--demo', '--snapshot', snap, '--repo-dir', path.join(repoRoot, 'fixtures/gitops-repo'), '--quiet'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, GITHUB_TOKEN: '' } });
    assert.equal(pr.status, 1, pr.stderr);
    assert.match(pr.stderr, /no pull request was changed: a source could not be read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
