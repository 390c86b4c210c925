// Finds ../shared (read-only test data beside the checkout, or $RIGHTSIZER_SHARED).
// Where it is absent, as on a user's machine, a test skips with one line saying what was
// skipped; under CI=true its absence is a failure.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function sharedDir(): string | undefined {
  const candidates = [process.env.RIGHTSIZER_SHARED, path.resolve(repoRoot, '../shared')].filter(Boolean) as string[];
  return candidates.find(dir => existsSync(path.join(dir, 'DESIGN.md')));
}

/**
 * The path of `rel` inside shared/, or undefined after calling t.skip() with a reason.
 * Under CI=true a missing shared/ throws instead.
 */
export function sharedPath(t: { skip(message?: string): void }, rel: string, what: string): string | undefined {
  const dir = sharedDir();
  if (!dir) {
    const message = `skipped ${what}: ../shared not found (set RIGHTSIZER_SHARED)`;
    if (process.env.CI === 'true') throw new Error(message.replace('skipped', 'cannot run'));
    t.skip(message);
    return undefined;
  }
  return path.join(dir, rel);
}

export { repoRoot };
