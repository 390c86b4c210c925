// `npm run release:check`: everything the release workflow (.github/workflows/release.yml) does
// before it publishes, run locally:
//   1. dist/ must equal a fresh build (scripts/build.ts --check);
//   2. the tests pass (npm test; `--skip-tests` when the caller has just run them);
//   3. `npm pack` writes the tarball to release/;
//   4. `npm sbom` writes a CycloneDX SBOM of the package to release/, cut to the packages whose
//      code is inside the bundle (the package itself has no dependency tree: the CLI is bundled),
//      and the SBOM validates against the CycloneDX JSON schema.
// Options: --out DIR (default release/), --tag vX.Y.Z (fail unless it names package.json's version).

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundleOptions } from './build.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { out: { type: 'string', default: 'release' }, tag: { type: 'string' }, 'skip-tests': { type: 'boolean', default: false } } });
const outDir = path.resolve(root, args.out!);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };

function step(title: string): void {
  process.stderr.write(`\n› ${title}\n`);
}

function run(command: string, argv: string[], opts: { capture?: boolean } = {}): string {
  const r = spawnSync(command, argv, { cwd: root, encoding: 'utf8', stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', maxBuffer: 256 * 2 ** 20 });
  if (r.status !== 0) {
    process.stderr.write(`release:check failed at: ${command} ${argv.join(' ')} (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
  return r.stdout ?? '';
}

if (args.tag && args.tag !== `v${pkg.version}`) {
  process.stderr.write(`release:check: tag ${args.tag} does not name package.json's version ${pkg.version}: bump the version (and CHANGELOG.md) first\n`);
  process.exit(1);
}

step('dist/ against a fresh build');
run(process.execPath, [path.join(root, 'scripts/build.ts'), '--check']);

if (!args['skip-tests']) {
  step('tests (npm test)');
  run('npm', ['test']);
}

mkdirSync(outDir, { recursive: true });
step(`npm pack into ${path.relative(root, outDir) || '.'}`);
const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], { capture: true })) as Array<{ filename: string; files: Array<{ path: string }>; integrity: string }>;
const tarball = path.join(outDir, packed[0]!.filename);
process.stderr.write(`wrote ${path.relative(root, tarball)} (${packed[0]!.files.length} files, ${packed[0]!.integrity})\n`);

step('CycloneDX SBOM of the package');
const sbom = await packageSbom(JSON.parse(run('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application'], { capture: true })));
const sbomFile = path.join(outDir, `${pkg.name}-${pkg.version}.cdx.json`);
writeFileSync(sbomFile, `${JSON.stringify(sbom, null, 2)}\n`);
const problems = await validateCycloneDx(sbom);
if (problems.length > 0) {
  process.stderr.write(`${path.relative(root, sbomFile)} does not validate against the CycloneDX ${sbom.specVersion} schema:\n${problems.join('\n')}\n`);
  process.exit(1);
}
process.stderr.write(`wrote ${path.relative(root, sbomFile)}: CycloneDX ${sbom.specVersion}, ${sbom.components.length} bundled components, valid\n`);
process.stderr.write(`\nrelease:check passed: ${path.relative(root, tarball)} and ${path.relative(root, sbomFile)} are ready (the workflow publishes them with provenance)\n`);

interface Bom {
  specVersion: string;
  metadata: { component: { name: string; 'bom-ref': string } };
  components: Array<{ 'bom-ref': string; name: string; version: string; properties?: Array<{ name: string; value: string }> }>;
  dependencies?: Array<{ ref: string; dependsOn?: string[] }>;
}

/**
 * npm sbom lists the whole install tree (test tools included). The package ships one bundle, so
 * its SBOM is the packages esbuild actually put in dist/cli.mjs: read from esbuild's metafile.
 */
async function packageSbom(bom: Bom): Promise<Bom> {
  const result = await build({ ...bundleOptions('src/cli/bin.ts', 'cli.mjs'), write: false, metafile: true, outfile: path.join(root, 'dist/cli.mjs') });
  const bundled = new Set<string>();
  for (const input of Object.keys(result.metafile!.inputs)) {
    const m = /^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//.exec(input);
    if (!m) continue;
    const manifest = path.join(root, m[1]!, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string };
    bundled.add(`${name}@${version}`);
  }
  const components = bom.components
    .filter(c => bundled.has(`${c.name}@${c.version}`))
    .map(c => ({ ...c, properties: (c.properties ?? []).filter(p => p.name !== 'cdx:npm:package:development') }));
  const kept = new Set([bom.metadata.component['bom-ref'], ...components.map(c => c['bom-ref'])]);
  const dependencies = (bom.dependencies ?? []).filter(d => kept.has(d.ref)).map(d => ({ ...d, dependsOn: (d.dependsOn ?? []).filter(r => kept.has(r)) }));
  // npm names the root component after the checkout's folder; the package's name is the truth.
  return { ...bom, metadata: { ...bom.metadata, component: { ...bom.metadata.component, name: pkg.name } }, components, dependencies };
}

/** Validates with ajv against the schemas @cyclonedx/cyclonedx-library ships (with its SPDX and JSF parts). */
async function validateCycloneDx(bom: Bom): Promise<string[]> {
  // ajv and ajv-formats are CommonJS: their `default` export is the constructor / plugin.
  const require = createRequire(import.meta.url);
  const Ajv = (require('ajv') as { default: new (o: object) => AjvLike }).default;
  const addFormats = (require('ajv-formats') as { default: (ajv: AjvLike) => void }).default;
  const schemaDir = path.join(root, 'node_modules/@cyclonedx/cyclonedx-library/res/schema');
  const load = (f: string) => JSON.parse(readFileSync(path.join(schemaDir, f), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // Formats ajv-formats lacks, checked loosely: an IRI is a URI that may hold non-ASCII.
  ajv.addFormat('iri-reference', /^\S*$/u);
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  // The bom schema refers to its parts by relative name, resolved against its own $id.
  for (const part of ['spdx', 'jsf-0.82', 'cryptography-defs']) {
    const file = `${part}.SNAPSHOT.schema.json`;
    if (!existsSync(path.join(schemaDir, file))) continue;
    const { $id: _, ...schema } = load(file);
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${file}`);
  }
  const validate = ajv.compile(load(`bom-${bom.specVersion}.SNAPSHOT.schema.json`));
  if (validate(bom)) return [];
  return (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `  ${e.instancePath || '/'}: ${e.message}`);
}

interface AjvLike {
  addFormat(name: string, format: RegExp): void;
  addSchema(schema: object, key: string): void;
  compile(schema: object): ((data: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
}
