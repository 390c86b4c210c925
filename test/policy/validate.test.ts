// Policy validation: every invalid file is rejected at the right line and column with a clear
// message; every valid file, the shipped defaults and the demo policies pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadPolicies, readPolicyFiles } from '../../src/policy/index.ts';
import { repoRoot } from '../helpers/shared.ts';

const run = promisify(execFile);
const here = 'test/policy';

async function load(rel: string) {
  const text = await readFile(path.join(repoRoot, rel), 'utf8');
  return loadPolicies([{ path: rel, text }]);
}

// file → the errors it must produce, exactly: `line:column` and a part of the message.
const INVALID: Array<{ file: string; errors: Array<[string, string]> }> = [
  { file: 'wrong-type.yaml', errors: [['5:18', 'rules[0].bounds.cpu.min: must be a CPU quantity such as 250m or 2, not boolean true'], ['7:20', 'minReplicas: must be a whole number, not the string "two"']] },
  { file: 'unknown-key.yaml', errors: [['7:7', 'unknown key "maxWats" in rules[0].gpu; did you mean "maxWatts"?']] },
  { file: 'unknown-top-key.yaml', errors: [['1:1', 'missing required key "rules"'], ['2:1', 'unknown key "rule" at the top level; did you mean "rules"?']] },
  { file: 'bad-enum.yaml', errors: [['4:20', 'minConfidence: must be one of low, medium, high; did you mean "high"?']] },
  { file: 'missing-name.yaml', errors: [['3:5', 'rules[0]: missing required key "name"']] },
  { file: 'bad-quantity.yaml', errors: [['5:21', 'must be a memory quantity such as 512Mi or 4Gi, not the string "512MB"'], ['7:29', 'must be a percentage such as 30%, not number 50']] },
  { file: 'bad-glob.yaml', errors: [['7:11', 'namespace glob "shop-{eu,us" has "{" without "}"']] },
  { file: 'uppercase-name.yaml', errors: [['5:14', 'name glob "Checkout" contains "C", which Kubernetes names never contain']] },
  { file: 'bad-date.yaml', errors: [['7:13', 'to "2026-02-30" is not a calendar date']] },
  { file: 'bad-timezone.yaml', errors: [['8:19', 'timeZone "Europe/Berln" is not a time zone known to Intl']] },
  { file: 'bad-hours.yaml', errors: [['8:18', 'working hours "17:00-09:00" end before they start']] },
  { file: 'overlapping-freeze.yaml', errors: [['11:9', 'freeze window "december" (12-01 to 12-24 every year, America/New_York) overlaps "black-friday"']] },
  { file: 'min-above-max.yaml', errors: [['8:14', 'bounds.memory.min 4Gi is above bounds.memory.max 2Gi (test/policy/invalid/min-above-max.yaml:9:14)']] },
  { file: 'conflicting-rules.yaml', errors: [['12:21', 'conflicting policy: bounds.memory.min 2Gi (test/policy/invalid/conflicting-rules.yaml#checkout-floor, test/policy/invalid/conflicting-rules.yaml:12:21) is above bounds.memory.max 1Gi (test/policy/invalid/conflicting-rules.yaml#shop-ceiling, test/policy/invalid/conflicting-rules.yaml:7:21)']] },
  { file: 'cpu-limits-conflict.yaml', errors: [['6:22', 'qos.cpuLimits: "keep" in test/policy/invalid/cpu-limits-conflict.yaml#keep-limits (test/policy/invalid/cpu-limits-conflict.yaml:6:22) conflicts with "drop"']] },
  { file: 'step-below-min-change.yaml', errors: [['7:17', 'no cut of cpu could ever be proposed']] },
  { file: 'yaml-syntax.yaml', errors: [['4:13', 'YAML: Flow map in block collection must be sufficiently indented and end with a }']] },
  { file: 'duplicate-key.yaml', errors: [['5:5', 'YAML: Map keys must be unique']] },
  { file: 'duplicate-rule.yaml', errors: [['5:11', 'rule "baseline" is declared twice in this file']] },
  { file: 'override-never-applies.yaml', errors: [['7:7', 'override "dev" can never apply: the rule only selects environments prod']] },
];

test('the invalid table covers every file in test/policy/invalid/', async () => {
  const files = (await readdir(path.join(repoRoot, here, 'invalid'))).filter(f => f.endsWith('.yaml')).sort();
  assert.deepEqual(files, INVALID.map(c => c.file).sort());
});

for (const c of INVALID) {
  test(`invalid/${c.file} is rejected at the right place`, async () => {
    const rel = `${here}/invalid/${c.file}`;
    const { errors, policies } = await load(rel);
    const got = errors.map(e => e.message);
    assert.equal(errors.length, c.errors.length, `errors:\n${got.join('\n')}`);
    c.errors.forEach(([where, text], i) => {
      assert.ok(got[i].startsWith(`${rel}:${where}: `), `expected ${rel}:${where}, got\n${got[i]}`);
      assert.ok(got[i].includes(text), `expected "${text}" in\n${got[i]}`);
      assert.equal(errors[i].exitCode, 2);
    });
    if (!c.file.includes('conflict') && !c.file.includes('overlapping') && !c.file.includes('step-below')) assert.equal(policies.rules.length, 0);
  });
}

test('every file in test/policy/valid/ loads without errors', async () => {
  const files = await readPolicyFiles([`${here}/valid/`], repoRoot);
  assert.ok(files.length >= 3);
  for (const file of files) {
    const { errors } = loadPolicies([file]);
    assert.deepEqual(errors.map(e => e.message), [], file.path);
  }
  const all = loadPolicies(files);
  assert.deepEqual(all.errors.map(e => e.message), []);
});

test('the shipped defaults and the demo policies load without errors', async () => {
  for (const dir of ['policies/', 'fixtures/gitops-repo/policies/']) {
    const files = await readPolicyFiles([dir], repoRoot);
    assert.ok(files.length > 0, dir);
    const { errors, policies } = loadPolicies(files);
    assert.deepEqual(errors.map(e => e.message), [], dir);
    assert.ok(policies.rules.length > 0);
  }
});

test('readPolicyFiles walks folders in sorted order with paths relative to the root', async () => {
  const files = await readPolicyFiles(['policies'], repoRoot);
  assert.deepEqual(files.map(f => f.path), ['policies/defaults.yaml', 'policies/examples/freeze-windows.yaml', 'policies/examples/gpu-power.yaml']);
  await assert.rejects(readPolicyFiles(['no-such-folder'], repoRoot), /no-such-folder: no such policy file or folder/);
});

const cli = (args: string[]) => run(path.join(repoRoot, 'node_modules/.bin/node'), ['src/cli/bin.ts', ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });

test('rightsizer policy validate policies/ passes on the shipped defaults', async () => {
  const { stdout } = await cli(['policy', 'validate', 'policies/']);
  assert.match(stdout, /^policies valid: 3 files, \d+ rules/);
});

test('rightsizer policy validate prints file:line:column lines and exits 2', async () => {
  const err = await cli(['policy', 'validate', `${here}/invalid/unknown-key.yaml`, `${here}/invalid/bad-date.yaml`]).then(() => undefined, (e: { code: number; stderr: string }) => e);
  assert.ok(err, 'expected a failure');
  assert.equal(err.code, 2);
  assert.match(err.stderr, /^test\/policy\/invalid\/unknown-key\.yaml:7:7: unknown key "maxWats" in rules\[0\]\.gpu; did you mean "maxWatts"\?$/m);
  assert.match(err.stderr, /^test\/policy\/invalid\/bad-date\.yaml:7:13: /m);
  assert.match(err.stderr, /error: 2 problems in 2 of 2 policy files/);
});

test('rightsizer policy explain shows the rules in precedence order and the merged settings', async () => {
  const { stdout } = await cli(['policy', 'explain', 'prod-gke/shop/Deployment/catalog', '--policies', 'fixtures/gitops-repo/policies/']);
  const order = ['#shop-memory-steps', '#baseline[prod]', '#baseline '].map(id => stdout.indexOf(id));
  assert.ok(order.every(i => i > 0) && order[0] < order[1] && order[1] < order[2], stdout);
  assert.match(stdout, /environment: prod/);
  assert.match(stdout, /steps\.memory\.maxDecrease\s+50%\s+from fixtures\/gitops-repo\/policies\/platform\.yaml#shop-memory-steps/);
  const json = JSON.parse((await cli(['policy', 'explain', 'deploy/ml/llm-inference', '--policies', 'fixtures/gitops-repo/policies/', '--environment', 'prod', '--json'])).stdout);
  assert.equal(json.environment, 'prod');
  assert.ok(json.effective.some((s: { key: string; value: string }) => s.key === 'changes.gpu' && s.value === 'decrease'));
});
