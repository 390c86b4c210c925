// GitHub for the delivery stage, through octokit (retry and throttling plugins on). Small,
// plainly named operations on one repository; every failure becomes a one-line error that says
// what to check, with secrets masked.

import { createHash } from 'node:crypto';
import { App, Octokit, RequestError } from 'octokit';
import { UserError } from '../core/errors.ts';
import type { Redactor } from './redact.ts';

export interface GitHubTimings {
  /** Milliseconds waited per second GitHub asks for in retry-after (default 1000; tests use 1). */
  retryAfterBaseValue?: number;
  /**
   * Space writes out as GitHub recommends: at least a second between writes, two between
   * searches. Default: on for github.com (api.github.com and *.ghe.com), whose secondary rate
   * limits ask for it; off for other servers (GitHub Enterprise Server, a local replay), whose
   * limits are the administrator's and arrive as retry-after, which is honoured either way.
   */
  spaceWrites?: boolean;
  /** Retries after a rate limit, per request (default 2). */
  rateLimitRetries?: number;
  /** Longest wait for a rate limit, seconds (default 900); beyond it the run fails. */
  maxRateLimitWaitSeconds?: number;
}

export interface GitHubOptions {
  /** owner/name */
  repo: string;
  apiUrl?: string;
  token?: string;
  app?: { appId: string; privateKey: string };
  redactor: Redactor;
  log?: (line: string) => void;
  timings?: GitHubTimings;
}

export interface PullSummary {
  number: number;
  url: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
  headRef: string;
  headSha: string;
  closedAt?: string;
  mergedAt?: string;
  /** The branch it targets. */
  baseRef?: string;
  /** Login of whoever opened it. */
  author?: string;
}

/** An issue (never a pull request) as the dashboard needs it. */
export interface IssueSummary {
  number: number;
  url: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
}

export interface CommentSummary {
  id: number;
  body: string;
  url: string;
}

export const DEFAULT_API_URL = 'https://api.github.com';

/** A Bottleneck-shaped limiter that runs jobs at once (the throttle plugin's write/notification spacing, off). */
const immediate = {
  key: () => ({
    schedule: (...args: unknown[]) => {
      const [first, ...rest] = args;
      const [fn, ...fnArgs] = (typeof first === 'function' ? args : rest) as [(...a: unknown[]) => unknown, ...unknown[]];
      return Promise.resolve().then(() => fn(...fnArgs));
    },
  }),
};

type Client = InstanceType<typeof Octokit>;

/** github.com and GitHub Enterprise Cloud with data residency, whose secondary rate limits ask for spaced writes. */
export function isGitHubCloud(apiUrl: string): boolean {
  let host: string;
  try { host = new URL(apiUrl).hostname.toLowerCase(); } catch { return true; }
  return host === 'api.github.com' || host.endsWith('.ghe.com');
}

export function parseRepo(text: string): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9-_.]+)\/([A-Za-z0-9-_.]+)$/.exec(text.trim());
  if (!m) throw new UserError(`--github-repo must be OWNER/NAME (got "${text}")`, { exitCode: 2 });
  return { owner: m[1], repo: m[2] };
}

export class GitHubRepo {
  readonly owner: string;
  readonly repo: string;
  readonly apiUrl: string;
  private client?: Client;
  private installationToken?: string;
  private readonly options: GitHubOptions;
  private readonly log: (line: string) => void;

  constructor(options: GitHubOptions) {
    const { owner, repo } = parseRepo(options.repo);
    this.owner = owner;
    this.repo = repo;
    this.apiUrl = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
    this.options = options;
    this.log = options.log ?? (() => {});
    options.redactor.add(options.token);
    options.redactor.add(options.app?.privateKey);
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  /** octokit's defaults for this run: base URL, bounded rate-limit retries, quiet logs. */
  private octokitClass(): typeof Octokit {
    const t = this.options.timings ?? {};
    const retries = t.rateLimitRetries ?? 2;
    const maxWait = t.maxRateLimitWaitSeconds ?? 900;
    const redact = (s: string) => this.options.redactor.redact(s);
    const onLimit = (kind: string) => (retryAfter: number, opts: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const again = retryCount < retries && retryAfter <= maxWait;
      this.log(redact(`GitHub ${kind} on ${opts.method} ${opts.url}: ${again ? `retrying in ${retryAfter}s (${retryCount + 1}/${retries})` : 'giving up'}`));
      return again;
    };
    const base = t.retryAfterBaseValue ?? 1000;
    return Octokit.defaults({
      baseUrl: this.apiUrl,
      userAgent: 'rightsizer',
      throttle: {
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
        retryAfterBaseValue: base,
        fallbackSecondaryRateRetryAfter: 60,
        ...((t.spaceWrites ?? isGitHubCloud(this.apiUrl)) ? {} : { write: immediate, notifications: immediate, search: immediate }),
      },
      // 429 is the throttling plugin's (it honours retry-after); the retry plugin takes server errors.
      retry: { retryAfterBaseValue: base, retries: 2, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      log: { debug: () => {}, info: () => {}, warn: (m: string) => this.log(redact(m)), error: (m: string) => this.log(redact(m)) },
    }) as typeof Octokit;
  }

  /** The authenticated client: a token, or a GitHub App's installation token for this repository. */
  async octokit(): Promise<Client> {
    if (this.client) return this.client;
    const Kit = this.octokitClass();
    if (this.options.token) {
      this.client = new Kit({ auth: this.options.token });
    } else if (this.options.app) {
      const app = new App({ appId: this.options.app.appId, privateKey: this.options.app.privateKey, Octokit: Kit as any });
      let installationId: number;
      try {
        const { data } = await app.octokit.request('GET /repos/{owner}/{repo}/installation', { owner: this.owner, repo: this.repo });
        installationId = data.id;
      } catch (err) {
        throw this.failure(err, 'find the GitHub App installation for');
      }
      const installation = await app.getInstallationOctokit(installationId);
      const auth = await installation.auth({ type: 'installation' }) as { token: string };
      this.installationToken = this.options.redactor.add(auth.token);
      this.client = new Kit({ auth: auth.token });
    } else {
      throw new UserError('no GitHub credentials: set GITHUB_TOKEN, or configure a GitHub App (app id and private key)', { exitCode: 2 });
    }
    return this.client;
  }

  /** The token git pushes with (the installation token for a GitHub App). */
  async gitToken(): Promise<string | undefined> {
    await this.octokit();
    return this.options.token ?? this.installationToken;
  }

  /** A clear, redacted error for a failed call. */
  failure(err: unknown, what: string): Error {
    const redactor = this.options.redactor;
    if (err instanceof RequestError || (err && typeof err === 'object' && 'status' in err)) {
      const status = (err as RequestError).status;
      const message = String((err as { message?: unknown }).message ?? '');
      const where = `${this.fullName} at ${this.apiUrl}`;
      // Octokit reports a request that never got an answer (refused, DNS, TLS) as status 500 without a response.
      if (!(err as { response?: unknown }).response) {
        let code: string | undefined;
        for (let c: unknown = err, depth = 0; c && typeof c === 'object' && depth < 6 && !code; c = (c as { cause?: unknown }).cause, depth++) {
          const k = (c as { code?: unknown }).code;
          const m = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(String((c as { message?: unknown }).message ?? ''));
          code = typeof k === 'string' && k ? k : m?.[1];
        }
        code ??= 'no answer';
        return redactor.error(new UserError(`GitHub at ${this.apiUrl} could not be reached to ${what} ${this.fullName} (${code}); no HTTP answer came back`, {
          hint: 'check --github-api-url (or GITHUB_API_URL) and the network or proxy between here and GitHub',
        }));
      }
      if (status === 404) {
        return redactor.error(new UserError(`GitHub could not ${what} ${where}: not found (HTTP 404)`, {
          hint: 'check --github-repo (OWNER/NAME) and that the token or GitHub App can access that repository',
        }));
      }
      if (status === 401) {
        return redactor.error(new UserError(`GitHub rejected the credentials while trying to ${what} ${where} (HTTP 401)`, { hint: 'check GITHUB_TOKEN (expired or revoked?) or the GitHub App id and key' }));
      }
      if (status === 403 && !/rate limit/i.test(message)) {
        return redactor.error(new UserError(`GitHub refused to ${what} ${where} (HTTP 403): ${message}`, { hint: 'the token needs contents: write and pull-requests: write on the repository (and issues: write for the dashboard issue)' }));
      }
      return redactor.error(new UserError(`GitHub could not ${what} ${where} (HTTP ${status}): ${message}`));
    }
    return redactor.error(err, `GitHub could not ${what} ${this.fullName}: `);
  }

  private async call<T>(what: string, fn: (kit: Client) => Promise<T>): Promise<T> {
    const kit = await this.octokit();
    try {
      return await fn(kit);
    } catch (err) {
      throw this.failure(err, what);
    }
  }

  async getRepository(): Promise<{ defaultBranch: string }> {
    return this.call('read the repository', async kit => {
      const { data } = await kit.rest.repos.get({ owner: this.owner, repo: this.repo });
      return { defaultBranch: data.default_branch };
    });
  }

  private summary(pr: any): PullSummary {
    return {
      number: pr.number,
      url: pr.html_url,
      title: pr.title ?? '',
      body: pr.body ?? '',
      draft: Boolean(pr.draft),
      state: pr.state,
      headRef: pr.head?.ref ?? '',
      headSha: pr.head?.sha ?? '',
      ...(pr.closed_at ? { closedAt: pr.closed_at } : {}),
      ...(pr.merged_at ? { mergedAt: pr.merged_at } : {}),
      ...(pr.base?.ref ? { baseRef: pr.base.ref } : {}),
      ...(pr.user?.login ? { author: pr.user.login } : {}),
    };
  }

  private issueSummary(issue: any): IssueSummary {
    return {
      number: issue.number, url: issue.html_url, title: issue.title ?? '', body: issue.body ?? '', state: issue.state,
      labels: (issue.labels ?? []).map((l: string | { name?: string }) => (typeof l === 'string' ? l : l.name ?? '')),
    };
  }

  async getPull(number: number): Promise<PullSummary> {
    return this.call(`read pull request #${number} of`, async kit => this.summary((await kit.rest.pulls.get({ owner: this.owner, repo: this.repo, pull_number: number })).data));
  }

  /** Pull requests from one branch of this repository, newest first. */
  async pullsForBranch(branch: string, state: 'open' | 'closed'): Promise<PullSummary[]> {
    return this.call('list pull requests of', async kit => {
      const { data } = await kit.rest.pulls.list({
        owner: this.owner, repo: this.repo, state, head: `${this.owner}:${branch}`, sort: 'created', direction: 'desc', per_page: 30,
      });
      return data.map(pr => this.summary(pr)).filter(pr => pr.headRef === branch);
    });
  }

  async findOpenPull(branch: string): Promise<PullSummary | undefined> {
    return (await this.pullsForBranch(branch, 'open'))[0];
  }

  /** Open pull requests whose branch starts with the bot's prefix. */
  async openBotPulls(branchPrefix: string): Promise<PullSummary[]> {
    return this.call('list pull requests of', async kit => {
      const all = await kit.paginate(kit.rest.pulls.list, { owner: this.owner, repo: this.repo, state: 'open', per_page: 100 });
      return all.filter(pr => pr.head?.ref?.startsWith(branchPrefix)).map(pr => this.summary(pr));
    });
  }

  async countOpenBotPulls(branchPrefix: string): Promise<number> {
    return (await this.openBotPulls(branchPrefix)).length;
  }

  // -------------------------------------------------------------------------
  // Issues: the dashboard.

  /** Issues (not pull requests), open or closed, that carry a label; the list is consistent, unlike search. */
  async issuesWithLabel(label: string): Promise<IssueSummary[]> {
    return this.call('list issues of', async kit => {
      const all = await kit.paginate(kit.rest.issues.listForRepo, { owner: this.owner, repo: this.repo, labels: label, state: 'all', per_page: 100 });
      return all.filter(i => !i.pull_request).map(i => this.issueSummary(i));
    });
  }

  /** Issues (not pull requests) of this repository matching a search (the first 30; search lags a little behind writes). */
  async searchIssues(terms: string): Promise<IssueSummary[]> {
    return this.call('search the issues of', async kit => {
      const { data } = await kit.request('GET /search/issues', { q: `repo:${this.owner}/${this.repo} is:issue ${terms}`, per_page: 30 });
      return data.items.filter(i => !i.pull_request).map(i => this.issueSummary(i));
    });
  }

  async createIssue(input: { title: string; body: string; labels: string[] }): Promise<IssueSummary> {
    return this.call('open an issue on', async kit => this.issueSummary((await kit.rest.issues.create({ owner: this.owner, repo: this.repo, ...input })).data));
  }

  async updateIssue(number: number, fields: { title?: string; body?: string; state?: 'open' | 'closed'; labels?: string[] }): Promise<IssueSummary> {
    return this.call(`update issue #${number} of`, async kit => this.issueSummary((await kit.rest.issues.update({ owner: this.owner, repo: this.repo, issue_number: number, ...fields })).data));
  }

  /**
   * Merged pull requests of the bot (branch under its prefix, or carrying one of its labels, as
   * Renovate finds its own), merged at or after `since`, newest first. Pages through closed pull
   * requests by last update and stops at the first page older than `since`.
   */
  async mergedBotPulls(branchPrefix: string, labels: string[], since: Date): Promise<PullSummary[]> {
    return this.call('list merged pull requests of', async kit => {
      const out: PullSummary[] = [];
      const sinceMs = since.getTime();
      for await (const { data } of kit.paginate.iterator(kit.rest.pulls.list, { owner: this.owner, repo: this.repo, state: 'closed', sort: 'updated', direction: 'desc', per_page: 100 })) {
        for (const pr of data) {
          if (!pr.merged_at || Date.parse(pr.merged_at) < sinceMs) continue;
          const labelled = (pr.labels ?? []).some(l => labels.includes(typeof l === 'string' ? l : l.name ?? ''));
          if (pr.head?.ref?.startsWith(branchPrefix) || labelled) out.push(this.summary(pr));
        }
        const oldest = data.at(-1)?.updated_at;
        if (data.length === 0 || (oldest && Date.parse(oldest) < sinceMs)) break;
      }
      return out.sort((a, b) => Date.parse(b.mergedAt!) - Date.parse(a.mergedAt!) || b.number - a.number);
    });
  }

  /**
   * Opens a pull request. When GitHub answers 422 "A pull request already exists" (another run
   * won the race), the existing one is returned instead.
   */
  async createPull(input: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<{ pull: PullSummary; existed: boolean }> {
    const kit = await this.octokit();
    try {
      const { data } = await kit.rest.pulls.create({ owner: this.owner, repo: this.repo, ...input });
      return { pull: this.summary(data), existed: false };
    } catch (err) {
      if (err instanceof RequestError && err.status === 422 && /already exists/i.test(JSON.stringify((err.response?.data as object) ?? {}) + err.message)) {
        const existing = await this.findOpenPull(input.head);
        if (existing) return { pull: existing, existed: true };
      }
      throw this.failure(err, `open a pull request from ${input.head} on`);
    }
  }

  async updatePull(number: number, fields: { title?: string; body?: string }): Promise<PullSummary> {
    return this.call(`update pull request #${number} of`, async kit => {
      const { data } = await kit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: number, ...fields });
      return this.summary(data);
    });
  }

  async addLabels(number: number, labels: string[]): Promise<void> {
    if (labels.length === 0) return;
    await this.call(`label pull request #${number} of`, kit => kit.rest.issues.addLabels({ owner: this.owner, repo: this.repo, issue_number: number, labels }));
  }

  async addAssignees(number: number, assignees: string[]): Promise<void> {
    if (assignees.length === 0) return;
    await this.call(`assign pull request #${number} of`, kit => kit.rest.issues.addAssignees({ owner: this.owner, repo: this.repo, issue_number: number, assignees }));
  }

  /** `alice` asks a user; `org/team` or `@org/team` asks a team (by slug). */
  async requestReviewers(number: number, reviewers: string[]): Promise<void> {
    const users: string[] = [];
    const teams: string[] = [];
    for (const r of reviewers.map(r => r.replace(/^@/, ''))) {
      if (r.includes('/')) teams.push(r.split('/').pop()!);
      else users.push(r);
    }
    if (users.length === 0 && teams.length === 0) return;
    await this.call(`request reviewers on pull request #${number} of`, kit => kit.rest.pulls.requestReviewers({
      owner: this.owner, repo: this.repo, pull_number: number,
      ...(users.length ? { reviewers: users } : {}), ...(teams.length ? { team_reviewers: teams } : {}),
    }));
  }

  async comments(number: number): Promise<CommentSummary[]> {
    return this.call(`read comments of pull request #${number} of`, async kit => {
      const all = await kit.paginate(kit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: number, per_page: 100 });
      return all.map(c => ({ id: Number(c.id), body: c.body ?? '', url: c.html_url }));
    });
  }

  async commentBodies(number: number): Promise<string[]> {
    return (await this.comments(number)).map(c => c.body);
  }

  async updateComment(id: number, body: string): Promise<{ id: number; url: string }> {
    return this.call(`update comment ${id} of`, async kit => {
      const { data } = await kit.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: id, body });
      return { id: Number(data.id), url: data.html_url };
    });
  }

  async comment(number: number, body: string): Promise<{ id: number; url: string }> {
    return this.call(`comment on pull request #${number} of`, async kit => {
      const { data } = await kit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: number, body });
      return { id: Number(data.id), url: data.html_url };
    });
  }

  // -------------------------------------------------------------------------
  // Git data API: commits created here are signed by GitHub.

  async createBlob(content: string): Promise<string> {
    return this.call('upload a file to', async kit => (await kit.rest.git.createBlob({ owner: this.owner, repo: this.repo, content: Buffer.from(content, 'utf8').toString('base64'), encoding: 'base64' })).data.sha);
  }

  async createTree(baseTree: string, files: Array<{ path: string; mode: string; sha: string }>): Promise<string> {
    return this.call('write a tree to', async kit => (await kit.rest.git.createTree({
      owner: this.owner, repo: this.repo, base_tree: baseTree,
      tree: files.map(f => ({ path: f.path, mode: f.mode as '100644', type: 'blob' as const, sha: f.sha })),
    })).data.sha);
  }

  async createCommit(input: { message: string; tree: string; parent: string; author: { name: string; email: string; date: string } }): Promise<string> {
    return this.call('create a commit in', async kit => (await kit.rest.git.createCommit({
      owner: this.owner, repo: this.repo, message: input.message, tree: input.tree, parents: [input.parent], author: input.author,
    })).data.sha);
  }

  async branchSha(branch: string): Promise<string | undefined> {
    const kit = await this.octokit();
    try {
      const { data } = await kit.rest.git.getRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}` });
      return data.object.sha;
    } catch (err) {
      if (err instanceof RequestError && err.status === 404) return undefined;
      throw this.failure(err, `read branch ${branch} of`);
    }
  }

  /**
   * Points the branch at `sha` if it still points at `expected` (undefined: does not exist).
   * The API has no compare-and-swap, so the check is a read just before the write.
   */
  async setBranch(branch: string, sha: string, expected: string | undefined): Promise<void> {
    const current = await this.branchSha(branch);
    if (current !== expected) {
      throw new UserError(`the branch ${branch} changed on GitHub while rightsizer was working; nothing was overwritten`, { hint: 'run again' });
    }
    await this.call(`move branch ${branch} of`, async kit => {
      if (expected === undefined) await kit.rest.git.createRef({ owner: this.owner, repo: this.repo, ref: `refs/heads/${branch}`, sha });
      else await kit.rest.git.updateRef({ owner: this.owner, repo: this.repo, ref: `heads/${branch}`, sha, force: true });
    });
  }
}

// ---------------------------------------------------------------------------
// The hidden marker in the PR body.

export interface BodyMarker {
  group: string;
  digest: string;
  /** sha256 of the title and body text the bot last wrote; tells a human edit from the bot's. */
  written?: string;
  /** The PR's Slack message, so a later run edits it instead of posting again. */
  slack?: { channel: string; ts: string };
}

const MARKER = /<!-- rightsizer:group=(\S+) digest=([0-9a-f]{64})(?: written=([0-9a-f]{64}))?(?: slack=([A-Za-z0-9_-]+)\/([0-9.]+))? -->/;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function markerLine(m: BodyMarker): string {
  return `<!-- rightsizer:group=${encodeURIComponent(m.group)} digest=${m.digest}${m.written ? ` written=${m.written}` : ''}${m.slack ? ` slack=${m.slack.channel}/${m.slack.ts}` : ''} -->`;
}

/** The text a PR body carries: the rendered body, then the marker on its own last line. */
export function bodyWithMarker(body: string, title: string, group: string, digest: string, slack?: BodyMarker['slack']): string {
  const written = sha256(`${title}\n${body.trimEnd()}`);
  return `${body.trimEnd()}\n\n${markerLine({ group, digest, written, ...(slack ? { slack } : {}) })}\n`;
}

export function readMarker(body: string): BodyMarker | undefined {
  const m = MARKER.exec(body);
  if (!m) return undefined;
  return { group: decodeURIComponent(m[1]), digest: m[2], ...(m[3] ? { written: m[3] } : {}), ...(m[4] && m[5] ? { slack: { channel: m[4], ts: m[5] } } : {}) };
}

/** The same body with the Slack message recorded in its marker; nothing else changes (a person's edits stay). */
export function bodyWithSlackRef(body: string, slack: { channel: string; ts: string }): string | undefined {
  const marker = readMarker(body);
  if (!marker || !/^[A-Za-z0-9_-]+$/.test(slack.channel) || !/^[0-9.]+$/.test(slack.ts)) return undefined;
  return body.replace(MARKER, markerLine({ ...marker, slack }));
}

/** The body without the marker line, as the bot wrote it (to tell whether a human edited it). */
export function bodyWithoutMarker(body: string): string {
  return body.replace(/\r\n/g, '\n').replace(/\n*<!-- rightsizer:group=[^\n]*-->\n?/, '').trimEnd();
}

/** True when the title or body differ from what the bot last wrote. */
export function editedByHuman(pull: PullSummary): boolean {
  const marker = readMarker(pull.body);
  if (!marker?.written) return false;
  return sha256(`${pull.title}\n${bodyWithoutMarker(pull.body)}`) !== marker.written;
}
