// `rightsizer edit`: change values at a location found by `rightsizer locate`, splicing only the
// value text (units, quotes, comments and line endings kept). Prints the new file, or writes it.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { FIELD_NAMES, type FieldName } from '../../core/types.ts';
import { editAt } from '../../gitops/edit.ts';
import { notUtf8 } from '../../gitops/repo-files.ts';
import { repositoryRoot, writeIfUnchanged } from '../../gitops/write-file.ts';

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

export function register(program: Command): void {
  program.command('edit')
    .description('set resource, replica or HPA values at a location (from `rightsizer locate`) with a minimal diff')
    .argument('<file>', 'the YAML file')
    .requiredOption('--location <id>', 'location id from `rightsizer locate` (the part after the file name is enough)')
    .option('--set <field=value>', 'field and new value; repeatable (cpu.request=250m, memory.limit=512Mi, replicas=3…)', collect, [])
    .option('--unset <field>', 'remove a field (e.g. cpu.limit); repeatable', collect, [])
    .option('--write', 'write the file instead of printing it')
    .option('--output <format>', 'text (the new file) or json ({file, changed, text})', 'text')
    .addHelpText('after', `
Examples:
  $ rightsizer locate apps/checkout/values.yaml
  $ rightsizer edit apps/checkout/values.yaml --location 'apps/checkout/values.yaml#0:resources.requests.cpu' \\
      --set cpu.request=250m --set memory.limit=512Mi --set replicas=3
  $ rightsizer edit manifests/search/search.yaml --location '#0:spec.template.spec.containers[name=search].resources.requests.cpu' \\
      --set cpu.request=600m --unset cpu.limit --write`)
    .action(async (file: string, _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { location: string; set: string[]; unset: string[]; write?: boolean; output?: string; quiet?: boolean };
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
      const encoding = notUtf8(rel, bytes);
      if (encoding) throw encoding;
      const text = bytes.toString('utf8');
      const result = editAt({ path: rel, text }, opts.location, sets);
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
