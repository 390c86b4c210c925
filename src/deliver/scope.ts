// The scope guard, run before anything is pushed: the commit may change only the files of the
// plan's edits (checked by git on the real commit), and inside them only the resource, replica
// and HPA values at the locations accepted recommendations asked for (checked by the editors'
// checkEditScope on the parsed YAML). Anything else aborts the run.

import { checkEditScope, locate, locateBindings, readRepoFiles, type Location, type RepoFile } from '../gitops/index.ts';
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

  // Locate on the base text of the changed files, within the rest of the checkout.
  const others = await readRepoFiles(input.repoDir);
  const files: RepoFile[] = others.filter(f => !(f.path in input.before));
  for (const [p, text] of Object.entries(input.before)) files.push({ path: p, text });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const { locations } = locate(files);
  // Settings bound to a GPU count (tensor parallelism…) change with it: their ids end in `@<setting>`.
  const bound = new Set(locateBindings(files.filter(f => changed.includes(f.path))).map(b => b.id));

  for (const p of changed) {
    const edit = editByPath.get(p);
    if (!edit || !(p in input.before)) continue;
    const located = new Map(locations.filter(l => l.file === p).map(l => [l.id, l] as const));
    const allowed: Location[] = [];
    for (const id of edit.locations) {
      const loc = located.get(id);
      if (loc) allowed.push(loc);
      else if (bound.has(id)) allowed.push({ id: id.replace(/@[^@]*$/, ''), file: p, line: 0, column: 0, format: 'bound', field: 'gpu.request', value: '', editable: true });
      // A key the editor inserts (a missing request or limit) is not in the file before the edit.
      else if (INSERTABLE.test(id) && id.startsWith(`${p}#`)) allowed.push({ id, file: p, line: 0, column: 0, format: 'inserted', field: 'cpu.request', value: '', editable: true });
      else problems.push(`${p}: location ${id} asked for by the plan is not a resource, replica or HPA value in this file`);
    }
    for (const problem of checkEditScope({ path: p, text: input.before[p] }, input.after[p], allowed)) problems.push(`${p}: ${problem}`);
  }
  return problems;
}
