// Round trip over every file of the public GitOps corpus (../shared/corpus/gitops): see
// test/gitops/roundtrip.ts for what is checked at each location.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPath } from '../helpers/shared.ts';
import { locate, readRepoFiles } from '../../src/gitops/index.ts';
import { roundTrip } from './roundtrip.ts';

test('every corpus location edits with a one-line diff, a one-path data change, and an exact undo', async t => {
  const dir = sharedPath(t, 'corpus/gitops', 'the GitOps corpus round trip');
  if (!dir) return;
  const files = await readRepoFiles(dir);
  assert.equal(files.length, 84);
  const { locations, errors } = locate(files);
  assert.deepEqual(errors.map(e => e.message), []);
  assert.ok(locations.length > 300, `only ${locations.length} locations`);
  const { edited, locked } = roundTrip(files);
  t.diagnostic(`${edited} values edited and restored, ${locked} locked, in ${files.length} files`);
});
