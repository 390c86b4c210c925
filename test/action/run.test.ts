// The bundled Action run as the runner runs it: INPUT_* and GITHUB_* in the environment,
// outputs and the job summary written to files, the plan identical to the CLI's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';

const bundle = path.join(repoRoot, 'dist/index.js');

export function runAction(inputs: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-'));
  const files = { output: path.join(dir, 'output'), summary: path.join(dir, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: repoRoot, GITHUB_REPOSITORY: 'example/platform-gitops',
    GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, RUNNER_TEMP: dir,
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const r = spawnSync(process.execPath, [bundle], { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const outputs: Record<string, string> = {};
  const text = readFileSync(files.output, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]] = m[3];
  const summary = readFileSync(files.summary, 'utf8');
  return { ...r, outputs, summary, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('plan mode on the demo writes outputs, a job summary, and the same plan as the CLI', () => {
  const run = runAction({ mode: 'plan', demo: 'true', 'dry-run': 'true' });
  try {
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.ok(Number(run.outputs.recommendations) >= 5, JSON.stringify(run.outputs));
    assert.ok(Number(run.outputs['monthly-savings']) > 0, 'the demo saves money');
    assert.match(run.summary, /## rightsizer/);
    assert.match(run.summary, /prod-gke\/ml\/llm-inference/);
    const cli = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'plan', '--demo', '--output', 'json', '--quiet'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(readFileSync(run.outputs['plan-file'], 'utf8'), cli.stdout, 'the Action and the CLI produce the same plan byte for byte');
  } finally {
    run.cleanup();
  }
});

test('secret inputs are masked and a bad input becomes an error annotation', () => {
  const run = runAction({ mode: 'deploy', 'github-token': 'ghp_MASKME1234567890' });
  try {
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^::add-mask::ghp_MASKME1234567890$/m);
    assert.match(run.stdout, /^::error title=rightsizer::input mode must be/m);
  } finally {
    run.cleanup();
  }
});

test('a configuration error is annotated on its file and line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-action-config-'));
  writeFileSync(path.join(dir, 'rightsizer.yaml'), 'clusters:\n  - name: prod\n    cloud: moon\n    prometheus: {url: http://127.0.0.1:1}\n');
  const run = runAction({ mode: 'plan', config: path.join(dir, 'rightsizer.yaml') });
  try {
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^::error file=.*rightsizer\.yaml,line=3,col=\d+::/m);
  } finally {
    run.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
