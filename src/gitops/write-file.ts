// Writing an edited file back (`rightsizer edit --write`), safely against the two ways a write
// can lose or misplace data: another writer at the same time, and a symbolic link that points
// outside the repository. The edit is a compare-and-swap: under an exclusive lock file, the file
// must still hold the bytes the edit was made from, and the new text replaces it by rename.

import { existsSync } from 'node:fs';
import { lstat, open, readFile, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT, UserError } from '../core/errors.ts';

/** The top of the git repository holding `file` (the folder with `.git`), or undefined. */
export function repositoryRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The real path to write for `file`: itself, or the target of a symbolic link that stays inside
 * `root`. A link leading outside `root` is refused: following it would write elsewhere.
 */
export async function writablePath(file: string, root: string): Promise<string> {
  const info = await lstat(file);
  // A dangling link still points somewhere: that is where a write would create the file.
  const real = await realpath(file).catch(async () => (info.isSymbolicLink() ? path.resolve(path.dirname(path.resolve(file)), await readlink(file)) : path.resolve(file)));
  const realRoot = await realpath(root);
  const inside = real === realRoot || real.startsWith(realRoot + path.sep);
  if (!inside) {
    throw new UserError(`${file}${info.isSymbolicLink() ? ` is a symbolic link to ${real}, which` : ''} is outside the repository ${realRoot}; rightsizer does not write there`, { exitCode: EXIT.usage });
  }
  return real;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

async function takeLock(lockFile: string, file: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a process that died is taken over once.
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (attempt === 0 && Number.isInteger(holder) && holder > 0 && !alive(holder)) { await rm(lockFile, { force: true }); continue; }
      throw new UserError(`${file} is being written by another rightsizer (process ${holder || 'unknown'}); nothing was written`, { hint: `run again when it has finished (or remove ${lockFile} if no rightsizer is running)` });
    }
  }
}

/**
 * Replaces `file` with `text` only if it still holds `expected` (the bytes the edit was made
 * from). The loser of a race gets a UserError and writes nothing, so no edit is lost.
 */
export async function writeIfUnchanged(file: string, expected: Uint8Array, text: string, root: string): Promise<void> {
  const real = await writablePath(file, root);
  const lockFile = `${real}.rightsizer-lock`;
  await takeLock(lockFile, file);
  try {
    const now = await readFile(real);
    if (!now.equals(expected)) {
      throw new UserError(`${file} changed while rightsizer was editing it (another edit wrote it first); nothing was written`, { hint: 'run the edit again on the new content' });
    }
    const temp = `${real}.rightsizer-${process.pid}.tmp`;
    await writeFile(temp, text, { mode: (await stat(real)).mode & 0o7777 });
    await rename(temp, real);
  } finally {
    await rm(lockFile, { force: true });
  }
}
