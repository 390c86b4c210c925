// The configuration and policy schemas are validated by modules compiled ahead of time
// (scripts/build-validators.ts). They must say exactly what ajv compiling the schema at run time
// says, and a schema edited without regenerating them still validates (compiled at run time).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { validateYaml } from '../../src/config/schema-validate.ts';
import configSchema from '../../schema/rightsizer.schema.json' with { type: 'json' };
import policySchema from '../../schema/policy.schema.json' with { type: 'json' };
import { staleValidators } from '../../scripts/build-validators.ts';
import { repoRoot } from '../helpers/shared.ts';

/** The same schema under another identity, so schema-validate cannot match it to a precompiled module. */
const atRunTime = (schema: object) => ({ ...schema, $comment: 'compiled at run time by the test' });

const messages = (file: string, text: string, schema: object) => validateYaml(file, text, schema).errors.map(e => e.message);

test('the committed validator modules match the schemas', () => {
  assert.deepEqual(staleValidators(), []);
});

test('precompiled and run-time validators report the same problems in invalid policy files', () => {
  const dir = path.join(repoRoot, 'test/policy/invalid');
  let withProblems = 0;
  for (const name of readdirSync(dir)) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const ahead = messages(name, text, policySchema);
    assert.deepEqual(ahead, messages(name, text, atRunTime(policySchema)), name);
    if (ahead.length > 0) withProblems++;
  }
  assert.ok(withProblems >= 5, `schema problems found in ${withProblems} files`);
});

test('precompiled and run-time validators report the same problems in broken configurations', () => {
  const broken = [
    'clusters:\n  - name: prod\n    cloud: aws\n    prometheus:\n      url: http://prometheus:9090\n      timout: 30s\n',
    'clusters:\n  - name: prod\n    cloud: amazon\n    prometheus:\n      url: 42\n',
    'clusters: []\npullRequests:\n  groupBy: everything\n  maxOpenPullRequests: "ten"\n',
    'clsuters:\n  - name: prod\n',
    readFileSync(path.join(repoRoot, 'fixtures/rightsizer.yaml'), 'utf8'),
  ];
  for (const text of broken) {
    const ahead = messages('rightsizer.yaml', text, configSchema);
    assert.deepEqual(ahead, messages('rightsizer.yaml', text, atRunTime(configSchema)), text);
  }
  assert.match(messages('rightsizer.yaml', broken[0], configSchema).join('\n'), /unknown key "timout"/);
});
