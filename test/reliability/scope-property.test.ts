// The scope guard as a property over the public corpus (../shared/corpus/gitops and gitops-ai):
// for random plans made by the editor, the guard passes, every file still parses, and every new
// value is a valid quantity within bounds; for crafted plans (a byte changed outside the value
// spans, replicas 0, memory 1e30, a quote change) the guard refuses. Files that are not UTF-8
// offer no value to edit at all, so they stay byte-identical. Seeded random: deterministic.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { valueProblem } from '../../src/core/bounds.ts';
import type { FieldName } from '../../src/core/types.ts';
import { checkBytes } from '../../src/deliver/scope.ts';
import { applyTextChanges, assertParses, replaceChange } from '../../src/gitops/edit.ts';
import { locateDetailed } from '../../src/gitops/locate.ts';
import type { Spot } from '../../src/gitops/model.ts';
import { readRepoFiles, type RepoFile } from '../../src/gitops/repo-files.ts';
import { checkEditScope } from '../../src/gitops/scope.ts';
import { seeded } from '../recommend/fixtures.ts';
import { sharedPath } from '../helpers/shared.ts';

const PLANS_PER_CORPUS = 100;

function randomValue(field: FieldName, rnd: () => number): number {
  if (field.startsWith('cpu.')) return Math.round((0.01 + rnd() * 64) * 1000) / 1000;
  if (field.startsWith('memory.')) return Math.round(64 + rnd() * 65536) * 2 ** 20;
  if (field.startsWith('gpu.')) return 1 + Math.floor(rnd() * 8);
  if (field.startsWith('hpa.target')) return 10 + Math.floor(rnd() * 90);
  return 1 + Math.floor(rnd() * 100);
}

/** What the base file holds, located once per file: the guard is run on many plans of each. */
const locatedBase = new Map<RepoFile, ReturnType<typeof locateDetailed>>();

function guard(file: RepoFile, after: string, ids: string[], now = locateDetailed([{ path: file.path, text: after }])): string[] {
  let before = locatedBase.get(file);
  if (!before) locatedBase.set(file, before = locateDetailed([file]));
  const allowed = before.spots.filter(s => ids.includes(s.id));
  return [
    ...checkEditScope(file, after, allowed),
    ...checkBytes(file.path, file.text, after, ids, new Map(before.spots.map(s => [s.id, s])), new Map(now.spots.map(s => [s.id, s])), before.blocks),
  ];
}

async function corpusFiles(dir: string): Promise<Array<{ file: RepoFile; spots: Spot[] }>> {
  const out = [];
  for (const file of await readRepoFiles(dir)) {
    const { spots } = locateDetailed([file]);
    const editable = spots.filter(s => s.editable && s.ctx.source.idPrefix === '' && valueProblem(s.field, s.value, { allowZero: true }) === undefined);
    if (editable.length > 0) out.push({ file, spots: editable });
  }
  return out;
}

for (const corpus of ['corpus/gitops', 'corpus/gitops-ai']) {
  test(`${corpus}: random plans pass the guard and stay valid; crafted ones are refused`, async t => {
    const dir = sharedPath(t, corpus, `the scope property test over ${corpus}`);
    if (!dir) return;
    const files = await corpusFiles(dir);
    assert.ok(files.length >= 5, `${corpus} has files with editable values`);
    const rnd = seeded(corpus.length * 7919);
    const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
    let legit = 0, crafted = 0;
    for (let i = 0; i < PLANS_PER_CORPUS; i++) {
      const { file, spots } = pick(files);
      const chosen = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * Math.min(4, spots.length)) }, () => pick(spots)))];
      let after: string;
      try {
        after = applyTextChanges(file.text, chosen.map(s => replaceChange(s, randomValue(s.field, rnd))));
      } catch (err) {
        assert.fail(`${file.path}: the editor failed on a sane value: ${(err as Error).message}`);
      }
      const ids = chosen.map(s => s.id);
      const locatedAfter = locateDetailed([{ path: file.path, text: after }]);
      assert.deepEqual(guard(file, after, ids, locatedAfter), [], `${file.path}: a plan the editor made is refused (plan ${i})`);
      assert.doesNotThrow(() => assertParses(file.path, after));
      for (const s of locatedAfter.spots.filter(s => ids.includes(s.id))) {
        assert.equal(valueProblem(s.field, s.value, { allowZero: true }), undefined, `${file.path}: ${s.id}`);
      }
      legit++;

      // Crafted: the same plan, then one more change the plan does not name.
      const afterById = new Map(locatedAfter.spots.map(s => [s.id, s] as const));
      const planned = (s: Spot) => { const now = afterById.get(s.id)!; return after.slice(now.start, now.end); };
      const target = pick(chosen);
      const mutations: Array<[string, string]> = [];
      let offset = Math.floor(rnd() * file.text.length);
      while (chosen.some(s => offset >= s.start && offset <= s.end)) offset = (offset + 17) % file.text.length;
      const ch = pick(['#', ' ', '\n', 'x', '0']);
      // One byte inserted into the base outside every span, and the plan's values spliced as planned.
      const mutatedBase = file.text.slice(0, offset) + ch + file.text.slice(offset);
      const shift = (n: number) => (n > offset ? n + 1 : n);
      mutations.push([`${JSON.stringify(ch)} inserted at ${offset}`, applyTextChanges(mutatedBase, chosen.map(s => ({ start: shift(s.start), end: shift(s.end), text: planned(s) })))]);
      const at = (text: string) => applyTextChanges(file.text, chosen.map(s => ({ start: s.start, end: s.end, text: s === target ? text : planned(s) })));
      if (target.field === 'replicas' || target.field.startsWith('hpa.')) mutations.push(['replicas 0', at('0')]);
      if (target.field.startsWith('memory.')) mutations.push(['memory 1e30', at('1e30')], ['memory 1.02e21Gi', at('1.0244548320770265e+21Gi')]);
      if (target.field.startsWith('cpu.')) mutations.push(['cpu 2.5e32m', at('2.5046219999997748e+32m')], ['quote change', at(target.quote === 'double' ? `'1'` : `"1"`)]);
      for (const [what, text] of mutations) {
        if (text === after) continue;
        assert.notDeepEqual(guard(file, text, ids), [], `${file.path}: a crafted plan (${what}) passed the guard`);
        crafted++;
      }
    }
    t.diagnostic(`${corpus}: ${files.length} files with editable values, ${legit} random plans passed, ${crafted} crafted plans refused`);
  });
}

test('a corpus file made non-UTF-8 offers nothing to edit and stays byte-identical', async t => {
  const dir = sharedPath(t, 'corpus/gitops', 'the non-UTF-8 corpus property');
  if (!dir) return;
  const files = await corpusFiles(dir);
  const rnd = seeded(42);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-latin1-'));
  try {
    for (let i = 0; i < 20; i++) {
      const { file } = files[Math.floor(rnd() * files.length)];
      const bytes = Buffer.concat([Buffer.from(file.text), Buffer.from('# Ren'), Buffer.from([0xe9]), Buffer.from('e\n')]);
      const name = `f${i}.yaml`;
      writeFileSync(path.join(tmp, name), bytes);
      const [read] = (await readRepoFiles(tmp)).filter(f => f.path === name);
      assert.match(read.error?.message ?? '', /is not UTF-8/);
      const found = locateDetailed([read]);
      assert.equal(found.spots.length, 0, `${file.path} made Latin-1 still offers values`);
      assert.ok(readFileSync(path.join(tmp, name)).equals(bytes));
    }
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});
