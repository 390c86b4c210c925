// Supply chain of the workflows, the project's and the examples': every action pinned to a full
// commit with its version beside it, rightsizer only through the Action, and no job holding a
// write permission it does not use.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/shared.ts';

interface Step { uses?: string; run?: string; with?: Record<string, unknown> }
interface Job { permissions?: Record<string, string> | string; steps?: Step[] }
interface Workflow { permissions?: Record<string, string> | string; jobs: Record<string, Job> }

const files = ['.github/workflows', 'examples/workflows'].flatMap(dir =>
  readdirSync(path.join(repoRoot, dir)).filter(f => /\.ya?ml$/.test(f)).map(f => path.join(dir, f)));

/** What a job must do to need each write scope of GITHUB_TOKEN. */
const WRITE_USES: Record<string, { why: string; used: (step: Step) => boolean }> = {
  'id-token': {
    why: 'an OIDC sign-in (cloud federation, npm provenance, attestations)',
    used: s => /^(aws-actions\/configure-aws-credentials|google-github-actions\/auth|azure\/login|actions\/attest-build-provenance)@/.test(s.uses ?? '') || /npm publish .*--provenance/.test(s.run ?? ''),
  },
  attestations: { why: 'actions/attest-build-provenance', used: s => (s.uses ?? '').startsWith('actions/attest-build-provenance@') },
  contents: { why: 'a push, a release or a tag made with GITHUB_TOKEN', used: s => /gh release create|git push|git\/refs/.test(s.run ?? '') },
  'pull-requests': { why: 'a pull request opened with GITHUB_TOKEN', used: s => /gh pr (create|edit|comment)/.test(s.run ?? '') },
};

function permissionsOf(wf: Workflow, job: Job): Record<string, string> {
  const p = job.permissions ?? wf.permissions;
  assert.ok(p && typeof p === 'object', 'permissions are set per workflow or job, never the default or write-all');
  return p;
}

for (const file of files) {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  const wf = parse(text) as Workflow;

  test(`${file}: every uses: is pinned to a full commit SHA with its version in a comment`, () => {
    const lines = text.split('\n').filter(l => /^\s*(-\s+)?uses:/.test(l));
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const ref = line.replace(/^\s*(-\s+)?uses:\s*/, '');
      if (ref.startsWith('./')) continue; // this repository's own Action, at the commit under test
      assert.match(ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/, `${file}: ${line.trim()}`);
    }
  });

  test(`${file}: rightsizer runs through the Action, never npx`, () => {
    assert.doesNotMatch(text, /npx\b[^\n]*rightsizer/, 'no `npx rightsizer`');
  });

  test(`${file}: no job holds a write permission it does not use`, () => {
    for (const [name, job] of Object.entries(wf.jobs)) {
      const steps = job.steps ?? [];
      const perms = permissionsOf(wf, job);
      for (const [scope, level] of Object.entries(perms)) {
        if (level !== 'write') continue;
        const rule = WRITE_USES[scope];
        assert.ok(rule, `${file} job ${name}: ${scope}: write has no known use`);
        assert.ok(steps.some(rule.used), `${file} job ${name}: ${scope}: write is unused (it is for ${rule.why})`);
      }
      // A job that pushes with a GitHub App token keeps GITHUB_TOKEN read-only.
      if (steps.some(s => (s.uses ?? '').startsWith('actions/create-github-app-token@'))) {
        const writes = Object.entries(perms).filter(([scope, level]) => level === 'write' && scope !== 'id-token');
        assert.deepEqual(writes, [], `${file} job ${name} pushes with an App token: GITHUB_TOKEN stays read-only`);
      }
    }
  });
}

test('the example workflow holds no long-lived cloud secret and signs in to each cloud with OIDC', () => {
  const text = readFileSync(path.join(repoRoot, 'examples/workflows/rightsizer.yml'), 'utf8');
  for (const secret of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AZURE_CLIENT_SECRET', 'GOOGLE_APPLICATION_CREDENTIALS_JSON', 'credentials_json', 'client-secret', 'creds:']) {
    assert.ok(!text.includes(secret), `no ${secret}`);
  }
  const wf = parse(text) as Workflow;
  const collect = wf.jobs.collect!;
  const uses = (collect.steps ?? []).map(s => s.uses ?? '');
  assert.ok(uses.some(u => u.startsWith('aws-actions/configure-aws-credentials@')));
  assert.ok(uses.some(u => u.startsWith('google-github-actions/auth@')));
  assert.ok(uses.some(u => u.startsWith('azure/login@')));
  const aws = collect.steps!.find(s => s.uses?.startsWith('aws-actions/'))!;
  assert.ok(aws.with?.['role-to-assume'], 'AWS: a role assumed with the web identity token');
  const gcp = collect.steps!.find(s => s.uses?.startsWith('google-github-actions/'))!;
  assert.ok(gcp.with?.workload_identity_provider, 'Google Cloud: Workload Identity Federation');
  const az = collect.steps!.find(s => s.uses?.startsWith('azure/login'))!;
  assert.ok(az.with?.['client-id'] && !az.with?.creds, 'Azure: a federated credential, no client secret');
  // The secrets that remain are not cloud keys.
  const secrets = [...text.matchAll(/secrets\.(\w+)/g)].map(m => m[1]).sort();
  assert.deepEqual([...new Set(secrets)], ['PROMETHEUS_TOKEN', 'RIGHTSIZER_APP_PRIVATE_KEY', 'RIGHTSIZER_SLACK_WEBHOOK_URL']);
});

test('every job of the example workflow runs rightsizer through the Action (collect, merge, pr)', () => {
  const wf = parse(readFileSync(path.join(repoRoot, 'examples/workflows/rightsizer.yml'), 'utf8')) as Workflow;
  const modes = Object.values(wf.jobs).flatMap(j => (j.steps ?? []).filter(s => /^[\w-]+\/rightsizer@[0-9a-f]{40}$/.test(s.uses ?? '')).map(s => s.with?.mode));
  assert.deepEqual(modes, ['collect', 'merge', 'pr']);
  for (const job of Object.values(wf.jobs)) {
    assert.ok(!(job.steps ?? []).some(s => s.uses?.startsWith('actions/setup-node@')), 'the Action brings its own runtime: no setup-node');
  }
});
