// The rightsizer command line. Thin: each command builds pipeline options and calls
// src/pipeline.ts (or a stage's entry point); errors become one line and an exit code.

import { Command, CommanderError } from 'commander';
import { UserError, EXIT } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { registerCommands } from './commands/index.ts';
import { redactStreams } from '../deliver/redact.ts';
import { errorLine } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('rightsizer')
    .description('Rightsize Kubernetes workloads from real usage and real bills, as GitOps pull requests.')
    .version(VERSION, '-V, --version')
    .option('--config <file>', 'configuration file', 'rightsizer.yaml')
    .option('--debug', 'show stack traces and debug logs')
    .option('--quiet', 'print only results and errors')
    .option('--no-color', 'plain output (also when NO_COLOR is set)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/**
 * `plan` is the default command, so commander would read a mistyped command as an argument of
 * plan ("too many arguments for 'plan'"): catch it first and suggest the nearest command.
 */
function unknownCommand(program: Command, argv: string[]): UserError | undefined {
  const valued = new Set(program.options.filter(o => o.required || o.optional).flatMap(o => [o.long, o.short].filter(Boolean) as string[]));
  let word: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a.startsWith('-')) { if (valued.has(a)) i++; continue; }
    word = a;
    break;
  }
  if (word === undefined) return undefined;
  const names = program.commands.flatMap(c => [c.name(), ...c.aliases()]);
  if (names.includes(word) || word === 'help') return undefined;
  const best = names.map(n => ({ n, d: distance(word!, n) })).sort((a, b) => a.d - b.d)[0];
  const hint = best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? `did you mean \`rightsizer ${best.n}\`?` : `commands: ${names.join(', ')}; see rightsizer --help`;
  return new UserError(`unknown command '${word}'`, { exitCode: EXIT.usage, hint });
}

export async function main(argv: string[]): Promise<number> {
  // Every line printed goes through the run's redactor (seeded when the configuration loads).
  redactStreams();
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    const unknown = unknownCommand(program, argv);
    if (unknown) throw unknown;
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      if (err.exitCode === 0) return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(errorLine(err, debug));
    return err instanceof UserError ? err.exitCode : EXIT.error;
  }
}
