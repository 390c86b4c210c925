// The package as a user installs it: `npm pack`, then `npm install <tarball>` into an empty
// project (no dependencies to fetch: the CLI is one bundle), then the `rightsizer` binary from
// there, on this Node and on Node 22 (the oldest that engines accepts).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { node22 } from '../helpers/node22.ts';

let dir: string;
let project: string;
let bin: string;
let planOnThisNode: unknown;
let packed: { filename: string; files: Array<{ path: string }> };

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-pack-'));
  const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  assert.equal(pack.status, 0, pack.stderr);
  packed = (JSON.parse(pack.stdout) as Array<typeof packed>)[0]!;
  project = path.join(dir, 'empty-project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), '{ "name": "empty-project", "version": "1.0.0", "private": true }\n');
  // --offline: a tarball without dependencies installs with no network at all.
  const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dir, packed.filename)], { cwd: project, encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  bin = path.join(project, 'node_modules/.bin/rightsizer');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function rightsizer(node: string, args: string[]) {
  // Run as the shell runs the bin: through its #! line's `node`, here the one under test.
  return spawnSync(node, [bin, ...args], { cwd: project, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env: { PATH: process.env.PATH ?? '', HOME: project } });
}

test('the package carries the bundle and the demo, and no dependency tree', () => {
  const files = packed.files.map(f => f.path);
  for (const f of ['dist/cli.mjs', 'fixtures/rightsizer.yaml', 'policies/defaults.yaml', 'README.md', 'LICENSE', 'package.json']) assert.ok(files.includes(f), f);
  assert.ok(files.some(f => f.startsWith('fixtures/demo/prometheus/')));
  assert.ok(files.some(f => f.startsWith('fixtures/gitops-repo/')));
  assert.ok(!files.some(f => /^(src|test|bench|scripts)\//.test(f) || f === 'dist/index.js'), 'sources, tests and the Action bundle stay out');
  const manifest = JSON.parse(readFileSync(path.join(project, 'node_modules/rightsizer/package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined, 'no runtime dependencies: the CLI is bundled');
  assert.deepEqual(spawnSync('ls', [path.join(project, 'node_modules')], { encoding: 'utf8' }).stdout.trim().split('\n'), ['rightsizer'], 'nothing else was installed');
});

for (const [label, which] of [['this Node', () => process.execPath], ['Node 22', node22]] as const) {
  test(`the installed rightsizer runs --version, --help, locate and plan --demo on ${label}`, (t) => {
    const node = which(t);
    if (!node) return;
    const version = rightsizer(node, ['--version']);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
    if (label === 'Node 22') assert.match(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout, /^v22\./);

    const help = rightsizer(node, ['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /plan/);

    const fixture = path.join(project, 'node_modules/rightsizer/fixtures/gitops-repo');
    const locate = rightsizer(node, ['locate', fixture, '--output', 'json']);
    assert.equal(locate.status, 0, locate.stderr);
    const { locations } = JSON.parse(locate.stdout) as { locations: Array<{ id: string }> };
    assert.ok(locations.length > 5, `${locations.length} locations`);

    const plan = rightsizer(node, ['plan', '--demo', '--output', 'json', '--quiet']);
    assert.equal(plan.status, 0, plan.stderr);
    const parsed = JSON.parse(plan.stdout) as { recommendations: Array<{ status: string }> };
    assert.ok(parsed.recommendations.filter(r => r.status === 'ok').length >= 5);
    // The same plan on both Nodes. Another V8's Math may differ in the last digit of a float
    // (seen: a GPU power percentile on Node 22), so numbers compare to 1e-12 relative.
    if (planOnThisNode === undefined) planOnThisNode = parsed;
    else assertSamePlan(parsed, planOnThisNode, '$');
  });
}

function assertSamePlan(actual: unknown, expected: unknown, at: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${at}: ${actual} ≠ ${expected}`);
    return;
  }
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
    assert.deepEqual(Object.keys(actual), Object.keys(expected), at);
    for (const k of Object.keys(expected)) assertSamePlan((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${at}.${k}`);
    return;
  }
  assert.equal(actual, expected, at);
}
