// `rightsizer locate` and `rightsizer edit` through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const run = (args: string[], cwd = repoRoot) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

test('locate --output json lists every location with the documented keys; the default is a table', () => {
  const r = run(['locate', 'fixtures/gitops-repo', '--output', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const { locations: list, skipped } = JSON.parse(r.stdout) as { locations: Array<Record<string, unknown>>; skipped: unknown[] };
  assert.deepEqual(skipped, []);
  assert.ok(list.length >= 30);
  for (const l of list) for (const k of ['id', 'file', 'line', 'format', 'workload', 'container', 'field', 'value']) assert.ok(k in l, `${k} missing`);
  const gpu = list.find(l => l.field === 'gpu.request' && l.file === 'fixtures/gitops-repo/manifests/ml/llm-inference.yaml')!;
  assert.equal(gpu.file, 'fixtures/gitops-repo/manifests/ml/llm-inference.yaml');
  assert.equal(gpu.container, 'server');
  const table = run(['locate', 'fixtures/gitops-repo/manifests/search/search.yaml']);
  assert.equal(table.status, 0);
  assert.match(table.stdout, /^WHERE\s+ID\s+FORMAT\s+WORKLOAD\s+CONTAINER\s+FIELD\s+VALUE\n/);
  // The id column is what `edit --location` takes; the workload is the canonical id (`*` where the file does not say).
  assert.match(table.stdout, /search\.yaml:31\s+#1:spec\.minReplicas\s+manifest\s+\*\/search\/Deployment\/search\s+-\s+hpa\.minReplicas\s+4/);
});

test('edit prints the new content with several --set, and --write writes it', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-edit-'));
  try {
    const src = path.join(repoRoot, 'fixtures/gitops-repo/apps/checkout/values.yaml');
    copyFileSync(src, path.join(tmp, 'values.yaml'));
    const before = readFileSync(src, 'utf8');
    const args = ['edit', 'values.yaml', '--location', 'values.yaml#0:resources.requests.cpu', '--set', 'cpu.request=250m', '--set', 'memory.request=384Mi', '--set', 'memory.limit=512Mi', '--set', 'replicas=3', '--set', 'cpu.limit=1'];
    const printed = run(args, tmp);
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stdout, before.replace('replicaCount: 6', 'replicaCount: 3').replace('cpu: 1500m', 'cpu: 250m').replace('    memory: 2Gi\n  limits', '    memory: 384Mi\n  limits')
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

test('a folder scan skips Helm chart templates, lists unparseable files as skipped with file:line:column and exits 0; --strict and named files fail', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-locate-skip-'));
  try {
    mkdirSync(path.join(tmp, 'chart/templates'), { recursive: true });
    mkdirSync(path.join(tmp, 'hack'));
    writeFileSync(path.join(tmp, 'chart/Chart.yaml'), 'apiVersion: v2\nname: chart\nversion: 0.1.0\n');
    writeFileSync(path.join(tmp, 'chart/values.yaml'), 'replicaCount: 2\nresources:\n  requests:\n    cpu: 100m\n');
    writeFileSync(path.join(tmp, 'chart/templates/deployment.yaml'), 'spec:\n  resources:\n{{ toYaml .Values.resources | indent 4 }}\n  replicas: {{ .Values.replicaCount }}\n');
    writeFileSync(path.join(tmp, 'hack/notes.yaml'), 'a: [unclosed\nb: 1\n');
    const scan = run(['locate', '.', '--output', 'json'], tmp);
    assert.equal(scan.status, 0, scan.stderr);
    const out = JSON.parse(scan.stdout) as { locations: Array<{ file: string }>; skipped: Array<{ file: string; line: number; column: number; reason: string }> };
    assert.deepEqual(out.locations.map(l => l.file), ['chart/values.yaml', 'chart/values.yaml']);
    assert.equal(out.skipped.length, 1);
    assert.equal(out.skipped[0].file, 'hack/notes.yaml');
    assert.ok(out.skipped[0].line >= 1 && out.skipped[0].column >= 1);
    assert.match(out.skipped[0].reason, /invalid YAML/);
    const table = run(['locate', '.'], tmp);
    assert.equal(table.status, 0);
    assert.match(table.stderr, /^skipped hack\/notes\.yaml:\d+:\d+: invalid YAML/m);
    const strict = run(['locate', '.', '--strict'], tmp);
    assert.equal(strict.status, 2);
    assert.match(strict.stderr, /error: hack\/notes\.yaml:\d+:\d+: invalid YAML/);
    const named = run(['locate', 'hack/notes.yaml'], tmp);
    assert.equal(named.status, 2);
    assert.match(named.stderr, /error: hack\/notes\.yaml:\d+:\d+/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('edit refuses an invalid spec, naming both values, unless --force', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-edit-invalid-'));
  try {
    writeFileSync(path.join(tmp, 'values.yaml'), 'resources:\n  requests:\n    cpu: 500m\n    memory: 2Gi\n  limits:\n    memory: 2Gi\nautoscaling:\n  enabled: true\n  minReplicas: 3\n  maxReplicas: 20\n');
    const before = readFileSync(path.join(tmp, 'values.yaml'), 'utf8');
    const limit = run(['edit', 'values.yaml', '--location', '#0:resources.limits.memory', '--set', 'memory.limit=512Mi', '--write'], tmp);
    assert.equal(limit.status, 2);
    assert.match(limit.stderr, /memory\.limit 512Mi \(values\.yaml:6\) would be below memory\.request 2Gi \(values\.yaml:4\)/);
    const hpa = run(['edit', 'values.yaml', '--location', '#0:autoscaling.minReplicas', '--set', 'hpa.minReplicas=30', '--write'], tmp);
    assert.equal(hpa.status, 2);
    assert.match(hpa.stderr, /hpa\.minReplicas 30 \(values\.yaml:9\) would be above hpa\.maxReplicas 20 \(values\.yaml:10\)/);
    const junk = run(['edit', 'values.yaml', '--location', '#0:resources.requests.cpu', '--set', 'cpu.request=lots'], tmp);
    assert.equal(junk.status, 2);
    assert.match(junk.stderr, /cpu\.request: "lots" is not a Kubernetes quantity/);
    assert.equal(readFileSync(path.join(tmp, 'values.yaml'), 'utf8'), before, 'nothing written');
    const together = run(['edit', 'values.yaml', '--location', '#0:resources.limits.memory', '--set', 'memory.request=384Mi', '--set', 'memory.limit=512Mi'], tmp);
    assert.equal(together.status, 0, together.stderr);
    const forced = run(['edit', 'values.yaml', '--location', '#0:autoscaling.minReplicas', '--set', 'hpa.minReplicas=30', '--force', '--write'], tmp);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stderr, /warning: hpa\.minReplicas 30 .* \(written because of --force\)/);
    assert.match(readFileSync(path.join(tmp, 'values.yaml'), 'utf8'), /minReplicas: 30/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
