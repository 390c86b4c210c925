// Git for the delivery stage, through simple-git. The bot never touches the working tree, the
// index or HEAD of the checkout it is given: it builds its commit with plumbing on a temporary
// index (read-tree, hash-object, update-index, write-tree, commit-tree) and pushes the commit
// straight to the remote branch with --force-with-lease.
//
// The token reaches git only through the environment of the commands that talk to the remote
// (GIT_CONFIG_COUNT/KEY/VALUE → http.extraHeader), so it is never in argv, a remote URL or
// .git/config. Every message that leaves this module goes through the Redactor.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { UserError } from '../core/errors.ts';
import type { Redactor } from './redact.ts';

export interface GitIdentity {
  name: string;
  email: string;
}

export const DEFAULT_BOT_IDENTITY: GitIdentity = { name: 'rightsizer[bot]', email: 'rightsizer[bot]@users.noreply.github.com' };

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** The full commit message. */
  message: string;
}

/** Environment variables a git child must not inherit: prompts and config injected from outside. */
const DROPPED_ENV = /^(EDITOR|VISUAL|PAGER|GIT_SEQUENCE_EDITOR|GIT_PROXY_COMMAND|GIT_TEMPLATE_DIR|GIT_ASKPASS|SSH_ASKPASS|GIT_CONFIG_COUNT|GIT_CONFIG_KEY_\d+|GIT_CONFIG_VALUE_\d+|GIT_CONFIG_PARAMETERS|GIT_INDEX_FILE|GIT_DIR|GIT_WORK_TREE|GIT_EDITOR|GIT_PAGER|GIT_EXTERNAL_DIFF)$/;

export interface GitRepoOptions {
  dir: string;
  remote?: string;
  token?: string;
  redactor: Redactor;
  log?: (line: string) => void;
}

/**
 * What a rejected push means, told apart: a race (the lease), a server-side hook or rule, or a
 * branch name git cannot create (`main/all` beside a branch `main`). Undefined for other errors.
 */
export function pushRejection(branch: string, message: string): UserError | undefined {
  const remote = /\[remote rejected\][^(\n]*\(([^)\n]*)\)/.exec(message)?.[1];
  if (/cannot lock ref|exists; cannot create|directory file conflict|unable to create directory|failed to update ref/i.test(message)) {
    const blocker = /'refs\/heads\/([^']+)' exists/.exec(message)?.[1];
    return new UserError(`the remote cannot create the branch ${branch}${blocker ? `: a branch named ${blocker} exists, and git cannot have both ${blocker} and ${branch}` : ' (its name clashes with an existing branch)'}; nothing was pushed`, {
      exitCode: 2, hint: 'set pullRequests.branchPrefix in rightsizer.yaml to a prefix no branch uses, e.g. "rightsizer/"',
    });
  }
  if (remote) {
    return new UserError(`the remote refused the push to ${branch}: ${remote}${/hook/i.test(remote) ? ' (a server-side hook or branch rule)' : ''}; nothing was pushed`, {
      hint: 'ask the repository admins whether the bot may push branches under its prefix; running again will not help',
    });
  }
  if (/stale info|fetch first|non-fast-forward|\[rejected\]/i.test(message)) {
    return new UserError(`the branch ${branch} changed on the remote while rightsizer was working (push rejected by --force-with-lease); nothing was overwritten`, { hint: 'run again' });
  }
  return undefined;
}

export class GitRepo {
  readonly dir: string;
  readonly remote: string;
  private readonly token?: string;
  private readonly redactor: Redactor;
  private readonly log: (line: string) => void;
  private readonly baseEnv: Record<string, string>;

  constructor(options: GitRepoOptions) {
    this.dir = options.dir;
    this.remote = options.remote ?? 'origin';
    this.token = options.token;
    this.redactor = options.redactor;
    this.log = options.log ?? (() => {});
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !DROPPED_ENV.test(k)) env[k] = v;
    env.GIT_TERMINAL_PROMPT = '0';
    env.LC_ALL = 'C';
    this.baseEnv = env;
  }

  private readonly instances = new Map<string, SimpleGit>();

  private git(extraEnv: Record<string, string> = {}): SimpleGit {
    const key = JSON.stringify(extraEnv);
    let instance = this.instances.get(key);
    if (!instance) this.instances.set(key, instance = this.create(extraEnv));
    return instance;
  }

  private create(extraEnv: Record<string, string>): SimpleGit {
    return simpleGit({
      baseDir: this.dir,
      // GIT_CONFIG_COUNT is how the token reaches git without argv or .git/config; SSH remotes
      // may need the user's own GIT_SSH_COMMAND.
      unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeSshCommand: true },
    }).env({ ...this.baseEnv, ...extraEnv });
  }

  /** The environment that authenticates one network command: an Authorization header, nothing on disk. */
  private authEnv(): Record<string, string> {
    if (!this.token) return {};
    const basic = Buffer.from(`x-access-token:${this.token}`, 'utf8').toString('base64');
    return {
      // An empty value first resets any extraHeader inherited from global or system config.
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.extraHeader',
      GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${basic}`,
    };
  }

  private async run(args: string[], env: Record<string, string> = {}): Promise<string> {
    try {
      return await this.git(env).raw(args);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // With prompts off, git reports a 401 as "could not read Username": say what happened.
      if (/could not read (Username|Password)|Authentication failed|requested URL returned error: 40[13]|terminal prompts disabled/i.test(message)) {
        const status = /returned error: (\d{3})/.exec(message)?.[1];
        throw this.redactor.error(new UserError(`the git remote ${await this.remoteUrlQuiet()} rejected the credentials${status ? ` (HTTP ${status})` : ' (HTTP 401)'} for git ${args[0]}${this.token ? '' : '; no token was given'}`, {
          hint: this.token ? 'check that the token is valid and may write contents to the repository' : 'set GITHUB_TOKEN (or configure a GitHub App) so git can authenticate',
        }));
      }
      throw this.redactor.error(err, `git ${args[0]} failed in ${this.dir}: `);
    }
  }

  /** The remote URL for a message (masked), or "origin" when it cannot be read. */
  private async remoteUrlQuiet(): Promise<string> {
    try { return this.redactor.redact((await this.git().raw(['remote', 'get-url', this.remote])).trim()); } catch { return this.remote; }
  }

  /** Fails clearly when repoDir is not a git checkout with the expected remote. */
  async check(): Promise<void> {
    let inside = '';
    try {
      inside = (await this.git().raw(['rev-parse', '--is-inside-work-tree'])).trim();
    } catch { /* reported below */ }
    if (inside !== 'true') throw new UserError(`${this.dir} is not a git checkout`, { hint: 'pass --repo-dir with a clone of your GitOps repository' });
    const remotes = (await this.run(['remote'])).split('\n').map(s => s.trim());
    if (!remotes.includes(this.remote)) throw new UserError(`${this.dir} has no git remote named "${this.remote}"`, { hint: 'clone the GitOps repository, or add the remote with `git remote add origin URL`' });
  }

  /** The remote's URL with any credentials in it masked (for messages only). */
  async remoteUrlForDisplay(): Promise<string> {
    return this.redactor.redact((await this.run(['remote', 'get-url', this.remote])).trim());
  }

  /** The sha of a branch on the remote, or undefined when it does not exist there. */
  async remoteBranchSha(branch: string): Promise<string | undefined> {
    const out = await this.run(['ls-remote', '--heads', this.remote, `refs/heads/${branch}`], this.authEnv());
    const line = out.split('\n').find(l => l.endsWith(`\trefs/heads/${branch}`));
    return line ? line.split('\t')[0] : undefined;
  }

  /** Fetches a remote branch into refs/remotes/<remote>/<branch>; returns its sha, or undefined when absent. */
  async fetchBranch(branch: string): Promise<string | undefined> {
    const sha = await this.remoteBranchSha(branch);
    if (!sha) return undefined;
    await this.run(['fetch', '--no-tags', '--quiet', this.remote, `+refs/heads/${branch}:refs/remotes/${this.remote}/${branch}`], this.authEnv());
    return sha;
  }

  async commitInfo(sha: string): Promise<CommitInfo> {
    const out = await this.run(['show', '-s', '--format=%H%n%T%n%P%n%an%n%ae%n%B', sha]);
    const [full, tree, parents, authorName, authorEmail, ...message] = out.split('\n');
    return { sha: full, tree, parents: parents ? parents.split(' ') : [], authorName, authorEmail, message: message.join('\n') };
  }

  /** Commits reachable from head and not from base. */
  async countCommits(base: string, head: string): Promise<number> {
    return Number((await this.run(['rev-list', '--count', `${base}..${head}`])).trim());
  }

  /** A file's bytes at a commit, or undefined when the commit has no such file. */
  async readBytes(commit: string, file: string): Promise<Buffer | undefined> {
    const exists = (await this.run(['ls-tree', '--name-only', commit, '--', file])).trim();
    if (exists !== file) return undefined;
    try {
      return await this.git().binaryCatFile(['blob', `${commit}:${file}`]);
    } catch (err) {
      throw this.redactor.error(err, `git cat-file failed in ${this.dir}: `);
    }
  }

  /**
   * Fetches a pull request's head: GitHub keeps it at refs/pull/N/head (also for a fork's pull
   * request); without that ref, the head branch. Returns its sha, or undefined.
   */
  async fetchPullHead(number: number, branch: string): Promise<string | undefined> {
    const ref = `refs/pull/${number}/head`;
    const out = await this.run(['ls-remote', this.remote, ref], this.authEnv());
    const sha = out.split('\n').find(l => l.endsWith(`\t${ref}`))?.split('\t')[0];
    if (!sha) return this.fetchBranch(branch);
    await this.run(['fetch', '--no-tags', '--quiet', this.remote, `+${ref}:refs/remotes/${this.remote}/pull/${number}`], this.authEnv());
    return sha;
  }

  /** The best common ancestor of two commits (where a pull request's own changes start). */
  async mergeBase(a: string, b: string): Promise<string> {
    return (await this.run(['merge-base', a, b])).trim();
  }

  /** Every file path in a commit's tree, from the repository's root. */
  async listFiles(commit: string): Promise<string[]> {
    return (await this.run(['ls-tree', '-r', '-z', '--full-name', '--full-tree', '--name-only', commit])).split('\0').filter(Boolean).sort();
  }

  /** Where the checkout's folder sits in the repository: `""` at the root, else e.g. `gitops/`. */
  async prefix(): Promise<string> {
    return (await this.run(['rev-parse', '--show-prefix'])).trim();
  }

  /**
   * Many files of one commit through one `git cat-file --batch` (a whole-repository read is one
   * process, not two per file). Files the commit does not have are absent from the map.
   */
  async readMany(commit: string, files: string[]): Promise<Map<string, Buffer>> {
    const wanted = files.filter(f => !/[\n\r]/.test(f));
    const out = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn('git', ['cat-file', '--batch'], { cwd: this.dir, env: this.baseEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let err = '';
      child.stdout.on('data', c => chunks.push(c));
      child.stderr.on('data', c => { err += c; });
      child.on('error', reject);
      child.on('close', code => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(this.redactor.error(new Error(`git cat-file failed in ${this.dir}: ${err.trim()}`)))));
      child.stdin.end(wanted.map(f => `${commit}:${f}\n`).join(''));
    });
    const result = new Map<string, Buffer>();
    let at = 0;
    for (const file of wanted) {
      const eol = out.indexOf(0x0a, at);
      if (eol < 0) break;
      const header = out.subarray(at, eol).toString('utf8');
      at = eol + 1;
      const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!m) continue; // "<object> missing" (or ambiguous): the commit has no such file
      const size = Number(m[2]);
      if (m[1] === 'blob') result.set(file, out.subarray(at, at + size));
      at += size + 1;
    }
    return result;
  }

  /** Paths that differ between two commits or trees. */
  async changedPaths(from: string, to: string): Promise<string[]> {
    const out = await this.run(['diff-tree', '-r', '--no-renames', '--name-only', '--no-commit-id', from, to]);
    return out.split('\n').filter(Boolean).sort();
  }

  /**
   * Three-way merge of one file's text: the plan changed `oldText` into `newText`, the base now
   * holds `current`. Returns the merged text, or undefined when the changes overlap.
   */
  async mergeText(current: string, oldText: string, newText: string): Promise<string | undefined> {
    const dir = await mkdtemp(path.join(tmpdir(), 'rightsizer-merge-'));
    try {
      const files = ['current', 'old', 'new'].map(n => path.join(dir, n));
      await Promise.all([writeFile(files[0], current), writeFile(files[1], oldText), writeFile(files[2], newText)]);
      let merged: string;
      try {
        // Exit status = number of conflicts; git reports them on stderr, which simple-git turns into a rejection.
        merged = await this.git().raw(['merge-file', '-p', '-L', 'current', '-L', 'planned-from', '-L', 'planned', ...files]);
      } catch {
        return undefined;
      }
      return /^(<{7}|>{7}) /m.test(merged) ? undefined : merged;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * One commit on top of `parent` whose tree is parent's tree with `files` replaced. Written
   * with a temporary index, so the checkout's own index and working tree are not touched.
   */
  async buildCommit(input: { parent: string; files: Record<string, string>; message: (tree: string) => string; author: GitIdentity; committer: GitIdentity; date: Date }): Promise<{ commit: string; tree: string }> {
    const dir = await mkdtemp(path.join(tmpdir(), 'rightsizer-index-'));
    try {
      const indexEnv = { GIT_INDEX_FILE: path.join(dir, 'index') };
      await this.run(['read-tree', input.parent], indexEnv);
      // One git call per step, whatever the number of files.
      const paths = Object.keys(input.files).sort();
      const tmps = paths.map((_, i) => path.join(dir, `blob-${i}`));
      await Promise.all(paths.map((p, i) => writeFile(tmps[i], input.files[p])));
      const blobs = (await this.run(['hash-object', '-w', '--no-filters', '--', ...tmps])).trim().split('\n');
      const modes = await this.fileModes(input.parent, paths);
      await this.run(['update-index', '--add', ...paths.flatMap((p, i) => ['--cacheinfo', `${modes.get(p) ?? '100644'},${blobs[i]},${p}`])], indexEnv);
      const tree = (await this.run(['write-tree'], indexEnv)).trim();
      const messageFile = path.join(dir, 'message');
      await writeFile(messageFile, input.message(tree));
      const date = input.date.toISOString();
      const commit = (await this.run(['commit-tree', tree, '-p', input.parent, '-F', messageFile], {
        GIT_AUTHOR_NAME: input.author.name, GIT_AUTHOR_EMAIL: input.author.email, GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: input.committer.name, GIT_COMMITTER_EMAIL: input.committer.email, GIT_COMMITTER_DATE: date,
      })).trim();
      return { commit, tree };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Modes of files at a commit (an executable YAML file stays executable). */
  async fileModes(commit: string, files: string[]): Promise<Map<string, string>> {
    const out = await this.run(['ls-tree', '-z', commit, '--', ...files]);
    const modes = new Map<string, string>();
    for (const entry of out.split('\0').filter(Boolean)) {
      const tab = entry.indexOf('\t');
      modes.set(entry.slice(tab + 1), entry.split(' ')[0]);
    }
    return modes;
  }

  /** The mode of a file at a commit; 100644 when new. */
  async fileMode(commit: string, file: string): Promise<string> {
    return (await this.fileModes(commit, [file])).get(file) ?? '100644';
  }

  /** Blob shas of files at a commit, for the GitHub git data API. */
  async blobSha(commit: string, file: string): Promise<string> {
    return (await this.run(['rev-parse', `${commit}:${file}`])).trim();
  }

  /**
   * Pushes `commit` to the remote branch, replacing it only if it still points at `expected`
   * (undefined: only if the branch does not exist yet). Never to any other ref.
   */
  async pushWithLease(commit: string, branch: string, expected: string | undefined): Promise<void> {
    this.log(`pushing ${commit.slice(0, 12)} to ${branch} (lease: ${expected ? expected.slice(0, 12) : 'new branch'})`);
    try {
      await this.git(this.authEnv()).raw([
        'push', '--porcelain', '--no-verify', `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`,
        this.remote, `${commit}:refs/heads/${branch}`,
      ]);
    } catch (err) {
      const rejection = pushRejection(branch, err instanceof Error ? err.message : String(err));
      throw rejection ? this.redactor.error(rejection) : this.redactor.error(err, `git push to ${branch} failed: `);
    }
    await this.run(['update-ref', `refs/remotes/${this.remote}/${branch}`, commit]);
  }
}
