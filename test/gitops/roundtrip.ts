// The round-trip check shared by the corpus tests: for each location of each file, change the
// value and check (1) only that value's line changed, (2) the data is the same except at that
// path, (3) writing the old value back restores the original bytes. Locked locations (aliases,
// templates, shared anchors, placeholders) must refuse the edit and say why.
import assert from 'node:assert/strict';
import { applyValues, checkEditScope, type Location, type RepoFile } from '../../src/gitops/index.ts';
import { applyTextChanges, replaceChange } from '../../src/gitops/edit.ts';
import { locateDetailed } from '../../src/gitops/locate.ts';
import { parseQuantity } from '../../src/core/quantity.ts';

export function otherValue(l: Location): string {
  const q = parseQuantity(l.value);
  assert.ok(q, `${l.id}: ${l.value} is not a quantity`);
  if (l.field.startsWith('cpu.')) return q.suffix === 'm' ? `${Math.round(q.value * 1000) + 50}m` : String(q.value + 1);
  if (l.field.startsWith('memory.')) return `${Math.round(q.value / 2 ** 20) + 64}Mi`;
  return String(Math.round(q.value) + 1);
}

export function changedLines(a: string, b: string): number[] {
  const x = a.split('\n'), y = b.split('\n');
  assert.equal(y.length, x.length, 'the number of lines changed');
  return x.flatMap((line, i) => line === y[i] ? [] : [i + 1]);
}

/** Runs the round trip over every file; returns how many values were edited and how many are locked. */
export function roundTrip(files: RepoFile[]): { edited: number; locked: number } {
  let edited = 0, locked = 0;
  for (const file of files) {
    const { spots } = locateDetailed([file]);
    if (spots.length === 0) continue;
    const batch = [];
    for (const spot of spots) {
      if (!spot.editable) {
        locked++;
        assert.ok(spot.reason, `${spot.id}: locked without a reason`);
        continue;
      }
      const value = otherValue(spot);
      const change = replaceChange(spot, value);
      batch.push(change);
      const after = applyTextChanges(file.text, [change]);
      // (1) Only the value's line differs.
      assert.deepEqual(changedLines(file.text, after), [spot.line], spot.id);
      // (3) Writing the old value back (in the new text's style) restores the bytes.
      const moved = { ...spot, value: change.text.replace(/^["']|["']$/g, ''), end: spot.start + change.text.length };
      const back = applyTextChanges(after, [replaceChange(moved, spot.value)]);
      assert.ok(back === file.text, `${spot.id}: undo did not restore the original bytes`);
      edited++;
    }
    const editable = spots.filter(s => s.editable);
    if (editable.length === 0) {
      assert.throws(() => applyValues(file, [{ locationId: spots[0].id, value: '1' }]), /not editable/);
      continue;
    }
    // (2) All values of the file changed at once: the re-parsed data differs at exactly those paths,
    // and each path alone is reported when it is not allowed.
    const after = applyTextChanges(file.text, batch);
    assert.deepEqual(checkEditScope(file, after, editable), [], file.path);
    const problems = checkEditScope(file, after, editable.slice(1));
    assert.equal(problems.length, 1, `${file.path}: ${problems.join('\n')}`);
    assert.ok(problems[0].includes(editable[0].keyPath), problems[0]);
    const relocated = new Map(locateDetailed([{ path: file.path, text: after }]).spots.map(s => [s.id, s.value]));
    for (const s of editable) assert.notEqual(relocated.get(s.id), s.value, `${s.id} did not change`);
    // The public path (applyValues, which locates again) on the first location, there and back.
    const first = editable[0];
    const once = applyValues(file, [{ locationId: first.id, value: otherValue(first) }]);
    assert.deepEqual(changedLines(file.text, once), [first.line]);
    assert.ok(applyValues({ path: file.path, text: once }, [{ locationId: first.id, value: first.value }]) === file.text, `${first.id}: undo`);
  }
  return { edited, locked };
}
