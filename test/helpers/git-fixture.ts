// Real git for the delivery tests: the GitOps fixture repository committed to a bare
// repository (the "remote", reached over file://) and cloned into a checkout the bot works in.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plan } from '../../src/core/plan.ts';
import { GI, MI, plan as buildPlan, recommendation } from './plan-builder.ts';

export const FIXTURE_REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/gitops-repo');

const HUMAN = { name: 'Dana Platform', email: 'dana@example.com' };

/** Runs git with a clean, fixed identity and no global or system configuration. */
export function git(dir: string, args: string[], identity = HUMAN): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email,
    },
  }).trim();
}

/**
 * The commit a branch of a bare repository points at, from its loose ref or packed-refs, as
 * `git rev-parse refs/heads/<branch>` gives it (branches hold commits; no tags to peel).
 */
export function branchCommit(bareDir: string, branch: string): string | undefined {
  if (branch.split('/').some(part => part === '' || part === '.' || part === '..')) return undefined;
  try {
    const loose = readFileSync(path.join(bareDir, 'refs/heads', branch), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(loose)) return loose;
  } catch { /* not a loose ref */ }
  let packed = '';
  try { packed = readFileSync(path.join(bareDir, 'packed-refs'), 'utf8'); } catch { return undefined; }
  const line = packed.split('\n').find(l => l.endsWith(` refs/heads/${branch}`));
  return line ? line.slice(0, 40) : undefined;
}

export interface GitFixture {
  root: string;
  /** The bare repository: the bot's origin. */
  bare: string;
  /** file:// URL of the bare repository. */
  remoteUrl: string;
  /** The clone the bot is given as repoDir. */
  checkout: string;
  /** A second clone where "people" make their commits. */
  human: string;
  /** Commits a change to `file` on the base branch and pushes it (someone merged something). */
  moveBase(file: string, change: (text: string) => string, message?: string): string;
  /** Pushes a commit by a person on top of the bot's branch. */
  pushHumanCommit(branch: string, file: string, change: (text: string) => string): string;
  /** A person pushes a branch off main with one edit (`fresh: false`: one more commit on their branch). */
  pushHumanBranch(branch: string, file: string, change: (text: string) => string, fresh?: boolean): string;
  /** Sha of a branch in the bare repository, or undefined. */
  branchSha(branch: string): string | undefined;
  /** Commits on `branch` that are not on `base`. */
  commitsOver(base: string, branch: string): number;
  cleanup(): void;
}

/** The seeded bare repository, made once per process and copied for each fixture. */
const templates = new Map<string, string>();

function template(source: string): string {
  let bare = templates.get(source);
  if (bare) return bare;
  const root = mkdtempSync(path.join(tmpdir(), 'rightsizer-git-template-'));
  const seed = path.join(root, 'seed');
  bare = path.join(root, 'remote.git');
  cpSync(source, seed, { recursive: true });
  git(seed, ['init', '-q', '-b', 'main']);
  git(seed, ['add', '-A']);
  git(seed, ['commit', '-q', '-m', 'GitOps repository']);
  git(root, ['clone', '-q', '--bare', seed, bare]);
  git(bare, ['remote', 'remove', 'origin']);
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  templates.set(source, bare);
  return bare;
}

export function makeGitFixture(source = FIXTURE_REPO): GitFixture {
  const root = mkdtempSync(path.join(tmpdir(), 'rightsizer-git-'));
  const bare = path.join(root, 'remote.git');
  const checkout = path.join(root, 'checkout');
  const human = path.join(root, 'human');
  cpSync(template(source), bare, { recursive: true });
  const remoteUrl = pathToFileURL(bare).href;
  git(root, ['clone', '-q', remoteUrl, checkout]);
  let humanReady = false;
  const humanClone = () => {
    if (!humanReady) git(root, ['clone', '-q', remoteUrl, human]);
    humanReady = true;
  };

  /** A person edits `file` on `branch` (reset to `from`), commits and pushes; returns the commit. */
  const personCommits = (branch: string, from: string, file: string, change: (text: string) => string, message: string, force = false) => {
    humanClone();
    git(human, ['fetch', '-q', 'origin']);
    git(human, ['checkout', '-q', '-B', branch, from]);
    const p = path.join(human, file);
    writeFileSync(p, change(readFileSync(p, 'utf8')));
    git(human, ['commit', '-q', '-am', message]);
    git(human, ['push', '-q', ...(force ? ['-f'] : []), 'origin', branch]);
    return git(human, ['rev-parse', 'HEAD']);
  };
  return {
    root, bare, remoteUrl, checkout, human,
    moveBase: (file, change, message = 'someone else merged a change') => personCommits('main', 'origin/main', file, change, message),
    pushHumanCommit: (branch, file, change) => personCommits(branch, `origin/${branch}`, file, change, 'tweak by hand'),
    pushHumanBranch: (branch, file, change, fresh = true) => personCommits(branch, fresh ? 'origin/main' : `origin/${branch}`, file, change, `edit ${file}`, true),
    branchSha(branch) {
      return branchCommit(bare, branch);
    },
    commitsOver(base, branch) {
      return Number(git(bare, ['rev-list', '--count', `${base}..${branch}`]));
    },
    cleanup() { rmSync(root, { recursive: true, force: true }); },
  };
}

// ---------------------------------------------------------------------------
// A plan for the fixture repository, made by hand: real old and new text of real files, and the
// location ids the locator gives those values.


export interface FixturePlanOptions {
  /** New CPU request of checkout, millicores (vary it to make "a newer plan"). */
  checkoutCpuMillis?: number;
  /** Confidence of the search recommendation (drafts are opened below the configured level). */
  searchConfidence?: 'high' | 'medium' | 'low';
}

function replaceOnce(text: string, from: string, to: string, file: string): string {
  if (!text.includes(from)) throw new Error(`fixture ${file} does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

export function fixturePlan(repoDir: string, options: FixturePlanOptions = {}): Plan {
  const cpu = options.checkoutCpuMillis ?? 500;
  const read = (f: string) => readFileSync(path.join(repoDir, f), 'utf8');
  const checkout = recommendation({
    cluster: 'prod-eks', namespace: 'shop', name: 'checkout',
    containers: [{ name: 'checkout', cpu: [1.5, cpu / 1000], memory: [2 * GI, 1 * GI] }],
    replicas: [6, 4],
    monthly: -150 - (500 - cpu) / 10,
  });
  const search = recommendation({
    cluster: 'prod-eks', namespace: 'search', name: 'search',
    containers: [{ name: 'search', cpu: [0.8, 0.5], memory: [1536 * MI, 1536 * MI] }],
    hpa: { minReplicas: { from: 4, to: 2 } },
    monthly: -42.5,
    confidence: options.searchConfidence ?? 'high',
  });
  const valuesFile = 'apps/checkout/values.yaml';
  const valuesOld = read(valuesFile);
  let valuesNew = replaceOnce(valuesOld, 'replicaCount: 6 ', 'replicaCount: 4 ', valuesFile);
  valuesNew = replaceOnce(valuesNew, '    cpu: 1500m\n', `    cpu: ${cpu}m\n`, valuesFile);
  valuesNew = replaceOnce(valuesNew, '  requests:\n    cpu', '  requests:\n    cpu', valuesFile);
  valuesNew = valuesNew.replace(/(requests:\n {4}cpu: \d+m\n {4}memory: )2Gi/, '$11Gi');
  const searchFile = 'manifests/search/search.yaml';
  const searchOld = read(searchFile);
  let searchNew = replaceOnce(searchOld, 'requests: {cpu: 800m, memory: 1536Mi}', 'requests: {cpu: 500m, memory: 1536Mi}', searchFile);
  searchNew = replaceOnce(searchNew, 'minReplicas: 4', 'minReplicas: 2', searchFile);
  return buildPlan({
    recommendations: [checkout, search],
    edits: [
      {
        path: valuesFile, oldText: valuesOld, newText: valuesNew, recommendations: [checkout.id],
        locations: [`${valuesFile}#0:replicaCount`, `${valuesFile}#0:resources.requests.cpu`, `${valuesFile}#0:resources.requests.memory`],
      },
      {
        path: searchFile, oldText: searchOld, newText: searchNew, recommendations: [search.id],
        locations: [`${searchFile}#0:spec.template.spec.containers[name=search].resources.requests.cpu`, `${searchFile}#1:spec.minReplicas`],
      },
    ],
  });
}
