// `rightsizer locate`: list every place in GitOps files that sets container resources,
// replicas or HPA bounds/targets, with the workload, container and a stable location id.
// A folder scan skips Helm chart templates and lists files it cannot parse as skipped (exit 0;
// `--strict` makes them errors); a file named on the command line must parse.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError, type InputError } from '../../core/errors.ts';
import { workloadIdText } from '../../core/workload-id.ts';
import type { Binding } from '../../gitops/coupling.ts';
import type { Location } from '../../gitops/model.ts';
import { decodeRepoFile, readRepoFiles, type RepoFile } from '../../gitops/repo-files.ts';
import { formatJson } from '../output.ts';

/** Files of the arguments, with paths relative to the current folder (forward slashes), and which were named one by one. */
export async function filesOf(args: string[]): Promise<{ files: RepoFile[]; named: Set<string> }> {
  const out = new Map<string, RepoFile>();
  const named = new Set<string>();
  for (const arg of args) {
    let info;
    try {
      info = await stat(arg);
    } catch {
      throw new UserError(`${arg}: no such file or folder`, { exitCode: EXIT.usage });
    }
    const rel = (p: string) => path.relative(process.cwd(), p).split(path.sep).join('/') || '.';
    if (info.isDirectory()) {
      for (const f of await readRepoFiles(arg)) {
        const p = rel(path.join(arg, f.path));
        out.set(p, { path: p, text: f.text });
      }
    } else {
      const p = rel(arg);
      named.add(p);
      out.set(p, decodeRepoFile(p, await readFile(arg)));
    }
  }
  return { files: [...out.values()], named };
}

/** The part of a location id after its file name: what `edit --location` needs. */
export function shortId(l: Location): string {
  return l.id.startsWith(l.file) ? l.id.slice(l.file.length) : l.id;
}

export function workloadText(l: Location): string {
  return l.workload ? workloadIdText(l.workload) : '-';
}

export function formatTable(locations: Location[]): string {
  const rows = locations.map(l => [`${l.file}:${l.line}`, shortId(l), l.format, workloadText(l), l.container ?? '-', l.resource && l.resource !== 'nvidia.com/gpu' ? `${l.field} ${l.resource}` : l.field, l.editable ? l.value : `${l.value} (locked: ${l.reason})`]);
  const head = ['WHERE', 'ID', 'FORMAT', 'WORKLOAD', 'CONTAINER', 'FIELD', 'VALUE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => i === head.length - 1 ? 0 : r[i].length)));
  const line = (r: string[]) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i])).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n${locations.length} location${locations.length === 1 ? '' : 's'}\n`;
}

export interface Skipped { file: string; line?: number; column?: number; reason: string }

function skippedOf(err: InputError): Skipped {
  const prefix = [err.file, err.line, err.column].filter(p => p !== undefined).join(':');
  return { file: err.file, ...(err.line !== undefined ? { line: err.line } : {}), ...(err.column !== undefined ? { column: err.column } : {}), reason: err.message.startsWith(`${prefix}: `) ? err.message.slice(prefix.length + 2) : err.message };
}

/** Settings bound to a GPU count (they change with it; see docs/ENGINE.md). */
export function formatBindings(bindings: Binding[]): string {
  if (bindings.length === 0) return '';
  return `\nBound to a GPU count (changed with it):\n${bindings.map(b => `  ${b.file}:${b.line}  ${b.setting} = ${b.value}${b.editable ? '' : ` (locked: ${b.reason})`}`).join('\n')}\n`;
}

export function register(program: Command): void {
  program.command('locate')
    .description('list where GitOps files set CPU/memory/GPU requests and limits, replicas and HPA bounds')
    .argument('<paths...>', 'YAML files or folders (folders are read recursively; Helm chart templates are skipped)')
    .option('-o, --output <format>', 'table or json ({locations, skipped})', 'table')
    .option('--strict', 'a file in a folder that does not parse is an error (exit 2), not skipped')
    .addHelpText('after', `
A file named on the command line that does not parse is always an error (exit 2).

Examples:
  $ rightsizer locate .                          # every location in the repository, as a table
  $ rightsizer locate apps/ argocd/ --output json
  $ rightsizer locate manifests/search/search.yaml --output json | jq -r '.locations[].id'
  $ rightsizer locate . --strict                 # in CI: fail on YAML that does not parse`)
    .action(async (paths: string[], _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { output?: string; strict?: boolean; quiet?: boolean };
      const output = opts.output ?? 'table';
      if (output !== 'table' && output !== 'json') throw new UserError(`--output must be table or json, not "${output}"`, { exitCode: EXIT.usage });
      const { files, named } = await filesOf(paths);
      const { locate, locateBindings } = await import('../../gitops/index.ts');
      const { locations, errors } = locate(files);
      const fatal = errors.filter(e => opts.strict || named.has(e.file));
      const skipped = errors.filter(e => !fatal.includes(e)).map(skippedOf);
      process.stdout.write(output === 'json'
        ? formatJson({
          locations: locations.map(l => ({ id: l.id, file: l.file, line: l.line, format: l.format, workload: l.workload ?? null, workloadId: l.workload ? workloadIdText(l.workload) : null, container: l.container ?? null, field: l.field, ...(l.resource ? { resource: l.resource } : {}), value: l.value, editable: l.editable, ...(l.reason ? { reason: l.reason } : {}) })),
          skipped,
        })
        : formatTable(locations) + formatBindings(locateBindings(files)));
      if (output === 'table' && !opts.quiet) {
        for (const s of skipped) process.stderr.write(`skipped ${[s.file, s.line, s.column].filter(p => p !== undefined).join(':')}: ${s.reason}\n`);
      }
      for (const err of fatal) process.stderr.write(`error: ${err.message}\n`);
      if (fatal.length > 0) {
        process.stderr.write(`hint: ${named.size > 0 && !opts.strict ? 'a file named on the command line must be valid YAML' : 'without --strict, files in a folder that do not parse are skipped'}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}
