// What people expect of a command-line tool: help with examples, -o on every command that
// prints, "unknown command" with a suggestion, --config honoured everywhere, a bad configuration
// reported before any cloud SDK loads, one workload id, and no stray warnings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { demoSnapshot } from '../helpers/demo-snapshot.ts';
import { repoRoot } from '../helpers/shared.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { SCHEMA_URL, initConfigText } from '../../src/cli/commands/init.ts';
import { workloadFilter } from '../../src/cli/commands/plan.ts';
import { parseConfig } from '../../src/config/load.ts';
import { parseWorkloadId, workloadIdText } from '../../src/core/workload-id.ts';
import { readPolicyFiles } from '../../src/policy/load.ts';
import configSchema from '../../schema/rightsizer.schema.json' with { type: 'json' };

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const run = (args: string[], cwd = repoRoot, nodeArgs: string[] = []) =>
  spawnSync(process.execPath, [...nodeArgs, cli, '--no-color', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

function leaves(cmd: Command): Command[] {
  return cmd.commands.length ? cmd.commands.flatMap(leaves) : [cmd];
}

function tmpDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `rightsizer-${prefix}-`));
}

test('every command\'s --help has examples, and every command that prints takes -o/--output', () => {
  const program = buildProgram();
  const all = [...program.commands, ...leaves(program)];
  for (const cmd of new Set(all)) {
    // addHelpText('after') is printed by --help: ask the real command (in this process).
    const full = helpOf(commandPath(cmd));
    assert.match(full, /Examples?:\n {2}\$ \S/, `${commandPath(cmd).join(' ')} --help has no examples`);
    if (cmd.commands.length === 0) {
      const output = cmd.options.find(o => o.long === '--output');
      assert.ok(output, `${commandPath(cmd).join(' ')} has no --output`);
      assert.equal(output!.short, '-o', `${commandPath(cmd).join(' ')}: --output has no -o`);
    }
  }
});

/** What `rightsizer <path> --help` prints, from the CLI's own program, without a process per command. */
function helpOf(commandPath: string[]): string {
  const program = buildProgram();
  let out = '';
  const quiet = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: s => { out += s; }, writeErr: s => { out += s; } });
    c.commands.forEach(quiet);
  };
  quiet(program);
  try {
    program.parse([...commandPath, '--help'], { from: 'user' });
  } catch (err) {
    if ((err as { code?: string }).code !== 'commander.helpDisplayed') throw err;
  }
  return out;
}

function commandPath(cmd: Command): string[] {
  const out: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) out.unshift(c.name());
  return out;
}

test('a mistyped command says "unknown command" with a suggestion, not "too many arguments for plan"', () => {
  const r = run(['plna']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /error: unknown command 'plna'\nhint: did you mean `rightsizer plan`\?/);
  const nested = run(['--config', 'x.yaml', 'lcoate', '.']);
  assert.equal(nested.status, 2);
  assert.match(nested.stderr, /unknown command 'lcoate'.*\n.*rightsizer locate/);
});

test('a bad configuration is reported before the pipeline or any cloud SDK is loaded', () => {
  const dir = tmpDir('badconfig');
  try {
    writeFileSync(path.join(dir, 'rightsizer.yaml'), 'clusters:\n  - name: prod\n    cloud: mars\n    prometheus: {url: http://127.0.0.1:9}\n');
    const hook = path.join(dir, 'hook.mjs');
    const loaded = path.join(dir, 'loaded.txt');
    writeFileSync(hook, `import { registerHooks } from 'node:module';\nimport fs from 'node:fs';\nconst seen = [];\nregisterHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });\nprocess.on('exit', () => fs.writeFileSync(${JSON.stringify(loaded)}, seen.join('\\n')));\n`);
    for (const command of ['plan', 'collect', 'report', 'pr']) {
      const r = run([command, '--config', path.join(dir, 'rightsizer.yaml')], dir, ['--import', hook]);
      assert.equal(r.status, 2, `${command}: ${r.stderr}`);
      assert.match(r.stderr, /rightsizer\.yaml:3:12: clusters\[0\]\.cloud: must be one of aws, gcp, azure, on-prem/);
      const modules = readFileSync(loaded, 'utf8').split('\n');
      const heavy = modules.filter(m => /@aws-sdk|@google-cloud|@azure|octokit|google-auth-library|\/src\/pipeline\.ts|\/src\/collect\//.test(m));
      assert.deepEqual(heavy, [], `${command} loaded before the configuration was checked`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('policy commands honour --config; policy explain takes the canonical id and its short forms', () => {
  const dir = tmpDir('policy-config');
  try {
    mkdirSync(path.join(dir, 'ops/guardrails'), { recursive: true });
    writeFileSync(path.join(dir, 'ops/rightsizer.yaml'), 'clusters:\n  - name: prod\n    cloud: aws\n    prometheus: {url: http://127.0.0.1:9}\npolicies: [guardrails/]\n');
    writeFileSync(path.join(dir, 'ops/guardrails/shop.yaml'), 'version: 1\nrules:\n  - name: shop\n    match: {namespaces: [shop]}\n    minConfidence: high\n');
    const validate = run(['policy', 'validate', '--config', 'ops/rightsizer.yaml'], dir);
    assert.equal(validate.status, 0, validate.stderr);
    assert.match(validate.stdout, /policies valid: 1 file, 1 rule/);
    const json = run(['--config', 'ops/rightsizer.yaml', 'policy', 'validate', '-o', 'json'], dir);
    assert.equal(json.status, 0, json.stderr);
    assert.equal(JSON.parse(json.stdout).rules, 1);
    for (const id of ['prod/shop/Deployment/checkout', 'prod/shop/checkout', 'Deployment/shop/checkout', 'shop/checkout']) {
      const explain = run(['policy', 'explain', id, '--config', 'ops/rightsizer.yaml', '-o', 'json'], dir);
      assert.equal(explain.status, 0, `${id}: ${explain.stderr}`);
      assert.ok(JSON.stringify(JSON.parse(explain.stdout)).includes('"shop"'), `${id}: the shop rule applies`);
    }
    const missing = run(['policy', 'validate', '--config', 'nope.yaml'], dir);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.yaml: configuration file not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('workload ids: one canonical form, short forms accepted, globs for plan filters', () => {
  assert.deepEqual(parseWorkloadId('prod-gke/ml/Deployment/llm-inference'), { cluster: 'prod-gke', namespace: 'ml', kind: 'Deployment', name: 'llm-inference' });
  assert.deepEqual(parseWorkloadId('prod-gke/ml/llm-inference'), { cluster: 'prod-gke', namespace: 'ml', name: 'llm-inference' });
  assert.deepEqual(parseWorkloadId('deploy/ml/llm-inference'), { kind: 'Deployment', namespace: 'ml', name: 'llm-inference' });
  assert.deepEqual(parseWorkloadId('ml/llm-inference'), { namespace: 'ml', name: 'llm-inference' });
  assert.throws(() => parseWorkloadId('a/b/NotAKind/c'), /not an id/);
  assert.equal(workloadIdText({ namespace: 'shop', kind: 'Deployment', name: 'web' }), '*/shop/Deployment/web');
  const ref = { cluster: 'prod-gke', namespace: 'ml', kind: 'Deployment' as const, name: 'llm-inference' };
  const pass = (opts: Parameters<typeof workloadFilter>[0]) => workloadFilter(opts)!(ref);
  assert.equal(workloadFilter({}), undefined);
  assert.equal(pass({ cluster: ['prod-*'] }), true);
  assert.equal(pass({ cluster: ['dev-*'] }), false);
  assert.equal(pass({ namespace: ['ml', 'shop'] }), true);
  assert.equal(pass({ workload: ['prod-gke/ml/*'] }), true);
  assert.equal(pass({ workload: ['*/ml/StatefulSet/*'] }), false);
  assert.equal(pass({ workload: ['llm-*'] }), true);
  assert.equal(pass({ cluster: ['prod-*'], namespace: ['shop'] }), false);
});

test('init --config sub/x.yaml writes there; the schema URL it writes is the schema\'s $id', async () => {
  const dir = tmpDir('init-config');
  try {
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    const r = run(['init', '--config', 'ops/rightsizer.yaml', '-o', 'json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(path.join(dir, 'ops/rightsizer.yaml')));
    assert.ok(!existsSync(path.join(dir, 'rightsizer.yaml')));
    assert.equal(JSON.parse(r.stdout).file, path.join(dir, 'ops/rightsizer.yaml'));
    assert.equal(SCHEMA_URL, configSchema.$id);
    assert.match(readFileSync(path.join(dir, 'ops/rightsizer.yaml'), 'utf8'), new RegExp(`^# yaml-language-server: \\$schema=${SCHEMA_URL.replace(/[.]/g, '\\.')}\\n`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init names only policy folders that exist; a missing one is reported with the path checked', async () => {
  const dir = tmpDir('init-policies');
  try {
    const without = await parseConfig(path.join(dir, 'rightsizer.yaml'), initConfigText({ baseBranch: 'main', clusters: ['prod'] }));
    assert.deepEqual(without.policies, [], 'no policies/ folder: the built-in defaults apply');
    mkdirSync(path.join(dir, 'policies'));
    const withFolder = await parseConfig(path.join(dir, 'rightsizer.yaml'), initConfigText({ baseBranch: 'main', clusters: ['prod'] }));
    assert.deepEqual(withFolder.policies, ['policies/'], 'an existing policies/ folder is used');
    await assert.rejects(readPolicyFiles(['guardrails/'], dir), (err: Error) => err.message.includes(`looked for ${path.join(dir, 'guardrails')}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init finds clusters in Flux folders, ApplicationSet list generators, nested and templated Applications', async () => {
  const { discoverClusters } = await import('../../src/cli/commands/init.ts');
  const found = discoverClusters([
    { path: 'clusters/production/apps.yaml', text: 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec: {path: ./apps/production}\n' },
    { path: 'appset.yaml', text: "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  generators:\n    - list:\n        elements: [{cluster: eu-1, url: https://eu-1.example.com}]\n  template:\n    spec:\n      destination: {server: '{{url}}', namespace: x}\n" },
    { path: 'values-apps.yaml', text: 'apps:\n  - name: a\n    project: default\n    destination: {name: staging, namespace: a}\n' },
    { path: 'root/Chart.yaml', text: 'apiVersion: v2\nname: root\nversion: 1.0.0\n' },
    { path: 'root/values.yaml', text: 'destination: {server: https://prod.example.com:6443}\n' },
    { path: 'root/templates/app.yaml', text: 'kind: Application\nspec:\n  destination:\n    server: {{ .Values.destination.server }}\n    namespace: x\n{{- end }}\n' },
    { path: 'mesh/virtualservice.yaml', text: 'kind: VirtualService\nspec:\n  http:\n    - route:\n        - destination: {host: reviews, subset: v1}\n' },
  ]);
  assert.deepEqual(found.map(c => [c.name, c.aliases]), [['eu-1', ['https://eu-1.example.com']], ['prod', ['https://prod.example.com:6443']], ['production', []], ['staging', []]]);
});

test('no source file uses path.matchesGlob (an ExperimentalWarning on Node 22)', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.ts')) files.push(path.join(dir, e.name));
    }
  };
  walk(path.join(repoRoot, 'src'));
  const users = files.filter(f => /\.matchesGlob\(/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(users.map(f => path.relative(repoRoot, f)), []);
});

test('plan --cluster/--namespace/--workload plan only the matching workloads, and collect only the matching clusters', () => {
  const r = run(['plan', '--demo', '--cluster', 'prod-g*', '--namespace', 'ml', '-o', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { recommendations: Array<{ id: string }>; edits: Array<{ path: string }> };
  assert.deepEqual(plan.recommendations.map(x => x.id), ['prod-gke/ml/Deployment/llm-inference', 'prod-gke/ml/InferenceService/sentiment']);
  assert.deepEqual(plan.edits.map(e => e.path), ['manifests/ml/llm-inference.yaml', 'manifests/ml/sentiment.yaml']);
  assert.doesNotMatch(r.stderr, /collecting usage from prod-(eks|aks)/);
  const short = run(['plan', '--demo', '--snapshot', demoSnapshot(), '--workload', 'prod-gke/ml/llm-inference', '-o', 'json', '--quiet']);
  assert.equal(short.status, 0, short.stderr);
  assert.deepEqual((JSON.parse(short.stdout) as { recommendations: Array<{ id: string }> }).recommendations.map(x => x.id), ['prod-gke/ml/Deployment/llm-inference']);
  const bad = run(['plan', '--demo', '--workload', 'a/b/Nope/c']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /workload "a\/b\/Nope\/c" is not an id/);
});
