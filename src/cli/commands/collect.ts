// `rightsizer collect` and `rightsizer merge`: the snapshot hand-off, for sharded collection
// in a CI matrix and for offline planning.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { plural } from '../../core/text.ts';
import { redact } from '../../deliver/redact.ts';
import { preflightConfig } from './plan.ts';
import { mergeSnapshots, mergeWarnings, readSnapshot } from '../../snapshot/index.ts';

function log(quiet: boolean | undefined) {
  return (line: string) => { if (!quiet) process.stderr.write(`› ${line}\n`); };
}

function jsonOnly(output: string | undefined): void {
  if (output !== undefined && output !== 'json') throw new UserError(`--output must be json (a snapshot is JSON), not "${output}"`, { exitCode: EXIT.usage });
}

export function register(program: Command): void {
  program.command('collect')
    .description('read usage and costs and write a snapshot (JSON) for `plan --snapshot` or `merge`')
    .option('--demo', 'collect from the bundled demo recordings')
    .option('--shard <i/n>', 'collect only the clusters of shard i of n (billing comes with shard 1)')
    .option('--out <file>', 'write the snapshot here (default: stdout)')
    .option('-o, --output <format>', 'json (the snapshot is JSON)', 'json')
    .addHelpText('after', `
Examples:
  $ rightsizer collect --out snapshot.json
  $ rightsizer collect --shard 1/3 --out snapshot-1.json   # one job of a CI matrix`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { demo?: boolean; shard?: string; out?: string; output?: string; config?: string; quiet?: boolean };
      jsonOnly(opts.output);
      await preflightConfig(opts);
      const { collect, nothingRead } = await import('../../pipeline.ts');
      const { snapshot } = await collect({ configPath: opts.config, demo: opts.demo, shard: opts.shard, quiet: opts.quiet, log: log(opts.quiet) });
      const text = `${JSON.stringify(snapshot)}\n`;
      if (opts.out) {
        await writeFile(opts.out, redact(text));
        log(opts.quiet)(`wrote ${opts.out}: ${plural(snapshot.profiles.length, 'workload')}, ${plural(snapshot.costs.length, 'cost row')}`);
      } else process.stdout.write(text);
      const failed = snapshot.sources.filter(s => !s.ok);
      for (const f of failed) process.stderr.write(`warning: ${f.source} failed: ${f.error}\n`);
      const nothing = nothingRead(snapshot);
      if (nothing) throw new UserError(nothing, { hint: 'check the URLs and credentials in rightsizer.yaml; the errors above say what each source answered' });
    });

  program.command('merge')
    .description('merge the snapshots of several shards into one')
    .argument('<files...>', 'snapshot files')
    .option('--out <file>', 'write the merged snapshot here (default: stdout)')
    .option('-o, --output <format>', 'json (the snapshot is JSON)', 'json')
    .addHelpText('after', `
Example:
  $ rightsizer merge snapshot-*.json --out snapshot.json && rightsizer plan --snapshot snapshot.json`)
    .action(async (files: string[], _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { out?: string; output?: string; quiet?: boolean };
      jsonOnly(opts.output);
      const snapshots = await Promise.all(files.map(readSnapshot));
      const merged = mergeSnapshots(snapshots);
      for (const w of mergeWarnings(snapshots, merged)) process.stderr.write(`warning: ${w}\n`);
      const text = `${JSON.stringify(merged)}\n`;
      if (opts.out) {
        await writeFile(opts.out, redact(text));
        log(opts.quiet)(`merged ${plural(files.length, 'snapshot')} into ${opts.out}: ${plural(merged.profiles.length, 'workload')}`);
      } else process.stdout.write(text);
    });
}
