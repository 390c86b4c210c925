import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { parseConfig } from '../../src/config/load.ts';
import { githubRepoFromRemote } from '../../src/cli/commands/init.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');

test('init writes a valid, commented rightsizer.yaml with the clusters Argo CD deploys to', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-init-'));
  try {
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    execFileSync('git', ['remote', 'add', 'origin', 'git@github.com:acme/platform-gitops.git'], { cwd: dir });
    mkdirSync(path.join(dir, 'apps'));
    writeFileSync(path.join(dir, 'apps/web.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  destination: {name: prod-eu, namespace: web}\n');
    writeFileSync(path.join(dir, 'apps/api.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: api}\nspec:\n  destination: {server: "https://kubernetes.default.svc", namespace: api}\n');
    const r = spawnSync(process.execPath, [cli, 'init', '--dir', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(path.join(dir, 'rightsizer.yaml'), 'utf8');
    const config = await parseConfig('rightsizer.yaml', text);
    assert.deepEqual(config.clusters.map(c => c.name), ['in-cluster', 'prod-eu']);
    assert.equal(config.repository.github, 'acme/platform-gitops');
    assert.match(text, /# rightsizer configuration/);
    const again = spawnSync(process.execPath, [cli, 'init', '--dir', dir], { encoding: 'utf8' });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already exists/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the GitHub repository is read from https, ssh and scp-like remotes', () => {
  assert.equal(githubRepoFromRemote('https://github.com/acme/gitops.git'), 'acme/gitops');
  assert.equal(githubRepoFromRemote('ssh://git@github.example.com/acme/gitops'), 'acme/gitops');
  assert.equal(githubRepoFromRemote('git@github.com:acme/gitops.git'), 'acme/gitops');
  assert.equal(githubRepoFromRemote(undefined), undefined);
});

test('init guesses each cluster\'s cloud from its name, and says when it could not', async () => {
  const { initConfigText } = await import('../../src/cli/commands/init.ts');
  const text = initConfigText({ baseBranch: 'main', clusters: ['prod-gke', 'eks-staging', 'aks-weu', 'dc1'] });
  const config = await parseConfig('rightsizer.yaml', text);
  assert.deepEqual(config.clusters.map(c => [c.name, c.cloud]), [['prod-gke', 'gcp'], ['eks-staging', 'aws'], ['aks-weu', 'azure'], ['dc1', 'aws']]);
  assert.match(text, /- name: dc1\n {4}cloud: aws +# aws \| gcp \| azure \| on-prem \(check\)/);
  assert.match(text, /- name: prod-gke\n {4}cloud: gcp +# .*\(guessed from the name\)/);
});
