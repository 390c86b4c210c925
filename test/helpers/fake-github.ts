// A local HTTP server that plays GitHub for the delivery tests, strictly: every request is
// checked against GitHub's own OpenAPI description (the committed subset in
// test/fixtures/github-openapi-subset.json): the path and method must be a documented
// operation, and path parameters, query parameters and the JSON body must match its schemas.
// Anything else is answered 400/404 and recorded in `violations`, which tests assert empty.
//
// The git data API (blobs, trees, commits, refs) and pull request head shas are served from a
// real bare repository, the same one the bot pushes to over file://.
//
// Issues and pull requests share one numbering, as on GitHub; the issue list includes pull
// requests (with a `pull_request` key), and search understands the few qualifiers rightsizer
// sends (anything else is a violation, so a new query must be taught here first).

import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { branchCommit } from './git-fixture.ts';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const SUBSET = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/github-openapi-subset.json');

export interface RecordedRequest {
  method: string;
  path: string;
  operationId?: string;
  query: Record<string, string>;
  body?: unknown;
  authorization?: string;
}

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  merged_at: string | null;
  closed_at: string | null;
  created_at: string;
  labels: string[];
  assignees: string[];
  reviewers: string[];
  teamReviewers: string[];
  /** Who opened it (default the bot). */
  author?: string;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  created_at: string;
  author: string;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  /** Times the comment was edited (PATCH). */
  edits: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface FakeGitHubOptions {
  /** owner/name of the one repository this GitHub has. */
  repo: string;
  /** The bare repository behind it (the bot's `origin`). */
  bareDir: string;
  /** Accepted token (`Authorization: token …` or `Bearer …`). */
  token?: string;
  /** A GitHub App: JWTs signed with this key's private half are accepted. */
  app?: { appId: string; publicKeyPem: string };
  /** Path prefix of the API, e.g. `/api/v3` as on GitHub Enterprise Server. */
  prefix?: string;
}

interface Operation {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  operationId: string;
  params: Array<{ name: string; in: string; required: boolean; validate: ValidateFunction }>;
  body?: { required: boolean; validate: ValidateFunction };
}

/**
 * Makes GitHub's OpenAPI 3.0 schemas JSON Schema ajv takes: `$ref`s point into the `github`
 * schema, and `nullable: true` beside `oneOf` (no `type`) becomes "one of those, or null".
 */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\//, 'github#/') : rewriteRefs(v);
    if (out.nullable === true && out.type === undefined) {
      const { nullable: _nullable, description, ...rest } = out;
      return { ...(description !== undefined ? { description } : {}), anyOf: [rest, { type: 'null' }] };
    }
    return out;
  }
  return node;
}

let operations: Operation[] | undefined;

/** Compiled once per process: ajv compilation is the slow part of starting the fake. */
function loadOperations(): Operation[] {
  if (operations) return operations;
  const spec = JSON.parse(readFileSync(SUBSET, 'utf8'));
  const ajvFor = (coerce: boolean) => {
    const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: coerce, validateFormats: true });
    addFormats(ajv);
    ajv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/);
    ajv.addSchema(rewriteRefs({ components: spec.components }) as object, 'github');
    return ajv;
  };
  const ajvParams = ajvFor(true);
  const ajvBody = ajvFor(false);
  const resolve = (p: any) => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()] : p);
  const ops: Operation[] = [];
  for (const [template, methods] of Object.entries<any>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params = (op.parameters ?? []).map(resolve);
      const multi = new Set(params.filter((p: any) => p.in === 'path' && p['x-multi-segment']).map((p: any) => p.name));
      const names: string[] = [];
      const regex = new RegExp(`^${template.split('/').map(seg => {
        const m = /^\{(.+)\}$/.exec(seg);
        if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        return multi.has(m[1]) ? '(.+)' : '([^/]+)';
      }).join('/')}$`);
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(), template, regex, names, operationId: op.operationId,
        params: params.map((p: any) => ({ name: p.name, in: p.in, required: Boolean(p.required), validate: ajvParams.compile(rewriteRefs(p.schema ?? {}) as object) })),
        ...(bodySchema ? { body: { required: Boolean(op.requestBody.required), validate: ajvBody.compile(rewriteRefs(bodySchema) as object) } } : {}),
      });
    }
  }
  operations = ops;
  return ops;
}

function git(dir: string, args: string[], input?: string, env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd: dir, input, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

/** The whole body of a request to a local test server, as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class FakeGitHub {
  readonly options: FakeGitHubOptions;
  readonly owner: string;
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly pulls: FakePull[] = [];
  readonly comments: FakeComment[] = [];
  readonly issues: FakeIssue[] = [];
  /** Commits created through the git data API (GitHub would sign them). */
  readonly signedCommits = new Set<string>();
  /** Consulted before the normal handling; return a Reply to answer instead (rate limits, races). */
  intercept?: (req: RecordedRequest) => Reply | undefined;
  url = '';
  private server?: Server;
  private readonly ops = loadOperations();
  private installationToken?: string;
  private now = () => new Date().toISOString();

  constructor(options: FakeGitHubOptions) {
    this.options = options;
    [this.owner, this.name] = options.repo.split('/');
  }

  /** The API base URL to give octokit (with the GHES-style prefix, if any). */
  get apiUrl(): string {
    return `${this.url}${this.options.prefix ?? ''}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => { this.handle(req, res).catch(err => this.send(res, { status: 500, body: { message: String(err?.stack ?? err) } })); });
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>(resolve => this.server ? this.server.close(() => resolve()) : resolve());
  }

  /** Requests to one operation, e.g. `pulls/create`. */
  calls(operationId: string): RecordedRequest[] {
    return this.requests.filter(r => r.operationId === operationId);
  }

  openPulls(): FakePull[] {
    return this.pulls.filter(p => p.state === 'open');
  }

  /** What a person does in the web UI. */
  closePull(number: number, options: { merged?: boolean; closedAt?: string } = {}): void {
    const pr = this.pulls.find(p => p.number === number)!;
    pr.state = 'closed';
    pr.closed_at = options.closedAt ?? this.now();
    pr.merged_at = options.merged ? pr.closed_at : null;
  }

  editPull(number: number, fields: { title?: string; body?: string }): void {
    Object.assign(this.pulls.find(p => p.number === number)!, fields);
  }

  /** A person edits an issue in the web UI (ticks a checkbox, removes a label, closes it). */
  editIssue(number: number, fields: Partial<Pick<FakeIssue, 'title' | 'body' | 'state' | 'labels'>>): void {
    Object.assign(this.issues.find(i => i.number === number)!, fields);
  }

  /** A person opens a pull request from a branch already pushed to the bare repository. */
  openHumanPull(input: { head: string; base: string; title: string; body?: string; author?: string }): FakePull {
    const pr: FakePull = {
      number: this.nextNumber(), title: input.title, body: input.body ?? '', head: input.head, base: input.base, state: 'open', draft: false,
      merged_at: null, closed_at: null, created_at: this.now(), labels: [], assignees: [], reviewers: [], teamReviewers: [], author: input.author ?? 'dana',
    };
    this.pulls.push(pr);
    return pr;
  }

  /** Issues and pull requests share one sequence of numbers. */
  private nextNumber(): number {
    return Math.max(0, ...this.pulls.map(p => p.number), ...this.issues.map(i => i.number)) + 1;
  }

  private send(res: ServerResponse, reply: Reply): void {
    const headers = { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28', ...(reply.headers ?? {}) };
    res.writeHead(reply.status, headers);
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  }

  private violation(res: ServerResponse, status: number, text: string): void {
    this.violations.push(text);
    this.send(res, { status, body: { message: text, documentation_url: 'https://docs.github.com/rest' } });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const prefix = this.options.prefix ?? '';
    const method = (req.method ?? 'GET').toUpperCase();
    const text = await readBody(req);
    const query = Object.fromEntries(url.searchParams);
    const recorded: RecordedRequest = { method, path: url.pathname, query, authorization: req.headers.authorization };
    this.requests.push(recorded);

    if (!url.pathname.startsWith(prefix)) return this.violation(res, 404, `${method} ${url.pathname}: outside the API prefix ${prefix}`);
    const apiPath = url.pathname.slice(prefix.length) || '/';

    // 1. A documented operation?
    let op: Operation | undefined;
    let match: RegExpExecArray | null = null;
    for (const candidate of this.ops) {
      if (candidate.method !== method) continue;
      match = candidate.regex.exec(apiPath);
      if (match) { op = candidate; break; }
    }
    if (!op || !match) return this.violation(res, 404, `${method} ${apiPath} is not an operation of GitHub's REST API subset`);
    recorded.operationId = op.operationId;

    // 2. Parameters.
    const pathParams: Record<string, string> = {};
    op.names.forEach((n, i) => { pathParams[n] = decodeURIComponent(match![i + 1]); });
    const problems: string[] = [];
    const known = new Set(op.params.filter(p => p.in === 'query').map(p => p.name));
    for (const k of Object.keys(query)) if (!known.has(k)) problems.push(`unknown query parameter "${k}"`);
    const coerced: Record<string, unknown> = {};
    for (const p of op.params) {
      const raw = p.in === 'path' ? pathParams[p.name] : p.in === 'query' ? query[p.name] : undefined;
      if (p.in !== 'path' && p.in !== 'query') continue;
      if (raw === undefined) { if (p.required) problems.push(`missing ${p.in} parameter "${p.name}"`); continue; }
      const holder = { v: raw as unknown };
      // Validate through a holder so coerceTypes can convert in place.
      const ok = p.validate(holder.v);
      if (!ok) problems.push(`${p.in} parameter "${p.name}"=${JSON.stringify(raw)}: ${p.validate.errors?.map(e => `${e.instancePath} ${e.message}`).join('; ')}`);
      coerced[p.name] = raw;
    }

    // 3. Body.
    let body: any;
    if (text) {
      if (!/application\/json/.test(req.headers['content-type'] ?? '')) problems.push(`body sent as ${req.headers['content-type']}, not JSON`);
      try { body = JSON.parse(text); } catch { problems.push('body is not JSON'); }
      recorded.body = body;
    }
    if (op.body) {
      if (body === undefined) { if (op.body.required) problems.push('missing JSON body'); }
      else if (!op.body.validate(body)) problems.push(`body: ${op.body.validate.errors?.map(e => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ')}`);
    } else if (body !== undefined && method !== 'GET') {
      problems.push('a body where the operation takes none');
    }
    if (problems.length) return this.violation(res, 400, `${method} ${apiPath} (${op.operationId}): ${problems.join('; ')}`);

    // 4. Authentication.
    const auth = req.headers.authorization ?? '';
    const bearer = /^(?:token|bearer)\s+(.+)$/i.exec(auth)?.[1];
    const isAppRoute = op.operationId === 'apps/get-repo-installation' || op.operationId === 'apps/create-installation-access-token';
    if (isAppRoute) {
      if (!bearer || !this.verifyJwt(bearer)) return this.send(res, { status: 401, body: { message: 'A JSON web token could not be decoded' } });
    } else if (!bearer || (bearer !== this.options.token && bearer !== this.installationToken)) {
      return this.send(res, { status: 401, body: { message: 'Bad credentials' } });
    }

    // 5. Injected answers (rate limits, races), then the behaviour.
    const injected = this.intercept?.(recorded);
    if (injected) return this.send(res, injected);
    if (pathParams.owner !== undefined && (pathParams.owner !== this.owner || pathParams.repo !== this.name)) {
      return this.send(res, { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } });
    }
    this.send(res, this.behave(op.operationId, pathParams, coerced, body));
  }

  private verifyJwt(jwt: string): boolean {
    if (!this.options.app) return false;
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return false;
    const ok = verifySignature('RSA-SHA256', Buffer.from(`${h}.${p}`), createPublicKey(this.options.app.publicKeyPem), Buffer.from(s, 'base64url'));
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    return ok && String(payload.iss) === this.options.app.appId;
  }

  /** A branch's commit, read from the bare repository's ref files (a git process per PR in every listing made the tests slow). */
  private headSha(ref: string): string | undefined {
    return branchCommit(this.options.bareDir, ref);
  }

  private pullJson(pr: FakePull): object {
    const repo = { full_name: `${this.owner}/${this.name}`, name: this.name, owner: { login: this.owner } };
    return {
      number: pr.number, id: 1000 + pr.number, node_id: `PR_${pr.number}`, state: pr.state, title: pr.title, body: pr.body, draft: pr.draft,
      html_url: `${this.url}/${this.owner}/${this.name}/pull/${pr.number}`,
      url: `${this.apiUrl}/repos/${this.owner}/${this.name}/pulls/${pr.number}`,
      head: { ref: pr.head, sha: this.headSha(pr.head) ?? '0'.repeat(40), label: `${this.owner}:${pr.head}`, repo },
      base: { ref: pr.base, sha: this.headSha(pr.base) ?? '0'.repeat(40), label: `${this.owner}:${pr.base}`, repo },
      merged_at: pr.merged_at, closed_at: pr.closed_at, created_at: pr.created_at, updated_at: pr.created_at,
      labels: pr.labels.map(name => ({ name })), assignees: pr.assignees.map(login => ({ login })),
      requested_reviewers: pr.reviewers.map(login => ({ login })), requested_teams: pr.teamReviewers.map(slug => ({ slug })),
      user: { login: pr.author ?? 'rightsizer[bot]' },
    };
  }

  private commentJson(c: FakeComment): object {
    return { id: c.id, body: c.body, html_url: `${this.url}/${this.owner}/${this.name}/pull/${c.issue}#issuecomment-${c.id}`, user: { login: 'rightsizer[bot]' } };
  }

  private issueJson(issue: FakeIssue): object {
    return {
      number: issue.number, id: 5000 + issue.number, node_id: `I_${issue.number}`, state: issue.state, title: issue.title, body: issue.body,
      html_url: `${this.url}/${this.owner}/${this.name}/issues/${issue.number}`,
      url: `${this.apiUrl}/repos/${this.owner}/${this.name}/issues/${issue.number}`,
      labels: issue.labels.map(name => ({ name })), created_at: issue.created_at, updated_at: issue.created_at, user: { login: issue.author },
    };
  }

  /** A pull request as the issues API and search show it. */
  private pullAsIssueJson(pr: FakePull): object {
    const html = `${this.url}/${this.owner}/${this.name}/pull/${pr.number}`;
    return {
      number: pr.number, id: 1000 + pr.number, node_id: `PR_${pr.number}`, state: pr.state, title: pr.title, body: pr.body,
      html_url: html, url: `${this.apiUrl}/repos/${this.owner}/${this.name}/issues/${pr.number}`,
      labels: pr.labels.map(name => ({ name })), created_at: pr.created_at, updated_at: pr.created_at, closed_at: pr.closed_at,
      user: { login: pr.author ?? 'rightsizer[bot]' },
      pull_request: { url: `${this.apiUrl}/repos/${this.owner}/${this.name}/pulls/${pr.number}`, html_url: html, merged_at: pr.merged_at },
    };
  }

  /** One page of a list, with GitHub's `link: <…>; rel="next"` header when more follow. */
  private page(items: object[], query: Record<string, unknown>, apiPath: string): Reply {
    const perPage = Number(query.per_page ?? 30);
    const page = Number(query.page ?? 1);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(`${this.apiUrl}${apiPath}`);
      for (const [k, v] of Object.entries(query)) next.searchParams.set(k, String(v));
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next}>; rel="next"`;
    }
    return { status: 200, headers, body: items.slice((page - 1) * perPage, page * perPage) };
  }

  /**
   * GitHub's issue search, for the qualifiers rightsizer uses: repo:, is:issue|pr|open|closed|
   * merged|unmerged, label:, in:title|body and quoted or bare words (all must appear).
   */
  private search(q: string): Reply {
    const tokens = q.match(/(?:[a-z]+:)?"[^"]*"|\S+/g) ?? [];
    let repoOk = false;
    const filters: Array<(item: { kind: 'issue' | 'pr'; state: string; merged: boolean; labels: string[]; title: string; body: string }) => boolean> = [];
    const words: string[] = [];
    let where: 'title' | 'body' | 'both' = 'both';
    for (const token of tokens) {
      const m = /^([a-z]+):(.*)$/.exec(token);
      const value = m ? m[2].replace(/^"|"$/g, '') : token.replace(/^"|"$/g, '');
      if (!m) { words.push(value.toLowerCase()); continue; }
      switch (m[1]) {
        case 'repo': repoOk = value === `${this.owner}/${this.name}`; break;
        case 'is':
          if (value === 'issue' || value === 'pr') filters.push(i => i.kind === value);
          else if (value === 'open' || value === 'closed') filters.push(i => i.state === value);
          else if (value === 'merged' || value === 'unmerged') filters.push(i => i.kind === 'pr' && i.merged === (value === 'merged'));
          else return { status: 422, body: { message: `fake GitHub search does not know is:${value}` } };
          break;
        case 'label': filters.push(i => i.labels.includes(value)); break;
        case 'in':
          if (value !== 'title' && value !== 'body') return { status: 422, body: { message: `fake GitHub search does not know in:${value}` } };
          where = value;
          break;
        default:
          return { status: 422, body: { message: `fake GitHub search does not know the qualifier ${m[1]}:` } };
      }
    }
    if (!repoOk) return { status: 422, body: { message: 'fake GitHub search needs repo:OWNER/NAME of its one repository' } };
    const all = [
      ...this.issues.map(i => ({ kind: 'issue' as const, state: i.state, merged: false, labels: i.labels, title: i.title, body: i.body, json: this.issueJson(i), number: i.number })),
      ...this.pulls.map(p => ({ kind: 'pr' as const, state: p.state, merged: p.merged_at !== null, labels: p.labels, title: p.title, body: p.body, json: this.pullAsIssueJson(p), number: p.number })),
    ];
    const found = all.filter(i => filters.every(f => f(i)) && words.every(w => {
      const text = (where === 'title' ? i.title : where === 'body' ? i.body : `${i.title}\n${i.body}`).toLowerCase();
      return text.includes(w);
    })).sort((a, b) => b.number - a.number);
    return { status: 200, body: { total_count: found.length, incomplete_results: false, items: found.map(i => i.json) } };
  }

  private behave(operationId: string, params: Record<string, string>, query: Record<string, unknown>, body: any): Reply {
    const bare = this.options.bareDir;
    const pullNumber = Number(params.pull_number ?? params.issue_number);
    const pull = this.pulls.find(p => p.number === pullNumber);
    const issue = this.issues.find(i => i.number === pullNumber);
    const notFound: Reply = { status: 404, body: { message: 'Not Found' } };
    switch (operationId) {
      case 'repos/get':
        return { status: 200, body: { id: 1, name: this.name, full_name: `${this.owner}/${this.name}`, default_branch: 'main', owner: { login: this.owner }, private: true } };
      case 'pulls/list': {
        const state = String(query.state ?? 'open');
        const head = query.head as string | undefined;
        let list = this.pulls.filter(p => state === 'all' || p.state === state);
        if (head) list = list.filter(p => `${this.owner}:${p.head}` === head);
        if (query.base) list = list.filter(p => p.base === query.base);
        list = [...list].sort((a, b) => b.number - a.number);
        return this.page(list.map(p => this.pullJson(p)), query, `/repos/${this.owner}/${this.name}/pulls`);
      }
      case 'pulls/get':
        return pull ? { status: 200, body: this.pullJson(pull) } : notFound;
      case 'issues/list-for-repo': {
        const state = String(query.state ?? 'open');
        const labels = query.labels === undefined ? [] : String(query.labels).split(',').map(l => l.trim()).filter(Boolean);
        const items = [
          ...this.issues.map(i => ({ number: i.number, state: i.state, labels: i.labels, json: this.issueJson(i) })),
          ...this.pulls.map(p => ({ number: p.number, state: p.state, labels: p.labels, json: this.pullAsIssueJson(p) })),
        ].filter(i => (state === 'all' || i.state === state) && labels.every(l => i.labels.includes(l)))
          .sort((a, b) => (query.direction === 'asc' ? a.number - b.number : b.number - a.number));
        return this.page(items.map(i => i.json), query, `/repos/${this.owner}/${this.name}/issues`);
      }
      case 'issues/create': {
        const created: FakeIssue = {
          number: this.nextNumber(), title: String(body.title), body: body.body ?? '', state: 'open', created_at: this.now(), author: 'rightsizer[bot]',
          labels: (body.labels ?? []).map((l: string | { name?: string }) => (typeof l === 'string' ? l : String(l.name))),
        };
        this.issues.push(created);
        return { status: 201, body: this.issueJson(created) };
      }
      case 'issues/update': {
        if (!issue) return notFound;
        if (body.title !== undefined) issue.title = String(body.title);
        if (body.body !== undefined) issue.body = body.body ?? '';
        if (body.state !== undefined) issue.state = body.state;
        if (body.labels !== undefined) issue.labels = body.labels.map((l: string | { name?: string }) => (typeof l === 'string' ? l : String(l.name)));
        return { status: 200, body: this.issueJson(issue) };
      }
      case 'issues/update-comment': {
        const comment = this.comments.find(c => c.id === Number(params.comment_id));
        if (!comment) return notFound;
        comment.body = body.body;
        comment.edits++;
        return { status: 200, body: this.commentJson(comment) };
      }
      case 'search/issues-and-pull-requests':
        return this.search(String(query.q));
      case 'pulls/create': {
        if (!this.headSha(body.head)) return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] } };
        if (!this.headSha(body.base)) return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'base', code: 'invalid' }] } };
        if (this.pulls.some(p => p.state === 'open' && p.head === body.head && p.base === body.base)) {
          return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${body.head}.` }] } };
        }
        const pr: FakePull = {
          number: this.nextNumber(), title: body.title, body: body.body ?? '', head: body.head, base: body.base, state: 'open',
          draft: Boolean(body.draft), merged_at: null, closed_at: null, created_at: this.now(), labels: [], assignees: [], reviewers: [], teamReviewers: [],
        };
        this.pulls.push(pr);
        return { status: 201, body: this.pullJson(pr) };
      }
      case 'pulls/update': {
        if (!pull) return notFound;
        if (body.title !== undefined) pull.title = body.title;
        if (body.body !== undefined) pull.body = body.body;
        if (body.state !== undefined) pull.state = body.state;
        return { status: 200, body: this.pullJson(pull) };
      }
      case 'pulls/request-reviewers':
        if (!pull) return notFound;
        pull.reviewers.push(...(body.reviewers ?? []));
        pull.teamReviewers.push(...(body.team_reviewers ?? []));
        return { status: 201, body: this.pullJson(pull) };
      case 'issues/add-labels':
        if (!pull) return notFound;
        for (const l of Array.isArray(body) ? body : body.labels) if (!pull.labels.includes(String(l))) pull.labels.push(String(l));
        return { status: 200, body: pull.labels.map(name => ({ name })) };
      case 'issues/add-assignees':
        if (!pull) return notFound;
        pull.assignees.push(...body.assignees);
        return { status: 201, body: this.pullJson(pull) };
      case 'issues/list-comments':
        if (!pull && !issue) return notFound;
        return this.page(this.comments.filter(c => c.issue === pullNumber).map(c => this.commentJson(c)), query, `/repos/${this.owner}/${this.name}/issues/${pullNumber}/comments`);
      case 'issues/create-comment': {
        if (!pull && !issue) return notFound;
        const comment: FakeComment = { id: this.comments.length + 1, issue: pullNumber, body: body.body, edits: 0 };
        this.comments.push(comment);
        return { status: 201, body: this.commentJson(comment) };
      }
      case 'git/create-blob': {
        const content = body.encoding === 'base64' ? Buffer.from(body.content, 'base64').toString('utf8') : body.content;
        const sha = git(bare, ['hash-object', '-w', '--stdin'], content);
        return { status: 201, body: { sha, url: `${this.apiUrl}/repos/${this.owner}/${this.name}/git/blobs/${sha}` } };
      }
      case 'git/create-tree': {
        const dir = mkdtempSync(path.join(tmpdir(), 'fake-github-index-'));
        try {
          const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
          if (body.base_tree) git(bare, ['read-tree', body.base_tree], undefined, env);
          for (const entry of body.tree) git(bare, ['update-index', '--add', '--cacheinfo', `${entry.mode},${entry.sha},${entry.path}`], undefined, env);
          const sha = git(bare, ['write-tree'], undefined, env);
          return { status: 201, body: { sha, url: '', tree: [], truncated: false } };
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      case 'git/create-commit': {
        const author = body.author ?? { name: 'rightsizer', email: 'rightsizer@example.com' };
        const date = author.date ?? this.now();
        const sha = git(bare, ['commit-tree', body.tree, ...(body.parents ?? []).flatMap((p: string) => ['-p', p]), '-m', body.message], undefined, {
          GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_AUTHOR_DATE: date,
          GIT_COMMITTER_NAME: 'GitHub', GIT_COMMITTER_EMAIL: 'noreply@github.com', GIT_COMMITTER_DATE: date,
        });
        this.signedCommits.add(sha);
        return { status: 201, body: { sha, verification: { verified: true, reason: 'valid' } } };
      }
      case 'git/get-ref': {
        const ref = params.ref.replace(/^refs\//, '');
        const sha = ref.startsWith('heads/') ? this.headSha(ref.slice(6)) : undefined;
        return sha ? { status: 200, body: { ref: `refs/${ref}`, object: { type: 'commit', sha } } } : notFound;
      }
      case 'git/create-ref': {
        if (!/^refs\/.+\/.+/.test(body.ref)) return { status: 422, body: { message: 'Reference name is invalid' } };
        try { git(bare, ['update-ref', body.ref, body.sha, '']); } catch { return { status: 422, body: { message: 'Reference already exists' } }; }
        return { status: 201, body: { ref: body.ref, object: { type: 'commit', sha: body.sha } } };
      }
      case 'git/update-ref': {
        const ref = `refs/${params.ref.replace(/^refs\//, '')}`;
        if (!body.force) {
          try { git(bare, ['merge-base', '--is-ancestor', ref, body.sha]); } catch { return { status: 422, body: { message: 'Update is not a fast forward' } }; }
        }
        git(bare, ['update-ref', ref, body.sha]);
        return { status: 200, body: { ref, object: { type: 'commit', sha: body.sha } } };
      }
      case 'apps/get-repo-installation':
        return { status: 200, body: { id: 42, app_id: Number(this.options.app?.appId), account: { login: this.owner } } };
      case 'apps/create-installation-access-token': {
        if (params.installation_id !== '42') return notFound;
        this.installationToken = `ghs_${randomBytes(18).toString('hex')}`;
        return { status: 201, body: { token: this.installationToken, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { contents: 'write', pull_requests: 'write' }, repository_selection: 'selected' } };
      }
    }
    return { status: 500, body: { message: `fake GitHub does not implement ${operationId}` } };
  }
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  return new FakeGitHub(options).start();
}
