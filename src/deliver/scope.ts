// The scope guard, run before anything is pushed: the commit may change only the files of the
// plan's edits (checked by git on the real commit), and inside them only the bytes of the value
// spans the plan's locations name (checked by rebuilding the file from the base text with the
// editor's own splices, the values taken from the commit); each new value must be a valid,
// sane Kubernetes value (src/core/bounds.ts). The parsed documents are compared as well. Anything
// else aborts the run: a crafted `pr --plan FILE` cannot restyle, re-quote, re-tag, add comments
// or markers, or write replicaCount 0 or memory 1e30.

import { valueProblem } from '../core/bounds.ts';
import type { FieldName } from '../core/types.ts';
import { applyTextChanges, insertChanges, removeChange, type TextChange } from '../gitops/edit.ts';
import { checkEditScope, locateBindings, readRepoFiles, type Binding, type RepoFile } from '../gitops/index.ts';
import { locateDetailed } from '../gitops/locate.ts';
import type { Block, Spot } from '../gitops/model.ts';
import { position } from '../gitops/yaml.ts';
import type { GitRepo } from './git.ts';
import type { PullRequestGroup } from './types.ts';

export interface ScopeInput {
  git: GitRepo;
  /** The base commit the change was built on, and the commit built. */
  base: string;
  commit: string;
  group: PullRequestGroup;
  /** Text at the base, and text in the commit, of each file the commit changes. */
  before: Record<string, string>;
  after: Record<string, string>;
  /** The checkout the plan was made from: the other files give the locator its context (Kustomize bases, Argo CD apps). */
  repoDir: string;
}

/** Ids of values an editor may add where the file has none: container requests and limits. */
const INSERTABLE = /resources\.(requests|limits)(\.(cpu|memory|[\w.-]*\/gpu)|\["[\w.-]+\/[\w.-]+"\])$/;

function byPath(files: RepoFile[], replace: Record<string, string>): RepoFile[] {
  const out = files.filter(f => !(f.path in replace));
  for (const [p, text] of Object.entries(replace)) out.push({ path: p, text });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function fieldOfInserted(id: string): FieldName {
  const m = INSERTABLE.exec(id)!;
  const resource = m[3] === 'cpu' || m[3] === 'memory' ? m[3] : 'gpu';
  return `${resource}.${m[1] === 'requests' ? 'request' : 'limit'}` as FieldName;
}

/**
 * Problems with the bytes of one file: the commit's text must be exactly the base text with the
 * planned value spans replaced (or a limit removed, or a missing request/limit inserted, the way
 * the editor does it), each new value valid and within bounds.
 */
export function checkBytes(file: string, before: string, after: string, ids: string[], beforeSpots: Map<string, Spot>, afterSpots: Map<string, Spot>, blocks: Block[],
  bound: { before: Map<string, Binding>; after: Map<string, Binding> } = { before: new Map(), after: new Map() }): string[] {
  const problems: string[] = [];
  const changes: TextChange[] = [];
  const inserts = new Map<Block, Array<{ field: FieldName; text: string; at: number }>>();
  for (const id of ids) {
    const boundWas = bound.before.get(id);
    if (boundWas) {
      // A parallelism setting bound to the GPU count: only its digits change, to a positive count.
      const boundNow = bound.after.get(id);
      if (!boundNow) { problems.push(`${file}:${boundWas.line}: ${boundWas.setting} is gone from the commit`); continue; }
      if (!/^[1-9]\d{0,3}$/.test(boundNow.value)) problems.push(`${file}:${boundNow.line}: ${boundNow.setting} = ${boundNow.value} is not a sane device count`);
      changes.push({ start: boundWas.start, end: boundWas.end, text: after.slice(boundNow.start, boundNow.end) });
      continue;
    }
    const was = beforeSpots.get(id), now = afterSpots.get(id);
    if (now && now.value !== was?.value) {
      const problem = valueProblem(now.field, now.value);
      if (problem) problems.push(`${file}:${now.line}: ${problem}`);
    }
    if (was && now) {
      if (was.quote !== now.quote) problems.push(`${file}:${now.line}: the quoting of ${now.field} changed (${was.quote} → ${now.quote})`);
      changes.push({ start: was.start, end: was.end, text: after.slice(now.start, now.end) });
    } else if (was) {
      if (!was.field.endsWith('.limit')) { problems.push(`${file}:${was.line}: ${was.field} was removed; rightsizer only ever removes limits`); continue; }
      try { changes.push(removeChange(was)); } catch (err) { problems.push((err as Error).message); }
    } else if (now && INSERTABLE.test(id)) {
      const block = blocks.filter(b => id.startsWith(`${b.id}.`)).sort((a, b) => b.id.length - a.id.length)[0];
      if (!block) { problems.push(`${file}: ${id} was added where no container resources block is`); continue; }
      const list = inserts.get(block) ?? [];
      list.push({ field: fieldOfInserted(id), text: after.slice(now.start, now.end), at: now.start });
      inserts.set(block, list);
    }
  }
  for (const [block, list] of inserts) {
    try {
      changes.push(...insertChanges(block, list.sort((a, b) => a.at - b.at)));
    } catch (err) { problems.push(`${file}: ${(err as Error).message}`); }
  }
  if (problems.length > 0) return problems;
  let expected: string;
  try {
    expected = applyTextChanges(before, changes);
  } catch (err) {
    return [`${file}: ${(err as Error).message}`];
  }
  if (expected !== after) {
    let i = 0;
    while (i < expected.length && i < after.length && expected[i] === after[i]) i++;
    const at = position(after, i);
    problems.push(`${file}:${at.line}:${at.column}: bytes changed outside the value spans the plan names (comments, markers, blank lines, style, quotes, tags or other keys)`);
  }
  return problems;
}

/** Problems, one line each; empty when the commit stays within the plan. */
export async function checkScope(input: ScopeInput): Promise<string[]> {
  const problems: string[] = [];
  const editByPath = new Map(input.group.edits.map(e => [e.path, e] as const));

  const changed = await input.git.changedPaths(input.base, input.commit);
  for (const p of changed) if (!editByPath.has(p)) problems.push(`${p} changed, but it is not a file of the plan's edits`);
  for (const p of Object.keys(input.after)) if (!changed.includes(p)) problems.push(`${p} was expected to change but the commit does not change it`);

  const accepted = new Set(input.group.recommendations
    .filter(r => r.status === 'ok' && r.policy?.verdict !== 'rejected' && !r.policy?.reportOnly)
    .map(r => r.id));
  for (const edit of input.group.edits) {
    const refused = edit.recommendations.filter(id => !accepted.has(id));
    if (refused.length > 0) problems.push(`${edit.path} carries recommendations that were not accepted: ${refused.join(', ')}`);
  }

  // Locate in the base text and in the commit's text of the changed files, within the rest of the checkout.
  const others = await readRepoFiles(input.repoDir);
  const beforeFiles = byPath(others, input.before);
  const was = locateDetailed(beforeFiles);
  const now = locateDetailed(byPath(others, input.after));
  const beforeSpots = new Map(was.spots.map(s => [s.id, s] as const));
  const afterSpots = new Map(now.spots.map(s => [s.id, s] as const));
  // Settings bound to a GPU count (tensor parallelism…) change with it: their ids end in `@<setting>`.
  const bindingsOf = (texts: Record<string, string>) => new Map(locateBindings(Object.entries(texts).filter(([p]) => changed.includes(p)).map(([path, text]) => ({ path, text }))).map(b => [b.id, b] as const));
  const boundBefore = bindingsOf(input.before);
  const boundAfter = bindingsOf(input.after);

  for (const p of changed) {
    const edit = editByPath.get(p);
    if (!edit || !(p in input.before)) continue;
    const allowed = [];
    const ids: string[] = [];
    for (const id of edit.locations) {
      const loc = beforeSpots.get(id);
      if (loc && loc.file === p) { allowed.push(loc); ids.push(id); }
      else if (boundBefore.get(id)?.file === p) { allowed.push({ id: id.replace(/@[^@]*$/, ''), file: p, line: 0, column: 0, format: 'bound', field: 'gpu.request' as const, value: '', editable: true }); ids.push(id); }
      // A key the editor inserts (a missing request or limit) is not in the file before the edit.
      else if (INSERTABLE.test(id) && id.startsWith(`${p}#`)) { allowed.push({ id, file: p, line: 0, column: 0, format: 'inserted', field: 'cpu.request' as const, value: '', editable: true }); ids.push(id); }
      else problems.push(`${p}: location ${id} asked for by the plan is not a resource, replica or HPA value in this file`);
    }
    for (const problem of checkEditScope({ path: p, text: input.before[p] }, input.after[p], allowed)) problems.push(`${p}: ${problem}`);
    for (const problem of checkBytes(p, input.before[p], input.after[p], ids, beforeSpots, afterSpots, was.blocks.filter(b => b.ctx.source.file === p), { before: boundBefore, after: boundAfter })) problems.push(problem);
  }
  return problems;
}
