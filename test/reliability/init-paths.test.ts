// Finding 15 for `init`: in a subfolder of a git repository it writes in that folder; --force
// never follows a symbolic link to a file outside the repository.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { git } from '../helpers/git-fixture.ts';
import { repoRoot } from '../helpers/shared.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

test('init in a subfolder writes rightsizer.yaml in that folder, and says where', () => {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-init-'));
  try {
    git(repo, ['init', '-q', '-b', 'main']);
    mkdirSync(path.join(repo, 'gitops'));
    const r = run(['init'], path.join(repo, 'gitops'));
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(path.join(repo, 'gitops/rightsizer.yaml')));
    assert.ok(!existsSync(path.join(repo, 'rightsizer.yaml')), 'nothing written at the top level');
    assert.match(r.stdout, /wrote .*gitops\/rightsizer\.yaml/);
  } finally { rmSync(repo, { recursive: true, force: true }); }
});

test('init --force does not follow a symbolic link out of the repository', () => {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-init-'));
  const outside = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-outside-'));
  try {
    git(repo, ['init', '-q', '-b', 'main']);
    writeFileSync(path.join(outside, 'victim.yaml'), 'precious: true\n');
    symlinkSync(path.join(outside, 'victim.yaml'), path.join(repo, 'rightsizer.yaml'));
    const r = run(['init', '--force'], repo);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /is a symbolic link to .*victim\.yaml, which is outside the repository/);
    assert.equal(readFileSync(path.join(outside, 'victim.yaml'), 'utf8'), 'precious: true\n');
    // A dangling link pointing outside is refused too (a write would create the file there).
    rmSync(path.join(repo, 'rightsizer.yaml'));
    symlinkSync(path.join(outside, 'new.yaml'), path.join(repo, 'rightsizer.yaml'));
    const dangling = run(['init', '--force'], repo);
    assert.equal(dangling.status, 2, dangling.stderr);
    assert.ok(!existsSync(path.join(outside, 'new.yaml')));
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
