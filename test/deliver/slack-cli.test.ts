// Slack edit-in-place through the real CLI: `rightsizer pr` spawned against a bare git repository
// over file://, the fake GitHub and the strict fake Slack. The first run posts one message; later
// runs that update the PR edit that same message (its channel and ts live in the PR body's hidden
// marker), so a PR never has more than one Slack message.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { readMarker } from '../../src/deliver/github.ts';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { fixturePlan, makeGitFixture, type GitFixture } from '../helpers/git-fixture.ts';
import { repoRoot } from '../helpers/shared.ts';

const run = promisify(execFile);
const TOKEN = 'ghp_slackCliTest000000000000000000000';
const SLACK_TOKEN = 'xoxb-slack-cli-test-000000000';

let fx: GitFixture;
let gh: FakeGitHub;
let slack: FakeSlack;
let config = '';

before(async () => {
  fx = makeGitFixture();
  gh = await startFakeGitHub({ repo: 'example/platform-gitops', bareDir: fx.bare, token: TOKEN });
  slack = await startFakeSlack({ token: SLACK_TOKEN, channels: { '#finops': 'C0FINOPS' } });
  config = path.join(fx.root, 'rightsizer.yaml');
  writeFileSync(config, [
    'clusters:',
    '  - {name: prod-eks, cloud: aws, prometheus: {url: "http://127.0.0.1:9/prometheus"}}',
    'repository: {github: example/platform-gitops, baseBranch: main}',
    `slack: {botTokenEnv: TEST_SLACK_BOT_TOKEN, channel: "#finops", apiUrl: "${slack.apiUrl}"}`,
    '',
  ].join('\n'));
});

after(async () => {
  await gh.close();
  await slack.close();
  fx.cleanup();
});

function pr(planFile: string, ...extra: string[]) {
  return run(process.execPath, [
    '--import', path.join(repoRoot, 'test/helpers/deny-network.mjs'),
    path.join(repoRoot, 'src/cli/bin.ts'), 'pr', '--plan', planFile, '--config', config, '--repo-dir', fx.checkout,
    '--github-api-url', gh.apiUrl, ...extra,
  ], { cwd: fx.root, env: { ...process.env, GITHUB_TOKEN: TOKEN, TEST_SLACK_BOT_TOKEN: SLACK_TOKEN, NO_COLOR: '1' }, timeout: 120_000 });
}

test('rightsizer pr posts one Slack message and edits it on every later update of the PR', async () => {
  const plans = [500, 400, 300].map((cpu, i) => {
    const file = path.join(fx.root, `plan-${i}.json`);
    writeFileSync(file, JSON.stringify(fixturePlan(fx.checkout, { checkoutCpuMillis: cpu })));
    return file;
  });
  const first = await pr(plans[0]);
  assert.match(first.stdout, /^rightsizer\/all: created #1 /m);
  assert.equal(slack.messages.length, 1);
  const [message] = slack.messages;
  assert.equal(message.channel, 'C0FINOPS');
  assert.deepEqual(readMarker(gh.openPulls()[0].body)?.slack, { channel: 'C0FINOPS', ts: message.ts });

  for (const file of plans.slice(1)) {
    const next = await pr(file);
    assert.match(next.stdout, /^rightsizer\/all: updated #1 /m);
  }
  assert.equal(slack.messages.length, 1, 'no second message');
  assert.equal(slack.calls.filter(c => c.method === 'chat.postMessage').length, 1);
  assert.equal(slack.calls.filter(c => c.method === 'chat.update').length, 2);
  assert.equal(message.edits, 2);
  assert.match(message.text, /^rightsizer updated pull request #1 /);
  assert.match(JSON.stringify(message.blocks), /CPU request 1500m → 300m/);
  // Still one marker, still the same message, and an unchanged run posts nothing.
  assert.deepEqual(readMarker(gh.openPulls()[0].body)?.slack, { channel: 'C0FINOPS', ts: message.ts });
  const again = await pr(plans[2]);
  assert.match(again.stdout, /^rightsizer\/all: unchanged #1/m);
  assert.equal(slack.calls.length, 3);
  assert.deepEqual(slack.violations, []);
  assert.deepEqual(gh.violations, []);
  for (const out of [first, again]) assert.ok(!`${out.stdout}${out.stderr}`.includes(SLACK_TOKEN));
});

test('pr --dry-run prints the diff, the PR body and the Slack message to stdout; --quiet drops only progress', async () => {
  const plan = path.join(fx.root, 'plan-dry.json');
  writeFileSync(plan, JSON.stringify(fixturePlan(fx.checkout, { checkoutCpuMillis: 250 })));
  const before = slack.calls.length;
  const writes = () => gh.requests.filter(r => r.method !== 'GET').length;
  const writesBefore = writes();
  const dry = await pr(plan, '--dry-run');
  const quiet = await pr(plan, '--dry-run', '--quiet');
  for (const out of [dry, quiet]) {
    assert.match(out.stdout, /^rightsizer\/all: would update #1 .*\(dry run: nothing was pushed or posted\)$/m);
    assert.match(out.stdout, /Diff it would push to rightsizer\/all:\n\ndiff --git a\/apps\/checkout\/values\.yaml/);
    assert.match(out.stdout, /^\+    cpu: 250m$/m);
    assert.match(out.stdout, /Pull request it would update \(#1\): rightsizer: rightsize 2 workloads/);
    assert.match(out.stdout, /### Changes\n\n\| Workload \| Setting \| Change \| Monthly Δ \| Confidence \|/);
    assert.match(out.stdout, /Slack message it would post:\n\n\{\n {2}"text": "rightsizer updated pull request #1 /);
    assert.doesNotMatch(out.stdout, /›/, 'progress is not on stdout');
  }
  assert.equal(quiet.stdout, dry.stdout, '--quiet changes nothing on stdout');
  assert.match(dry.stderr, /base main is at/);
  assert.equal(quiet.stderr, '');
  assert.doesNotMatch(dry.stderr, /### Changes/);
  assert.equal(slack.calls.length, before, 'nothing posted');
  assert.equal(writes(), writesBefore, 'nothing written to GitHub');
});
