// `rightsizer edit`: change values at a location found by `rightsizer locate`, splicing only the
// value text (units, quotes, comments and line endings kept). Prints the new file, or writes it.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import type { RepoFile } from '../../gitops/repo-files.ts';
import { cpuCores, memoryBytes } from '../../core/quantity.ts';
import { FIELD_NAMES, type FieldName } from '../../core/types.ts';
import type { Spot } from '../../gitops/model.ts';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function parseSet(text: string): { field: FieldName; value: string } {
  const eq = text.indexOf('=');
  const field = (eq === -1 ? text : text.slice(0, eq)).trim() as FieldName;
  if (!FIELD_NAMES.includes(field)) throw new UserError(`--set ${text}: the field must be one of ${FIELD_NAMES.join(', ')}`, { exitCode: EXIT.usage });
  const value = eq === -1 ? '' : text.slice(eq + 1).trim();
  if (value === '') throw new UserError(`--set ${text}: give a value, e.g. --set ${field}=${field.startsWith('memory') ? '512Mi' : field.startsWith('cpu') ? '250m' : '3'}`, { exitCode: EXIT.usage });
  return { field, value };
}

/** The resources block a spot sits in (its id without `.requests.cpu`), or undefined for replicas/HPA. */
function blockOf(spot: Spot): string | undefined {
  const m = /\.(requests|limits)(\.[A-Za-z0-9_-]+|\["[^"]*"\])$/.exec(spot.id);
  return m ? spot.id.slice(0, m.index) : undefined;
}

function amount(field: FieldName, value: string): number | undefined {
  const v = field.startsWith('cpu.') ? cpuCores(value) : field.startsWith('memory.') ? memoryBytes(value) : Number(value);
  return v === undefined || !Number.isFinite(v) ? undefined : v;
}

/**
 * What would make the edited spec invalid, naming both values: a limit below its request, GPU
 * request and limit that differ, minReplicas above maxReplicas, values that are not quantities.
 * Only problems that involve a field being set are reported.
 */
export async function specProblems(file: RepoFile, locationId: string, changed: FieldName[]): Promise<string[]> {
  const { locateDetailed } = await import('../../gitops/locate.ts');
  const { spots } = locateDetailed([file]);
  const anchor = spots.find(s => s.id === locationId) ?? spots.find(s => s.id.endsWith(locationId.startsWith('#') ? locationId : `:${locationId}`)) ?? spots.find(s => s.id.endsWith(locationId));
  if (!anchor) return [];
  const block = blockOf(anchor);
  const sameWorkload = (s: Spot) => s.ctx.docIndex === anchor.ctx.docIndex && s.ctx.source.idPrefix === anchor.ctx.source.idPrefix
    && JSON.stringify(s.workload ?? null) === JSON.stringify(anchor.workload ?? null);
  const group = spots.filter(s => s.field === 'replicas' || s.field.startsWith('hpa.') ? sameWorkload(s) : block !== undefined && blockOf(s) === block);
  const value = (field: FieldName) => group.find(s => s.field === field);
  const problems: string[] = [];
  const where = (s: Spot) => `${s.file}:${s.line}`;
  for (const field of changed) {
    const spot = value(field);
    if (spot && !/\{\{|\$\{/.test(spot.value) && (amount(field, spot.value) === undefined || amount(field, spot.value)! < 0)) problems.push(`${field} ${spot.value} (${where(spot)}) is not a valid ${field.startsWith('cpu.') ? 'CPU quantity' : field.startsWith('memory.') ? 'memory quantity' : 'number'}`);
  }
  for (const res of ['cpu', 'memory', 'gpu'] as const) {
    const req = value(`${res}.request`), lim = value(`${res}.limit`);
    if (!req || !lim || !(changed.includes(`${res}.request`) || changed.includes(`${res}.limit`))) continue;
    const r = amount(`${res}.request`, req.value), l = amount(`${res}.limit`, lim.value);
    if (r === undefined || l === undefined) continue;
    const container = anchor.container ? ` (container ${anchor.container})` : '';
    if (l < r) problems.push(`${res}.limit ${lim.value} (${where(lim)}) would be below ${res}.request ${req.value} (${where(req)})${container}; Kubernetes rejects a limit below the request`);
    else if (res === 'gpu' && l !== r) problems.push(`gpu.request ${req.value} (${where(req)}) and gpu.limit ${lim.value} (${where(lim)}) would differ${container}; Kubernetes needs them equal for GPUs`);
  }
  const min = value('hpa.minReplicas'), max = value('hpa.maxReplicas');
  if (min && max && (changed.includes('hpa.minReplicas') || changed.includes('hpa.maxReplicas'))) {
    const lo = Number(min.value), hi = Number(max.value);
    if (Number.isFinite(lo) && Number.isFinite(hi) && lo > hi) problems.push(`hpa.minReplicas ${min.value} (${where(min)}) would be above hpa.maxReplicas ${max.value} (${where(max)})`);
  }
  for (const field of ['hpa.minReplicas', 'hpa.maxReplicas'] as const) {
    const spot = value(field);
    if (spot && changed.includes(field) && Number(spot.value) < 1) problems.push(`${field} ${spot.value} (${where(spot)}) must be at least 1`);
  }
  return problems;
}

export function register(program: Command): void {
  program.command('edit')
    .description('set resource, replica or HPA values at a location (from `rightsizer locate`) with a minimal diff')
    .argument('<file>', 'the YAML file')
    .requiredOption('--location <id>', 'location id from `rightsizer locate` (the part after the file name is enough)')
    .option('--set <field=value>', 'field and new value; repeatable (cpu.request=250m, memory.limit=512Mi, replicas=3…)', collect, [])
    .option('--unset <field>', 'remove a field (e.g. cpu.limit); repeatable', collect, [])
    .option('--write', 'write the file instead of printing it')
    .option('--force', 'write values even when they make the spec invalid (a limit below the request, minReplicas above maxReplicas)')
    .option('-o, --output <format>', 'text (the new file) or json ({file, changed, text})', 'text')
    .addHelpText('after', `
Examples:
  $ rightsizer locate apps/checkout/values.yaml
  $ rightsizer edit apps/checkout/values.yaml --location 'apps/checkout/values.yaml#0:resources.requests.cpu' \\
      --set cpu.request=250m --set memory.limit=512Mi --set replicas=3
  $ rightsizer edit manifests/search/search.yaml --location '#0:spec.template.spec.containers[name=search].resources.requests.cpu' \\
      --set cpu.request=600m --unset cpu.limit --write
  $ rightsizer edit values.yaml --location '#0:autoscaling.maxReplicas' --set hpa.maxReplicas=4 --force   # even if minReplicas is higher`)
    .action(async (file: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { location: string; set: string[]; unset: string[]; write?: boolean; force?: boolean; output?: string; quiet?: boolean };
      if (opts.output !== 'text' && opts.output !== 'json') throw new UserError(`--output must be text or json, not "${opts.output}"`, { exitCode: EXIT.usage });
      const sets: Array<{ field: FieldName; value: string | undefined }> = opts.set.map(parseSet);
      for (const u of opts.unset) {
        if (!FIELD_NAMES.includes(u as FieldName)) throw new UserError(`--unset ${u}: the field must be one of ${FIELD_NAMES.join(', ')}`, { exitCode: EXIT.usage });
        sets.push({ field: u as FieldName, value: undefined });
      }
      if (sets.length === 0) throw new UserError('nothing to change: pass --set field=value or --unset field', { exitCode: EXIT.usage });
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch {
        throw new UserError(`${file}: cannot read the file`, { exitCode: EXIT.usage });
      }
      const rel = path.relative(process.cwd(), file).split(path.sep).join('/');
      const { notUtf8 } = await import('../../gitops/repo-files.ts');
      const encoding = notUtf8(rel, bytes);
      if (encoding) throw encoding;
      const text = bytes.toString('utf8');
      const { editAt } = await import('../../gitops/edit.ts');
      const { repositoryRoot, writeIfUnchanged } = await import('../../gitops/write-file.ts');
      const result = editAt({ path: rel, text }, opts.location, sets);
      const problems = await specProblems({ path: rel, text: result.text }, opts.location, sets.filter(s => s.value !== undefined).map(s => s.field));
      if (problems.length > 0 && !opts.force) {
        throw new UserError(`${rel}: refusing to write an invalid spec: ${problems.join('; ')}`, { exitCode: EXIT.usage, hint: 'set both values together (e.g. --set memory.request=… --set memory.limit=…), or pass --force to write it anyway' });
      }
      for (const p of problems) process.stderr.write(`warning: ${p} (written because of --force)\n`);
      if (opts.write) {
        const root = repositoryRoot(path.dirname(path.resolve(file))) ?? path.dirname(path.resolve(file));
        if (result.text !== text) await writeIfUnchanged(file, bytes, result.text, root);
        if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ file: rel, changed: result.changed, written: true })}\n`);
        else if (!opts.quiet) process.stdout.write(`${rel}: ${result.changed.join(', ')}\n`);
      } else if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify({ file: rel, changed: result.changed, text: result.text })}\n`);
      } else {
        process.stdout.write(result.text);
      }
    });
}
