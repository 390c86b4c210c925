// Findings 2, 3 and 15 for `rightsizer edit --write` (and the locator): bytes that are not UTF-8
// are refused, not rewritten; two edits at once never lose one; a symbolic link to a file
// outside the repository is never followed.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { locateDetailed } from '../../src/gitops/locate.ts';
import { readRepoFiles } from '../../src/gitops/repo-files.ts';
import { repoRoot } from '../helpers/shared.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const run = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

const VALUES = [
  'replicaCount: 3',
  'resources:',
  '  requests:',
  '    cpu: 100m',
  '    memory: 128Mi',
  '  limits:',
  '    cpu: 200m',
  '    memory: 256Mi',
  '',
].join('\n');

function tempRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-reliab-'));
  mkdirSync(path.join(dir, '.git'));
  return dir;
}

test('a Latin-1 file is refused with file:line, by edit and edit --write, and never rewritten', () => {
  const dir = tempRepo();
  try {
    const latin1 = Buffer.concat([Buffer.from('# owner: Ren'), Buffer.from([0xe9]), Buffer.from('e\nenv: "-Duser=Ren'), Buffer.from([0xe9]), Buffer.from(`e"\n${VALUES}`)]);
    writeFileSync(path.join(dir, 'values.yaml'), latin1);
    for (const extra of [[], ['--write']]) {
      const r = run(['edit', 'values.yaml', '--location', 'values.yaml#0:replicaCount', '--set', 'replicas=2', ...extra], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /values\.yaml:1:13: the file is not UTF-8 \(byte 0xe9\)/);
      assert.equal(r.stdout, '');
      assert.ok(readFileSync(path.join(dir, 'values.yaml')).equals(latin1), 'the bytes are unchanged');
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the plan\'s locator reports a file that is not UTF-8 and offers none of its values', async () => {
  const dir = tempRepo();
  try {
    writeFileSync(path.join(dir, 'values.yaml'), Buffer.concat([Buffer.from(VALUES), Buffer.from('# caf'), Buffer.from([0xe9, 0x0a])]));
    const files = await readRepoFiles(dir);
    const { spots, errors } = locateDetailed(files);
    assert.equal(spots.length, 0);
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /^values\.yaml:9:6: the file is not UTF-8/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

const FIELDS: Array<[string, string, RegExp]> = [
  ['replicas', '5', /replicaCount: 5\n/],
  ['cpu.request', '111m', /requests:\n {4}cpu: 111m/],
  ['memory.request', '129Mi', /memory: 129Mi/],
  ['cpu.limit', '222m', /limits:\n {4}cpu: 222m/],
  ['memory.limit', '257Mi', /memory: 257Mi/],
  ['replicas', '6', /replicaCount: 6\n/],
];

function runAsync(args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [cli, ...args], { cwd });
    let stderr = '';
    child.stderr.on('data', d => { stderr += d; });
    child.on('close', status => resolve({ status, stderr }));
  });
}

test('six edit --write at once on one file: every one that says it wrote is in the file; the others say why not', async () => {
  const dir = tempRepo();
  try {
    for (let round = 0; round < 3; round++) {
      writeFileSync(path.join(dir, 'values.yaml'), VALUES);
      // Two edits of the same field cannot both be in the file: keep one field per process.
      const fields = round % 2 === 0 ? FIELDS.slice(0, 5) : [FIELDS[5], ...FIELDS.slice(1, 5)];
      const results = await Promise.all(fields.map(([field, value]) =>
        runAsync(['edit', 'values.yaml', '--location', 'values.yaml#0:resources.requests.cpu', '--set', `${field}=${value}`, '--write'], dir)));
      const final = readFileSync(path.join(dir, 'values.yaml'), 'utf8');
      results.forEach((r, i) => {
        if (r.status === 0) assert.match(final, fields[i][2], `round ${round}: ${fields[i][0]}=${fields[i][1]} said it wrote, but the file lost it:\n${final}`);
        else assert.match(r.stderr, /being written by another rightsizer|changed while rightsizer was editing it/, r.stderr);
      });
      assert.ok(results.some(r => r.status === 0), 'at least one edit went through');
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('edit --write does not follow a symbolic link to a file outside the repository', () => {
  const dir = tempRepo();
  const outside = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-outside-'));
  try {
    writeFileSync(path.join(outside, 'values.yaml'), VALUES);
    symlinkSync(path.join(outside, 'values.yaml'), path.join(dir, 'values.yaml'));
    const r = run(['edit', 'values.yaml', '--location', 'values.yaml#0:replicaCount', '--set', 'replicas=2', '--write'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /values\.yaml is a symbolic link to .* outside the repository/);
    assert.equal(readFileSync(path.join(outside, 'values.yaml'), 'utf8'), VALUES);
    // A link that stays inside the repository is written through.
    writeFileSync(path.join(dir, 'real.yaml'), VALUES);
    symlinkSync(path.join(dir, 'real.yaml'), path.join(dir, 'inside.yaml'));
    const ok = run(['edit', 'inside.yaml', '--location', 'inside.yaml#0:replicaCount', '--set', 'replicas=2', '--write'], dir);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(readFileSync(path.join(dir, 'real.yaml'), 'utf8'), /replicaCount: 2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
