#!/usr/bin/env node
// Entry point of the `rightsizer` command (bundled to dist/cli.mjs for Node 22 and later).
import { main } from './main.ts';

// `rightsizer plan | head` closes the pipe early: stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(code => { process.exitCode = code; });
