// The JSON Schemas published under schema/ describe what the CLI really prints: the real output
// of `plan --demo -o json` and `report --demo -o json` (from one demo collection) validates with
// ajv (strict mode), and the yaml and csv outputs carry the same data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { demoSnapshot } from '../helpers/demo-snapshot.ts';
import { repoRoot } from '../helpers/shared.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'src/cli/bin.ts');

async function rightsizer(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, '--quiet', '--no-color', ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 2 ** 20, timeout: 120_000 });
  return stdout;
}

function validator(file: string) {
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema', file), 'utf8'));
  const ajv = new Ajv({ strict: true, allErrors: true });
  return ajv.compile(schema);
}

/** Minimal RFC 4180 reader, enough to check the CSV round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

test('plan --demo: the JSON validates against schema/plan.schema.json; yaml and csv carry the same plan', async () => {
  const planAs = (format: string) => rightsizer('plan', '--demo', '--snapshot', demoSnapshot(), '-o', format);
  const [json, yaml, csv] = await Promise.all([planAs('json'), planAs('yaml'), planAs('csv')]);
  const plan = JSON.parse(json) as Record<string, any>;
  const validate = validator('plan.schema.json');
  assert.ok(validate(plan), JSON.stringify(validate.errors, null, 2));
  assert.deepEqual(parseYaml(yaml), plan);
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['workload', 'cluster', 'namespace', 'kind', 'name', 'container', 'setting', 'change', 'monthly_delta', 'currency', 'confidence', 'policy', 'in_pull_request']);
  assert.ok(rows.slice(1).every(r => r.length === rows[0].length));
  assert.ok(rows.some(r => r[0] === 'prod-gke/ml/Deployment/llm-inference' && r[6] === 'memory request, limit' && r[7] === '32Gi → 23040Mi'));
  // A broken plan does not validate: the schema is not a rubber stamp.
  assert.equal(validate({ ...plan, totals: { ...plan.totals, monthly: 'lots' } }), false);
});

test('report --demo: the JSON validates against schema/report.schema.json; yaml and csv carry the same report', async () => {
  const reportAs = (format: string) => rightsizer('report', '--demo', '--snapshot', demoSnapshot(), '-o', format);
  const [json, yaml, csv] = await Promise.all([reportAs('json'), reportAs('yaml'), reportAs('csv')]);
  const report = JSON.parse(json) as Record<string, any>;
  const validate = validator('report.schema.json');
  assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
  // Separate runs: only the billing sources' timings ("in 233 ms") may differ.
  const untimed = (r: unknown) => JSON.parse(JSON.stringify(r).replace(/ in \d+ ms/g, ''));
  assert.deepEqual(untimed(parseYaml(yaml)), untimed(report));
  // Money in cents everywhere in the JSON (unit prices per hour excepted).
  assert.doesNotMatch(json, /"(mean|low|high|amount|actualToDate|monthlySaving|observed|expected)": -?\d+\.\d{3,}/);
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['section', 'dimension', 'key', 'currency', 'amount', 'low', 'high', 'share', 'detail']);
  const forecast = rows.filter(r => r[0] === 'forecast');
  const total = forecast.find(r => r[2] === 'all clouds')!;
  const sum = forecast.filter(r => r !== total).reduce((s, r) => s + Number(r[4]), 0);
  assert.ok(Math.abs(Number(total[4]) - sum) < 0.011, `all clouds ${total[4]} vs sum ${sum}`);
  assert.ok(rows.some(r => r[0] === 'cloud forecast' && r[2] === 'azure'));
  assert.equal(validate({ ...report, forecast: { ...report.forecast, total: [{}] } }), false);
});
