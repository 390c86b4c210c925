// The generic YAML + JSON Schema validator (also used for rightsizer.yaml).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance, validateYaml } from '../../src/config/schema-validate.ts';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['clusters'],
  properties: {
    clusters: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string' },
          cloud: { enum: ['aws', 'gcp', 'azure', 'on-prem'] },
          port: { type: 'integer', minimum: 1 },
          url: { type: 'string', pattern: '^https?://', 'x-hint': 'an http(s) URL' },
        },
      },
    },
  },
};

test('validateYaml maps each schema error to the line and column of the offending key or value', () => {
  const text = ['clusters:', '  - name: a', '    clowd: aws', '  - name: b', '    cloud: gpc', '    port: 0', '    url: ftp://x', '  - cloud: aws', ''].join('\n');
  const { value, errors } = validateYaml('rightsizer.yaml', text, schema);
  assert.ok(value);
  assert.deepEqual(errors.map(e => e.message), [
    'rightsizer.yaml:3:5: unknown key "clowd" in clusters[0]; did you mean "cloud"?',
    'rightsizer.yaml:5:12: clusters[1].cloud: must be one of aws, gcp, azure, on-prem; did you mean "gcp"?',
    'rightsizer.yaml:6:11: clusters[1].port: must be >= 1',
    'rightsizer.yaml:7:10: clusters[1].url: must be an http(s) URL, not the string "ftp://x"',
    'rightsizer.yaml:8:5: clusters[2]: missing required key "name"',
  ]);
  assert.deepEqual(errors.map(e => [e.line, e.column]), [[3, 5], [5, 12], [6, 11], [7, 10], [8, 5]]);
});

test('validateYaml reports YAML syntax errors with their position and no value', () => {
  const { value, errors } = validateYaml('x.yaml', 'clusters:\n  - name: "a\n', schema);
  assert.equal(value, undefined);
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /^x\.yaml:2:\d+: YAML: /);
});

test('a valid document has no errors', () => {
  assert.deepEqual(validateYaml('ok.yaml', 'clusters: [{name: a, cloud: aws, port: 9090}]\n', schema).errors, []);
});

test('did you mean: close typos only', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(didYouMean('maxWats', ['maxWatts', 'migProfiles']), 'maxWatts');
  assert.equal(didYouMean('Namespaces', ['namespaces', 'names']), 'namespaces');
  assert.equal(didYouMean('zzz', ['namespaces', 'names']), undefined);
});
