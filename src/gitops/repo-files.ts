// Reads the YAML files of a GitOps checkout: the input of locate() and planEdits().

import { isUtf8 } from 'node:buffer';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../core/errors.ts';
// picomatch, not path.matchesGlob: that one prints an ExperimentalWarning on Node 22.
import { globMatches } from '../policy/match.ts';

export interface RepoFile {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  text: string;
  /** Why the file is never edited although it was read (its bytes are not UTF-8). */
  error?: InputError;
}

/**
 * Why bytes cannot be edited as text: the InputError at the first byte that is not UTF-8, or
 * undefined when they are UTF-8. Decoding such a file would turn `é` in Latin-1 into U+FFFD
 * and write that back, so rightsizer refuses it instead.
 */
export function notUtf8(file: string, bytes: Uint8Array): InputError | undefined {
  if (isUtf8(bytes)) return undefined;
  let lineStart = 0, line = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    const lineBytes = bytes.subarray(lineStart, i);
    if (!isUtf8(lineBytes)) {
      const decoded = new TextDecoder('utf-8').decode(lineBytes);
      const column = [...decoded.slice(0, decoded.indexOf('\ufffd'))].length + 1;
      const bad = lineBytes[Buffer.from(decoded.slice(0, decoded.indexOf('\ufffd'))).length];
      return new InputError(file, `the file is not UTF-8 (byte 0x${(bad ?? 0).toString(16).padStart(2, '0')}); rightsizer edits only UTF-8 files, so it leaves this one unchanged`, { line, column },
        'convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`) to let rightsizer edit it');
    }
    line++;
    lineStart = i + 1;
  }
  return new InputError(file, 'the file is not UTF-8; rightsizer edits only UTF-8 files, so it leaves this one unchanged');
}

/** A file read as bytes: its text, or (for bytes that are not UTF-8) the reason it is left alone. */
export function decodeRepoFile(file: string, bytes: Uint8Array): RepoFile {
  const error = notUtf8(file, bytes);
  return error ? { path: file, text: Buffer.from(bytes).toString('latin1'), error } : { path: file, text: Buffer.from(bytes).toString('utf8') };
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** Whether a path (relative to the root) passes the include/exclude globs (a folder glob covers what is below it). */
export function repoPathFilter(options: { include?: string[]; exclude?: string[] }): (rel: string) => boolean {
  const matcher = (globs: string[] | undefined) =>
    globs?.length ? (rel: string) => globs.some(g => globMatches(g, rel) || globMatches(`${g.replace(/\/+$/, '')}/**`, rel)) : undefined;
  const include = matcher(options.include);
  const exclude = matcher(options.exclude);
  return rel => (!include || include(rel)) && !(exclude && exclude(rel));
}

/** Every .yaml/.yml file under root (sorted by path), filtered by include/exclude globs. */
export async function readRepoFiles(root: string, options: { include?: string[]; exclude?: string[] } = {}): Promise<RepoFile[]> {
  const selects = repoPathFilter(options);
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
  const selected = found.filter(selects).sort();
  return Promise.all(selected.map(async rel => decodeRepoFile(rel, await readFile(path.join(root, rel)))));
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
