// Benchmark: locate on the whole GitOps corpus (../shared/corpus/gitops), in process (first
// call and warm median) and through the CLI (`rightsizer locate <corpus> --output json`, wall
// time including Node start-up). Prints measured figures only.
//
//   npm run bench:locate [-- corpus-dir]

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { locate, readRepoFiles } from '../src/gitops/index.ts';
import { repoRoot, sharedDir } from '../test/helpers/shared.ts';

const dir = process.argv[2] ?? (sharedDir() ? path.join(sharedDir()!, 'corpus/gitops') : undefined);
if (!dir) {
  process.stderr.write('no corpus: pass its folder or set RIGHTSIZER_SHARED\n');
  process.exit(2);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const files = await readRepoFiles(dir);
const lines = files.reduce((n, f) => n + f.text.split('\n').length, 0);
let t = performance.now();
const first = locate(files);
const cold = performance.now() - t;
const warm: number[] = [];
for (let i = 0; i < 5; i++) {
  t = performance.now();
  locate(files);
  warm.push(performance.now() - t);
}
const cliRuns: number[] = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), 'locate', dir, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  cliRuns.push(performance.now() - t);
  if (r.status !== 0) throw new Error(r.stderr);
}
t = performance.now();
spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/bin.ts'), '--version'], { encoding: 'utf8' });
const startup = performance.now() - t;

process.stdout.write([
  `corpus: ${files.length} files, ${lines} lines, ${first.locations.length} locations, ${first.errors.length} parse errors`,
  `locate in process: first call ${cold.toFixed(0)} ms, warm median ${median(warm).toFixed(0)} ms (5 runs)`,
  `rightsizer locate <corpus> --output json: median ${median(cliRuns).toFixed(0)} ms wall (3 runs; \`rightsizer --version\` alone: ${startup.toFixed(0)} ms)`,
  `machine: ${process.platform} ${process.arch}, node ${process.version}, load average ${(await import('node:os')).loadavg().map(x => x.toFixed(2)).join(' ')}`,
].join('\n') + '\n');
