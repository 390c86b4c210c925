// `rightsizer locate`: list every place in GitOps files that sets container resources,
// replicas or HPA bounds/targets, with the workload, container and a stable location id.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { locate, locateBindings, readRepoFiles, type Binding, type Location, type RepoFile } from '../../gitops/index.ts';
import { formatJson } from '../output.ts';

/** Files of the arguments, with paths relative to the current folder (forward slashes). */
export async function filesOf(args: string[]): Promise<RepoFile[]> {
  const out = new Map<string, RepoFile>();
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
      out.set(p, { path: p, text: await readFile(arg, 'utf8') });
    }
  }
  return [...out.values()];
}

function workloadText(l: Location): string {
  const w = l.workload;
  if (!w) return '-';
  return [w.cluster, w.namespace, w.kind, w.name].filter(Boolean).join('/');
}

export function formatTable(locations: Location[]): string {
  const rows = locations.map(l => [`${l.file}:${l.line}`, l.format, workloadText(l), l.container ?? '-', l.resource && l.resource !== 'nvidia.com/gpu' ? `${l.field} ${l.resource}` : l.field, l.editable ? l.value : `${l.value} (locked: ${l.reason})`]);
  const head = ['WHERE', 'FORMAT', 'WORKLOAD', 'CONTAINER', 'FIELD', 'VALUE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => i === 5 ? 0 : r[i].length)));
  const line = (r: string[]) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i])).join('  ').trimEnd();
  return `${[line(head), ...rows.map(line)].join('\n')}\n${locations.length} location${locations.length === 1 ? '' : 's'}\n`;
}

/** Settings bound to a GPU count (they change with it; see docs/ENGINE.md). */
export function formatBindings(bindings: Binding[]): string {
  if (bindings.length === 0) return '';
  return `\nBound to a GPU count (changed with it):\n${bindings.map(b => `  ${b.file}:${b.line}  ${b.setting} = ${b.value}${b.editable ? '' : ` (locked: ${b.reason})`}`).join('\n')}\n`;
}

export function register(program: Command): void {
  program.command('locate')
    .description('list where GitOps files set CPU/memory/GPU requests and limits, replicas and HPA bounds')
    .argument('<paths...>', 'YAML files or folders (folders are read recursively)')
    .option('--output <format>', 'table or json', 'table')
    .addHelpText('after', `
Examples:
  $ rightsizer locate .                          # every location in the repository, as a table
  $ rightsizer locate apps/ argocd/ --output json
  $ rightsizer locate manifests/search/search.yaml --output json | jq -r '.[].id'`)
    .action(async (paths: string[], _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { output?: string };
      const output = opts.output ?? 'table';
      if (output !== 'table' && output !== 'json') throw new UserError(`--output must be table or json, not "${output}"`, { exitCode: EXIT.usage });
      const files = await filesOf(paths);
      const { locations, errors } = locate(files);
      for (const err of errors) process.stderr.write(`error: ${err.message}\n`);
      process.stdout.write(output === 'json'
        ? formatJson(locations.map(l => ({ id: l.id, file: l.file, line: l.line, format: l.format, workload: l.workload ?? null, container: l.container ?? null, field: l.field, ...(l.resource ? { resource: l.resource } : {}), value: l.value, editable: l.editable, ...(l.reason ? { reason: l.reason } : {}) })))
        : formatTable(locations) + formatBindings(locateBindings(files)));
      if (errors.length > 0) process.exitCode = EXIT.usage;
    });
}
