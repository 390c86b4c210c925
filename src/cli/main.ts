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

export async function main(argv: string[]): Promise<number> {
  // Every line printed goes through the run's redactor (seeded when the configuration loads).
  redactStreams();
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
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
