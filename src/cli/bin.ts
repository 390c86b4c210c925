#!/usr/bin/env node
// Entry point of the `rightsizer` command (bundled to dist/cli.mjs for Node 22 and later).
import { main } from './main.ts';

main(process.argv.slice(2)).then(code => { process.exitCode = code; });
