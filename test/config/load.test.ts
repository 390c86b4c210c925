import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, loadConfig } from '../../src/config/load.ts';
import { InputError } from '../../src/core/errors.ts';
import { repoRoot } from '../helpers/shared.ts';

const minimal = 'clusters:\n  - name: prod\n    cloud: aws\n    prometheus:\n      url: http://prometheus:9090\n';

test('the demo configuration loads, with defaults filled in and ${DEMO_URL} substituted', async () => {
  const config = await loadConfig(path.join(repoRoot, 'fixtures/rightsizer.yaml'), { vars: { DEMO_URL: 'http://127.0.0.1:1234' } });
  assert.deepEqual(config.clusters.map(c => c.name), ['prod-eks', 'prod-gke', 'prod-aks']);
  assert.equal(config.clusters[0].prometheus.url, 'http://127.0.0.1:1234/prometheus');
  assert.equal(config.billing.aws?.endpoint, 'http://127.0.0.1:1234/aws');
  assert.equal(config.pullRequests.maxOpenPullRequests, 10);
  assert.equal(config.engine.historyDays, 14);
});

test('a minimal configuration gets every default', async () => {
  const config = await parseConfig('rightsizer.yaml', minimal);
  assert.deepEqual(config.clusters[0].prometheus.auth, { type: 'none' });
  assert.equal(config.pullRequests.groupBy, 'repository');
  assert.deepEqual(config.policies, ['policies/']);
});

async function errorOf(text: string): Promise<InputError> {
  try {
    await parseConfig('rightsizer.yaml', text);
  } catch (err) {
    assert.ok(err instanceof InputError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

test('config errors name the file, line and key', async () => {
  const unknown = await errorOf(minimal.replace('    cloud: aws\n', '    cloud: aws\n    regoin: eu-west-1\n'));
  assert.equal(unknown.line, 4);
  assert.match(unknown.message, /^rightsizer\.yaml:4:\d+: .*regoin/);
  assert.match(unknown.message + (unknown.hint ?? ''), /region/, 'did you mean region');

  const wrongType = await errorOf(minimal + 'engine:\n  historyDays: two weeks\n');
  assert.equal(wrongType.line, 7);
  assert.match(wrongType.message, /historyDays/);

  const badEnum = await errorOf(minimal.replace('cloud: aws', 'cloud: ibm'));
  assert.equal(badEnum.line, 3);

  const invalidYaml = await errorOf('clusters:\n  - name: [unclosed\n');
  assert.match(invalidYaml.message, /^rightsizer\.yaml:\d+:\d+: /);
});

test('a secret written into the file instead of an env-var name is refused', async () => {
  const err = await errorOf(minimal.replace('url: http://prometheus:9090', 'url: http://prometheus:9090\n      auth: {type: bearer, tokenEnv: "ghp abc/def"}'));
  assert.match(err.message, /tokenEnv/);
});

test('the published schema is the one the loader uses', () => {
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema/rightsizer.schema.json'), 'utf8'));
  assert.equal(schema.title, 'rightsizer configuration (rightsizer.yaml)');
});
