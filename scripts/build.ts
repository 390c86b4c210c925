// Bundles the GitHub Action (dist/index.js) and the CLI (dist/cli.mjs) with esbuild.
// `--check` rebuilds into a temp dir and fails when the committed bundles differ.

import { build, type BuildOptions } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const outDir = check ? mkdtempSync(path.join(os.tmpdir(), 'rightsizer-dist-')) : path.join(root, 'dist');

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

const bundles = [
  { entry: 'src/action/index.ts', out: 'index.js' },
  { entry: 'src/cli/bin.ts', out: 'cli.mjs' },
];

for (const b of bundles) {
  await build({ ...common, entryPoints: [path.join(root, b.entry)], outfile: path.join(outDir, b.out) });
}

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
  console.log(`built ${bundles.map(b => `dist/${b.out}`).join(', ')}`);
}
