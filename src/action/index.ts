// Entry point of the GitHub Action (bundled to dist/index.js; action.yml runs it on node24).
import { run } from './main.ts';

run().then(code => { process.exitCode = code; });
