// Reads the YAML files of a GitOps checkout: the input of locate() and planEdits().

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
// picomatch, not path.matchesGlob: that one prints an ExperimentalWarning on Node 22.
import { globMatches } from '../policy/match.ts';

export interface RepoFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** Every .yaml/.yml file under root (sorted by path), filtered by include/exclude globs. */
export async function readRepoFiles(root: string, options: { include?: string[]; exclude?: string[] } = {}): Promise<RepoFile[]> {
  const matcher = (globs: string[] | undefined) =>
    globs?.length ? (rel: string) => globs.some(g => globMatches(g, rel) || globMatches(`${g.replace(/\/+$/, '')}/**`, rel)) : undefined;
  const include = matcher(options.include);
  const exclude = matcher(options.exclude);
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(path.join(dir, entry.name));
      } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
        found.push(path.relative(root, path.join(dir, entry.name)).split(path.sep).join('/'));
      }
    }
  }
  await walk(root);
  const selected = found.filter(rel => (!include || include(rel)) && !(exclude && exclude(rel))).sort();
  return Promise.all(selected.map(async rel => ({ path: rel, text: await readFile(path.join(root, rel), 'utf8') })));
}

/** Folders that hold a Helm chart (a Chart.yaml): their `templates/` are Go templates, not YAML. */
export function helmChartDirs(files: RepoFile[]): Set<string> {
  return new Set(files.filter(f => /(^|\/)Chart\.ya?ml$/.test(f.path)).map(f => path.posix.dirname(f.path)));
}

/** A file under `<chart>/templates/` of a chart in the file set. */
export function isChartTemplate(file: string, chartDirs: Set<string>): boolean {
  for (let dir = path.posix.dirname(file); dir !== '.' && dir !== '/' && dir !== ''; dir = path.posix.dirname(dir)) {
    if (path.posix.basename(dir) === 'templates' && chartDirs.has(path.posix.dirname(dir))) return true;
  }
  return false;
}
