// Bundles the GitHub Action (dist/index.js) and the CLI (dist/cli.mjs) with esbuild, after
// regenerating the schema validators they include (scripts/build-validators.ts).
// `--check` rebuilds into a temp dir and fails when the committed bundles or validators differ.
// Both bundles must be self-contained (they import nothing but Node's built-ins): the npm package
// ships dist/cli.mjs with no dependency tree, and the Action runs dist/index.js as it is.

import { build, type BuildOptions, type Metafile } from 'esbuild';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleValidators, validatorModules, writeValidators } from './build-validators.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Some dependencies are CommonJS and use require(), __filename and __dirname at run time; give
// the ESM bundle all three. (esbuild keeps the entry's own #! line above the banner.)
const banner = [
  "import { createRequire as __rightsizerCreateRequire } from 'node:module';",
  "import { fileURLToPath as __rightsizerFileURLToPath } from 'node:url';",
  "import { dirname as __rightsizerDirname } from 'node:path';",
  'const require = __rightsizerCreateRequire(import.meta.url);',
  'const __filename = __rightsizerFileURLToPath(import.meta.url);',
  'const __dirname = __rightsizerDirname(__filename);',
].join(' ');

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  banner: { js: banner },
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

export const bundles = [
  { entry: 'src/action/index.ts', out: 'index.js' },
  { entry: 'src/cli/bin.ts', out: 'cli.mjs' },
];

export function bundleOptions(entry: string, outfile: string): BuildOptions {
  return { ...common, entryPoints: [path.join(root, entry)], outfile };
}

/** Optional packages a dependency requires inside try/catch and does without (debug's colours). */
const OPTIONAL_IMPORTS = new Set(['supports-color']);

/** Imports left outside a bundle that are not Node built-ins: each would fail where the bundle is installed alone. */
export function foreignImports(meta: Metafile): string[] {
  const builtins = new Set([...builtinModules.flatMap(m => [m, `node:${m}`]), ...OPTIONAL_IMPORTS]);
  return Object.values(meta.outputs).flatMap(o => o.imports)
    .filter(i => i.external && !builtins.has(i.path) && !i.path.startsWith('node:'))
    .map(i => i.path);
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  if (check) {
    const stale = staleValidators();
    if (stale.length > 0) {
      console.error(`${stale.join(', ')} differ from their schema. Run \`npm run build\` and commit them.`);
      process.exit(1);
    }
  } else writeValidators();
  const outDir = check ? mkdtempSync(path.join(os.tmpdir(), 'rightsizer-dist-')) : path.join(root, 'dist');
  for (const b of bundles) {
    const result = await build({ ...bundleOptions(b.entry, path.join(outDir, b.out)), metafile: true });
    const foreign = foreignImports(result.metafile!);
    if (foreign.length > 0) {
      console.error(`dist/${b.out} is not self-contained: it imports ${[...new Set(foreign)].join(', ')} at run time. Bundle them (or drop the import).`);
      process.exit(1);
    }
  }
  finish(check, outDir);
}

function finish(check: boolean, outDir: string): void {
  if (check) {
    const stale = bundles.filter(b => {
      const committed = path.join(root, 'dist', b.out);
      return !existsSync(committed) || readFileSync(committed, 'utf8') !== readFileSync(path.join(outDir, b.out), 'utf8');
    });
    rmSync(outDir, { recursive: true, force: true });
    if (stale.length > 0) {
      console.error(`dist/ is stale: ${stale.map(b => `dist/${b.out}`).join(', ')} differ from a fresh build. Run \`npm run build\` and commit dist/.`);
      process.exit(1);
    }
    console.log('dist/ matches a fresh build');
  } else {
    console.log(`built ${[...validatorModules.map(m => m.out), ...bundles.map(b => `dist/${b.out}`)].join(', ')}`);
  }
}
