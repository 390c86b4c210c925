// Hand-made edge cases the corpus lacks (test/gitops/fixtures/): tabs, BOM, memory notations,
// flow mappings, legacy Kustomize patch fields, duplicate keys, anchors and templates, bitnami
// presets, CRLF without a final newline, marker comments, removal, and invalid YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/core/errors.ts';
import { applyValues, checkEditScope, locate, planEdits, readRepoFiles, type Location, type RepoFile } from '../../src/gitops/index.ts';
import { editAt } from '../../src/gitops/edit.ts';
import { repoRoot } from '../helpers/shared.ts';
import { clusters, rec } from './helpers.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const read = (rel: string): RepoFile => ({ path: rel, text: readFileSync(path.join(dir, rel), 'utf8') });
const one = (locations: Location[], field: string, container?: string) => {
  const hit = locations.filter(l => l.field === field && (container === undefined || l.container === container));
  assert.equal(hit.length, 1, `${field} ${container}: ${hit.length} hits`);
  return hit[0];
};
const set = (file: RepoFile, loc: Location, value: string | number | undefined) => applyValues(file, [{ locationId: loc.id, value }]);

test('tabs as separators are kept; tab indentation is an error at file:line:column', () => {
  const file = read('tab-separators.yaml');
  const { locations } = locate([file]);
  const out = set(file, one(locations, 'cpu.request', 'app'), '300m');
  assert.equal(out, file.text.replace('cpu:\t250m\t# tab', 'cpu:\t300m\t# tab'));
  assert.equal(set(file, one(locations, 'replicas'), 4), file.text.replace('replicas:\t3', 'replicas:\t4'));
  const bad = read('tab-indented.yaml');
  const { errors } = locate([bad]);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof InputError);
  assert.deepEqual([errors[0].file, errors[0].line, errors[0].column], ['tab-indented.yaml', 6, 1]);
  assert.match(errors[0].message, /^tab-indented\.yaml:6:1: invalid YAML: Tabs are not allowed/);
});

test('a byte order mark stays, and positions count from the first character after it', () => {
  const file = read('bom.yaml');
  assert.equal(file.text.charCodeAt(0), 0xfeff);
  const { locations } = locate([file]);
  const cpu = one(locations, 'cpu.request', 'db');
  assert.deepEqual([cpu.line, cpu.value], [14, '0.5']);
  const out = set(file, cpu, 0.75);
  assert.equal(out, file.text.replace('cpu: "0.5"', 'cpu: "0.75"'));
  assert.equal(out.charCodeAt(0), 0xfeff);
  // Decimal G stays decimal: 1.5 GB is written in M.
  assert.match(set(file, one(locations, 'memory.request'), 1.5e9), /memory: 1500M\n$/);
});

test('memory in bytes, Ki, Ti, M and G keeps its notation', () => {
  const file = read('memory-units.yaml');
  const { locations } = locate([file]);
  const cases: Array<[string, number, string]> = [
    ['bytes', 268435456, 'memory: 268435456'],
    ['kibi', 262144 * 1024, 'memory: 262144Ki'],
    ['tebi', 1.5 * 2 ** 40, 'memory: 1536Gi'],
    ['mega', 750e6, 'memory: 750M'],
    ['giga', 3e9, "memory: '3G'"],
  ];
  for (const [container, bytes, expected] of cases) {
    const loc = locations.find(l => l.container === container)!;
    const out = set(file, loc, bytes);
    const changed = out.split('\n').filter((line, i) => line !== file.text.split('\n')[i]);
    assert.deepEqual(changed.map(s => s.trim()), [expected], container);
  }
  // A string in the same family of units is written as given; another family is converted (rounded up).
  assert.match(set(file, locations.find(l => l.container === 'kibi')!, '1Gi'), /memory: 1Gi\n/);
  assert.match(set(file, locations.find(l => l.container === 'kibi')!, '1G'), /memory: 976563Ki\n/);
  assert.match(set(file, locations.find(l => l.container === 'mega')!, '1Gi'), /memory: 1074M\n/);
});

test('flow mappings: values change in place and missing keys are added in flow style', () => {
  const file = read('flow.yaml');
  const { locations } = locate([file]);
  const out = set(file, one(locations, 'cpu.request', 'agent'), '150m');
  assert.match(out, /requests: \{cpu: 150m, memory: 64Mi\}/);
  const added = editAt(file, one(locations, 'memory.limit', 'agent').id, [{ field: 'cpu.limit', value: '500m' }]);
  assert.match(added.text, /limits: \{memory: 128Mi, cpu: 500m\}\}\}/);
  // `resources: {}` in block context becomes a block in the file's indentation.
  const { edits } = planEdits([file], [rec('c/edge/DaemonSet/agent', [{ container: 'empty', cpuRequest: { to: 0.1 } }])], { repository: {}, clusters: [] });
  assert.match(edits[0].newText, /\n        - name: empty\n          resources:\n            requests:\n              cpu: 100m\n$/);
  assert.deepEqual(checkEditScope(file, edits[0].newText, planEdits([file], [rec('c/edge/DaemonSet/agent', [{ container: 'empty', cpuRequest: { to: 0.1 } }])], { repository: {}, clusters: [] }).locations), []);
});

test('patchesStrategicMerge and patchesJson6902 (containers by index) win over the base', async () => {
  const files = (await readRepoFiles(dir)).filter(f => f.path.startsWith('legacy/'));
  const { locations } = locate(files);
  const ops = locations.filter(l => l.file === 'legacy/overlay/ops.yaml');
  assert.deepEqual(ops.map(l => [l.container, l.field, l.value]), [['proxy', 'cpu.request', '200m'], ['app', 'cpu.limit', '1']]);
  const r = rec('any/legacy/Deployment/prod-web', [
    { container: 'app', cpuRequest: { from: 0.1, to: 0.2 }, cpuLimit: { from: 1, to: 2 }, memoryLimit: { from: 512 * 2 ** 20, to: 384 * 2 ** 20 } },
    { container: 'proxy', cpuRequest: { from: 0.2, to: 0.3 } },
  ], { replicas: { from: 5, to: 4 } });
  const { edits, unplaced } = planEdits(files, [r], { repository: {}, clusters: clusters('any') });
  assert.deepEqual(unplaced, []);
  const byPath = Object.fromEntries(edits.map(e => [e.path, e.newText]));
  assert.match(byPath['legacy/overlay/ops.yaml'], /value: 300m/);
  assert.match(byPath['legacy/overlay/ops.yaml'], /cpu: "2"/);
  assert.match(byPath['legacy/overlay/memory.yaml'], /memory: 384Mi/);
  assert.match(byPath['legacy/overlay/kustomization.yaml'], /value: 4/);
  // The app's CPU request is only in the base.
  assert.match(byPath['legacy/base/deployment.yaml'], /cpu: 200m\n        - name: proxy/);
  assert.doesNotMatch(byPath['legacy/base/deployment.yaml'], /cpu: 300m/);
});

test('duplicate keys, aliases, anchors and templates are reported, not overwritten', () => {
  const dup = read('duplicate-keys.yaml');
  const locked = locate([dup]).locations.filter(l => l.field === 'cpu.request');
  assert.equal(locked.length, 2);
  for (const l of locked) {
    assert.equal(l.editable, false);
    assert.match(l.reason!, /more than once/);
    assert.throws(() => set(dup, l, '1'), /not editable: the key "cpu" appears more than once/);
  }
  const anchors = read('anchors.yaml');
  const { locations } = locate([anchors]);
  assert.match(one(locations, 'cpu.request', 'web').reason!, /alias \*defaults/);
  assert.match(one(locations, 'cpu.request', 'worker').reason!, /anchor &workerCpu/);
  assert.match(one(locations, 'memory.request', 'worker').reason!, /template expression/);
  assert.match(one(locations, 'cpu.request', 'batch').reason!, /alias \*workerCpu/);
  assert.equal(one(locations, 'replicas', 'web').editable, true);
});

test('a bitnami resourcesPreset is not replaced unless the option allows it', () => {
  const file = read('bitnami-preset.yaml');
  const repository = { mappings: [{ workload: 'Deployment/web/nginx', file: 'bitnami-preset.yaml' }] };
  const r = rec('c/web/Deployment/nginx', [{ container: 'nginx', cpuRequest: { to: 0.25 }, memoryLimit: { to: 2 ** 28 } }]);
  const refused = planEdits([file], [r], { repository, clusters: clusters('c') });
  assert.equal(refused.edits.length, 0);
  assert.match(refused.unplaced[0].reason, /resourcesPreset "nano"/);
  const allowed = planEdits([file], [r], { repository, clusters: clusters('c'), overridePresets: true });
  assert.equal(allowed.edits[0].newText, file.text.replace('resources: {}\n', 'resources:\n  requests:\n    cpu: 250m\n  limits:\n    memory: 256Mi\n'));
});

test('CRLF without a final newline: edits, insertions and removals keep both', () => {
  const file = read('crlf-no-final-newline.yaml');
  const { locations } = locate([file]);
  const removed = set(file, one(locations, 'cpu.limit'), undefined);
  assert.equal(removed, 'replicaCount: 2\r\nresources:\r\n  requests:\r\n    cpu: 1\r\n  limits:\r\n    memory: 1Gi');
  const memory = set(file, one(locations, 'memory.limit'), '768Mi');
  assert.ok(memory.endsWith('    memory: 768Mi'));
  const inserted = editAt(file, one(locations, 'cpu.request').id, [{ field: 'memory.request', value: '512Mi' }]);
  assert.equal(inserted.text, 'replicaCount: 2\r\nresources:\r\n  requests:\r\n    cpu: 1\r\n    memory: 512Mi\r\n  limits:\r\n    cpu: 2\r\n    memory: 1Gi');
  // Removing the only key of `limits:` removes `limits:` too.
  const onlyCpu = { path: 'x.yaml', text: 'resources:\n  requests:\n    cpu: 1\n  limits:\n    cpu: 2\n# end\n' };
  const lim = locate([onlyCpu]).locations.find(l => l.field === 'cpu.limit')!;
  assert.equal(set(onlyCpu, lim, undefined), 'resources:\n  requests:\n    cpu: 1\n# end\n');
});

test('marker comments name the workload of a values block', () => {
  const file = read('marker.yaml');
  const { locations } = locate([file]);
  assert.deepEqual(one(locations, 'cpu.request', 'web').workload, { kind: 'Deployment', namespace: 'shop', name: 'storefront' });
  const orders = locations.find(l => l.value === '400m')!;
  assert.deepEqual(orders.workload, { kind: 'Deployment', namespace: 'shop', name: 'orders' });
  const { edits } = planEdits([file], [rec('c/shop/Deployment/orders', [{ container: 'orders', cpuRequest: { from: 0.4, to: 0.35 } }])], { repository: {}, clusters: clusters('c') });
  assert.equal(edits[0].newText, file.text.replace('cpu: 400m', 'cpu: 350m'));
});

test('invalid YAML: a clear error with file:line:column, and the file is never written', () => {
  const file = read('invalid.yaml');
  assert.throws(() => applyValues(file, [{ locationId: 'invalid.yaml#0:spec.replicas', value: 3 }]), (err: unknown) =>
    err instanceof InputError && err.file === 'invalid.yaml' && err.line === 7 && err.column === 3);
  const { edits, unplaced } = planEdits([file], [rec('c/x/Deployment/broken', [], { replicas: { from: 3, to: 2 } })], { repository: {}, clusters: clusters('c') });
  assert.equal(edits.length, 0);
  assert.match(unplaced[0].reason, /could not be parsed: invalid\.yaml:7:3/);
  // Through the CLI with --write: exit 2, one line naming file:line:column, the bytes unchanged.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-edit-'));
  try {
    copyFileSync(path.join(dir, 'invalid.yaml'), path.join(tmp, 'invalid.yaml'));
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'edit', 'invalid.yaml', '--location', 'spec.replicas', '--set', 'replicas=2', '--write'], { cwd: tmp, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /invalid\.yaml:7:3: invalid YAML/);
    assert.equal(readFileSync(path.join(tmp, 'invalid.yaml'), 'utf8'), file.text);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a template key such as {{ x }} prints no "Keys with collection values" warning; the file is refused as a template, at file:line', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => { warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const file: RepoFile = { path: 'values.yaml', text: 'labels:\n  {{ .Values.key }}: x\nreplicaCount: 2\n' };
    const { locations, errors } = locate([file]);
    // Not Kubernetes YAML until the template is filled in: nothing is offered for edit.
    assert.deepEqual(locations, []);
    assert.match(errors.map(e => e.message).join('\n'), /values\.yaml:2:3: a mapping key is itself a collection \(\{\{ \.Values\.key \}\}\): a template placeholder\?/);
    assert.match(checkEditScope(file, file.text.replace('replicaCount: 2', 'replicaCount: 3'), locations).join('\n'), /template placeholder/);
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('workloads named by placeholders are locked; component maps under resources are locations; Ansible files are not claimed', () => {
  const component: RepoFile = { path: 'components/app/deployment.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: "${APP}"}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources: {requests: {cpu: 100m}}\n' };
  const [locked] = locate([component]).locations;
  assert.equal(locked.editable, false);
  assert.match(locked.reason!, /placeholder \(\$\{APP\}\)/);
  const ceph: RepoFile = { path: 'values.yaml', text: 'cephClusterSpec:\n  resources:\n    mgr:\n      requests: {cpu: 500m}\n    osd:\n      limits: {memory: 8Gi}\n' };
  assert.deepEqual(locate([ceph]).locations.map(l => [l.id, l.container, l.field]), [
    ['values.yaml#0:cephClusterSpec.resources.mgr.requests.cpu', 'cephClusterSpec.mgr', 'cpu.request'],
    ['values.yaml#0:cephClusterSpec.resources.osd.limits.memory', 'cephClusterSpec.osd', 'memory.limit'],
  ]);
  const cluster: RepoFile = { path: 'cluster.yaml', text: 'apiVersion: ceph.rook.io/v1\nkind: CephCluster\nmetadata: {name: ceph, namespace: rook-ceph}\nspec:\n  resources:\n    mon:\n      requests: {memory: 1Gi}\n' };
  assert.deepEqual(locate([cluster]).locations.map(l => [l.container, l.field]), [['mon', 'memory.request']]);
  const ansible: RepoFile = { path: 'roles/node/defaults/main.yml', text: 'replicas: 3\nresources:\n  requests: {cpu: 500m}\n' };
  assert.deepEqual(locate([ansible]).locations, []);
});

test('built-in policies are named without a path of this machine', async () => {
  const { defaultPolicyFiles, readPolicyFiles } = await import('../../src/policy/index.ts');
  const files = await readPolicyFiles(defaultPolicyFiles(), os.tmpdir());
  assert.deepEqual(files.map(f => f.path), ['rightsizer:policies/defaults.yaml']);
});

test('a value a base shared by several clusters sets is added to the cluster\'s overlay, not edited in the base', () => {
  const release = (values: string) => `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: podinfo}\nspec:\n  values:\n${values}`;
  const files: RepoFile[] = [
    { path: 'apps/base/release.yaml', text: release('    resources:\n      requests: {cpu: 100m}\n      limits: {memory: 128Mi}\n') },
    { path: 'apps/base/kustomization.yaml', text: 'resources: [release.yaml]\n' },
    { path: 'apps/production/kustomization.yaml', text: 'resources: [../base]\npatches:\n  - path: values.yaml\n    target: {kind: HelmRelease}\n' },
    { path: 'apps/production/values.yaml', text: release('    resources:\n      requests:\n        cpu: 250m\n') },
    { path: 'apps/staging/kustomization.yaml', text: 'resources: [../base]\n' },
  ];
  const r = rec('production/podinfo/Deployment/podinfo', [{ container: 'podinfo', cpuRequest: { from: 0.25, to: 0.2 }, memoryLimit: { from: 128 * 2 ** 20, to: 192 * 2 ** 20 } }]);
  const { edits, unplaced } = planEdits(files, [r], { repository: {}, clusters: clusters('production', 'staging') });
  assert.deepEqual(unplaced, []);
  assert.deepEqual(edits.map(e => e.path), ['apps/production/values.yaml']);
  assert.equal(edits[0].newText, release('    resources:\n      requests:\n        cpu: 200m\n      limits:\n        memory: 192Mi\n'));
});
