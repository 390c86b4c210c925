// The locator against the reviewed expectation list of the AI-serving corpus
// (../shared/corpus/gitops-ai, list in test/gitops/expected-locations-ai.json): every labelled
// location is found with its value, accelerator and editability (100% recall), nothing else is
// (no false positives), look-alikes (nodeSelector labels, Ray Serve settings inside strings, LWS
// size, PVC storage) are not, templated files are reported with their reason, and every editable
// location round-trips (test/gitops/roundtrip.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '../helpers/shared.ts';
import { locate, readRepoFiles } from '../../src/gitops/index.ts';
import { roundTrip } from './roundtrip.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const expectedAi = JSON.parse(readFileSync(path.join(here, 'expected-locations-ai.json'), 'utf8')) as {
  labels: Array<{ file: string; line: number; field: string; value: string; resource?: string; editable?: boolean }>;
  skipped: Array<{ file: string; reason: string }>;
  lookAlikes: Array<{ file: string; line: number; reason: string }>;
};

const key = (l: { file: string; line: number; field: string }) => `${l.file}:${l.line}:${l.field}`;

test('the locator finds every labelled AI-corpus location and nothing else', async t => {
  const dir = sharedPath(t, 'corpus/gitops-ai', 'the labelled AI-serving GitOps corpus');
  if (!dir) return;
  const files = await readRepoFiles(dir);
  assert.equal(files.length, 58);
  const { locations, errors } = locate(files);
  // Templated files: one clear error each, naming the file; nothing located in them.
  assert.deepEqual(errors.map(e => e.file).sort(), expectedAi.skipped.map(s => s.file).sort());
  for (const e of errors) assert.match(e.message, /invalid YAML|template placeholder/);
  const found = new Map(locations.map(l => [key(l), l]));
  const labelled = new Set(expectedAi.labels.map(key));
  const missing = expectedAi.labels.filter(l => !found.has(key(l))).map(key);
  const extra = locations.filter(l => !labelled.has(key(l))).map(l => `${key(l)} = ${l.value}`);
  assert.deepEqual(missing, [], 'recall below 100%');
  assert.deepEqual(extra, [], 'false positives');
  for (const l of expectedAi.labels) {
    const got = found.get(key(l))!;
    assert.equal(got.value, l.value, key(l));
    if (l.resource) assert.equal(got.resource, l.resource, `${key(l)}: accelerator`);
    assert.equal(got.editable, l.editable ?? true, `${key(l)}: editable (${got.reason ?? ''})`);
  }
  const lines = new Set(locations.map(l => `${l.file}:${l.line}`));
  assert.deepEqual(expectedAi.lookAlikes.filter(l => lines.has(`${l.file}:${l.line}`)), [], 'look-alikes located');
  const kinds = new Set(expectedAi.labels.map(l => l.resource).filter(Boolean));
  t.diagnostic(`${expectedAi.labels.length} labelled locations found (accelerators: ${[...kinds].sort().join(', ')}), ${expectedAi.lookAlikes.length} look-alikes ignored, ${expectedAi.skipped.length} templated files skipped`);
});

test('every editable AI-corpus location round-trips byte for byte', async t => {
  const dir = sharedPath(t, 'corpus/gitops-ai', 'the AI-serving GitOps corpus round trip');
  if (!dir) return;
  const files = (await readRepoFiles(dir)).filter(f => !expectedAi.skipped.some(s => s.file === f.path));
  const { edited, locked } = roundTrip(files);
  assert.equal(edited + locked, expectedAi.labels.length);
  assert.equal(locked, expectedAi.labels.filter(l => l.editable === false).length);
  t.diagnostic(`${edited} values edited and restored, ${locked} locked (placeholders), in ${files.length} files`);
});
