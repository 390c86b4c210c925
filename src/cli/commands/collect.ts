// `rightsizer collect` and `rightsizer merge`: the snapshot hand-off, for sharded collection
// in a CI matrix and for offline planning.

import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { mergeSnapshots, mergeWarnings, readSnapshot } from '../../snapshot/index.ts';
import { plural } from '../../core/text.ts';

function log(quiet: boolean | undefined) {
  return (line: string) => { if (!quiet) process.stderr.write(`› ${line}\n`); };
}

export function register(program: Command): void {
  program.command('collect')
    .description('read usage and costs and write a snapshot (JSON) for `plan --snapshot` or `merge`')
    .option('--demo', 'collect from the bundled demo recordings')
    .option('--shard <i/n>', 'collect only the clusters of shard i of n (billing comes with shard 1)')
    .option('--out <file>', 'write the snapshot here (default: stdout)')
    .addHelpText('after', `
Examples:
  $ rightsizer collect --out snapshot.json
  $ rightsizer collect --shard 1/3 --out snapshot-1.json   # one job of a CI matrix`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { demo?: boolean; shard?: string; out?: string; config?: string; quiet?: boolean };
      const { collect } = await import('../../pipeline.ts');
      const { snapshot } = await collect({ configPath: opts.config, demo: opts.demo, shard: opts.shard, quiet: opts.quiet, log: log(opts.quiet) });
      const text = `${JSON.stringify(snapshot)}\n`;
      if (opts.out) {
        await writeFile(opts.out, text);
        log(opts.quiet)(`wrote ${opts.out}: ${plural(snapshot.profiles.length, 'workload')}, ${plural(snapshot.costs.length, 'cost row')}`);
      } else process.stdout.write(text);
      const failed = snapshot.sources.filter(s => !s.ok);
      for (const f of failed) process.stderr.write(`warning: ${f.source} failed: ${f.error}\n`);
    });

  program.command('merge')
    .description('merge the snapshots of several shards into one')
    .argument('<files...>', 'snapshot files')
    .option('--out <file>', 'write the merged snapshot here (default: stdout)')
    .addHelpText('after', `
Example:
  $ rightsizer merge snapshot-*.json --out snapshot.json && rightsizer plan --snapshot snapshot.json`)
    .action(async (files: string[], _opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { out?: string; quiet?: boolean };
      const snapshots = await Promise.all(files.map(readSnapshot));
      const merged = mergeSnapshots(snapshots);
      for (const w of mergeWarnings(snapshots, merged)) process.stderr.write(`warning: ${w}\n`);
      const text = `${JSON.stringify(merged)}\n`;
      if (opts.out) {
        await writeFile(opts.out, text);
        log(opts.quiet)(`merged ${plural(files.length, 'snapshot')} into ${opts.out}: ${plural(merged.profiles.length, 'workload')}`);
      } else process.stdout.write(text);
    });
}
