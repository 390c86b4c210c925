// `rightsizer locate` and `rightsizer edit` through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const run = (args: string[], cwd = repoRoot) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

test('locate --output json lists every location with the documented keys; the default is a table', () => {
  const r = run(['locate', 'fixtures/gitops-repo', '--output', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  assert.ok(list.length >= 30);
  for (const l of list) for (const k of ['id', 'file', 'line', 'format', 'workload', 'container', 'field', 'value']) assert.ok(k in l, `${k} missing`);
  const gpu = list.find(l => l.field === 'gpu.request' && l.file === 'fixtures/gitops-repo/manifests/ml/llm-inference.yaml')!;
  assert.equal(gpu.file, 'fixtures/gitops-repo/manifests/ml/llm-inference.yaml');
  assert.equal(gpu.container, 'server');
  const table = run(['locate', 'fixtures/gitops-repo/manifests/search/search.yaml']);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /^WHERE\s+FORMAT\s+WORKLOAD\s+CONTAINER\s+FIELD\s+VALUE\n/);
  assert.match(table.stdout, /search\.yaml:31\s+manifest\s+search\/Deployment\/search\s+-\s+hpa\.minReplicas\s+4/);
});

test('edit prints the new content with several --set, and --write writes it', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-edit-'));
  try {
    const src = path.join(repoRoot, 'fixtures/gitops-repo/apps/checkout/values.yaml');
    copyFileSync(src, path.join(tmp, 'values.yaml'));
    const before = readFileSync(src, 'utf8');
    const args = ['edit', 'values.yaml', '--location', 'values.yaml#0:resources.requests.cpu', '--set', 'cpu.request=250m', '--set', 'memory.limit=512Mi', '--set', 'replicas=3', '--set', 'cpu.limit=1'];
    const printed = run(args, tmp);
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stdout, before.replace('replicaCount: 6', 'replicaCount: 3').replace('cpu: 1500m', 'cpu: 250m')
      .replace('  limits:\n    memory: 2Gi', '  limits:\n    memory: 512Mi\n    cpu: 1000m'));
    assert.equal(readFileSync(path.join(tmp, 'values.yaml'), 'utf8'), before, 'not written without --write');
    const written = run([...args, '--write'], tmp);
    assert.equal(written.status, 0, written.stderr);
    assert.equal(readFileSync(path.join(tmp, 'values.yaml'), 'utf8'), printed.stdout);
    const unknown = run(['edit', 'values.yaml', '--location', 'nope', '--set', 'cpu.request=1'], tmp);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /no location "nope" in values\.yaml/);
    const badField = run(['edit', 'values.yaml', '--location', 'replicaCount', '--set', 'cpu=1'], tmp);
    assert.equal(badField.status, 2);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
