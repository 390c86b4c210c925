// The check behind the coupling tests: where a GPU count and a setting bound to it disagree.
// Shared by test/gitops/coupling-ai.test.ts and the demo test (test/cli/demo.test.ts).
import { bindingsOf, locateBindings, type Binding } from '../../src/gitops/coupling.ts';
import type { RepoFile } from '../../src/gitops/index.ts';
import { locateDetailed } from '../../src/gitops/locate.ts';

/** Where a file's GPU counts and their bound settings disagree (one line each). */
export function disagreements(files: RepoFile[]): string[] {
  const { spots } = locateDetailed(files);
  const gpu = spots.filter(s => s.field.startsWith('gpu.') && /^\d+$/.test(s.value) && s.value !== '0');
  const out: string[] = [];
  for (const [spot, bound] of bindingsOf(gpu, locateBindings(files))) {
    const problem = disagreement(Number(spot.value), bound);
    if (problem) out.push(`${spot.file}:${spot.line} ${spot.field}=${spot.value}: ${problem}`);
  }
  return out;
}

function disagreement(gpus: number, bound: Binding[]): string | undefined {
  if (bound.some(b => !/^\d+$/.test(b.value) || b.kind === 'group-size' || b.kind === 'data-parallel')) return undefined; // not decidable from the file alone
  for (const b of bound.filter(x => x.kind === 'per-pod')) if (Number(b.value) !== gpus) return `${b.setting} ${b.value}`;
  const tp = bound.filter(b => b.kind === 'tensor-parallel'), pp = bound.filter(b => b.kind === 'pipeline-parallel');
  if (tp.length + pp.length === 0) return undefined;
  const product = Math.max(1, ...tp.map(b => Number(b.value))) * Math.max(1, ...pp.map(b => Number(b.value)));
  return product === gpus ? undefined : `${[...tp, ...pp].map(b => `${b.setting} ${b.value}`).join(' × ')} = ${product}`;
}

