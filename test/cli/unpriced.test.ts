// A merged snapshot without the billing shard: `merge` warns, and the plan, the PR body and
// Slack say "not priced" instead of `$0.00/month` (issue 15).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { groupPlan } from '../../src/deliver/group.ts';
import { slackMessage } from '../../src/deliver/slack.ts';
import type { Plan } from '../../src/core/plan.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');

function rightsizer(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, '--no-color', ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, `rightsizer ${args.join(' ')}:\n${r.stderr}`);
  return r;
}

test('merge warns when no shard carries billing; the plan says "not priced", never $0.00', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-unpriced-'));
  try {
    const s2 = path.join(dir, 's2.json'), merged = path.join(dir, 'merged.json');
    rightsizer('collect', '--demo', '--quiet', '--shard', '2/2', '--out', s2);
    const merge = rightsizer('merge', s2, '--out', merged);
    assert.match(merge.stderr, /warning: the snapshot does not carry billing data \(shard 1 collects it\): a plan from this snapshot cannot price its recommendations/);
    assert.match(merge.stderr, /merged 1 snapshot into .*: \d+ workloads?\n/);

    const table = rightsizer('plan', '--demo', '--quiet', '--snapshot', merged).stdout;
    assert.match(table, /workloads? to change across .*: not priced \(no unit price for these clusters: was the billing shard merged\?\)\./);
    const markdown = rightsizer('plan', '--demo', '--quiet', '--snapshot', merged, '--output', 'markdown').stdout;
    assert.match(markdown, /is \*\*not priced\*\*/);
    for (const text of [table, markdown]) {
      assert.doesNotMatch(text, /\$0\.00|not priced\/month/);
    }
    const plan = JSON.parse(rightsizer('plan', '--demo', '--quiet', '--snapshot', merged, '--output', 'json').stdout) as Plan;
    const [group] = groupPlan(plan, 'repository', 'rightsizer/');
    const message = slackMessage({ action: 'opened', group, pr: { number: 7, url: 'https://github.com/example/platform-gitops/pull/7', title: group.title } });
    assert.doesNotMatch(JSON.stringify(message), /\$0\.00|not priced\/month/);
    assert.match(JSON.stringify(message), /\*Monthly change\*\\nnot priced/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
