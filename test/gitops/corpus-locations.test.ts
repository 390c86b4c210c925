// The locator against the labelled corpus (test/gitops/expected-locations.json): every labelled
// container resource, replica and HPA location is found (100% recall), nothing else is (no false
// positives), and none of the look-alikes (PVC storage, ResourceQuota, kustomization resources,
// Ray autoscaler bounds, HPA status) is reported. Also times locate on the whole corpus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '../helpers/shared.ts';
import { locate, readRepoFiles } from '../../src/gitops/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const expected = JSON.parse(readFileSync(path.join(here, 'expected-locations.json'), 'utf8')) as {
  labels: Array<{ file: string; line: number; field: string; value: string }>;
  lookAlikes: Array<{ file: string; line: number; reason: string }>;
};

test('the locator finds every labelled corpus location and nothing else', async t => {
  const dir = sharedPath(t, 'corpus/gitops', 'the labelled GitOps corpus');
  if (!dir) return;
  const files = await readRepoFiles(dir);
  const { locations, errors } = locate(files);
  assert.deepEqual(errors, []);
  const key = (l: { file: string; line: number; field: string }) => `${l.file}:${l.line}:${l.field}`;
  const found = new Map(locations.map(l => [key(l), l]));
  const labelled = new Set(expected.labels.map(key));
  const missing = expected.labels.filter(l => !found.has(key(l))).map(key);
  const extra = locations.filter(l => !labelled.has(key(l))).map(l => `${key(l)} = ${l.value}`);
  assert.deepEqual(missing, [], 'recall below 100%');
  assert.deepEqual(extra, [], 'false positives');
  for (const l of expected.labels) assert.equal(found.get(key(l))!.value, l.value, key(l));
  const lines = new Set(locations.map(l => `${l.file}:${l.line}`));
  const hits = expected.lookAlikes.filter(l => lines.has(`${l.file}:${l.line}`));
  assert.deepEqual(hits, [], 'look-alikes located');
  t.diagnostic(`${expected.labels.length} labelled locations found, ${expected.lookAlikes.length} look-alikes ignored`);
});

test('ids are unique and stable across runs', async t => {
  const dir = sharedPath(t, 'corpus/gitops', 'the GitOps corpus ids');
  if (!dir) return;
  const files = await readRepoFiles(dir);
  const a = locate(files).locations.map(l => l.id);
  assert.equal(new Set(a).size, a.length, 'duplicate ids');
  const b = locate([...files].reverse()).locations.map(l => l.id);
  assert.deepEqual([...b].sort(), [...a].sort());
});
