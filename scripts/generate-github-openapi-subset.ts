// Writes test/fixtures/github-openapi-subset.json: the operations of GitHub's REST API that
// rightsizer's delivery code calls, cut from GitHub's own OpenAPI description (the
// @octokit/openapi package), with every component they reference and nothing else.
// The fake GitHub of the tests (test/helpers/fake-github.ts) validates each request against it.
//
// Responses are left out: the subset exists to check what the bot sends (path, method,
// parameters, JSON body), and GitHub's response schemas would pull in most of the API.
//
// The full description (@octokit/openapi, ~385 MB unpacked) is not a dependency: the script
// fetches it with `npm pack` into a temp dir only when it runs, and removes it afterwards.
//
// Run: ./node_modules/.bin/node scripts/generate-github-openapi-subset.ts [version]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** method + path of every operation src/deliver/github.ts uses. Keep in step with that file. */
export const OPERATIONS: Array<[string, string]> = [
  ['get', '/repos/{owner}/{repo}'],
  ['get', '/repos/{owner}/{repo}/pulls'],
  ['post', '/repos/{owner}/{repo}/pulls'],
  ['patch', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['post', '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/labels'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/assignees'],
  ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  // The dashboard issue (found by label, else by title through search) and the review comment.
  ['get', '/repos/{owner}/{repo}/issues'],
  ['post', '/repos/{owner}/{repo}/issues'],
  ['patch', '/repos/{owner}/{repo}/issues/{issue_number}'],
  ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
  ['get', '/search/issues'],
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['post', '/repos/{owner}/{repo}/git/blobs'],
  ['post', '/repos/{owner}/{repo}/git/trees'],
  ['post', '/repos/{owner}/{repo}/git/commits'],
  ['get', '/repos/{owner}/{repo}/git/ref/{ref}'],
  ['post', '/repos/{owner}/{repo}/git/refs'],
  ['patch', '/repos/{owner}/{repo}/git/refs/{ref}'],
  ['get', '/repos/{owner}/{repo}/installation'],
  ['post', '/app/installations/{installation_id}/access_tokens'],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function collectRefs(node: Json, out: Set<string>): void {
  if (Array.isArray(node)) { for (const n of node) collectRefs(n, out); return; }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v);
      else collectRefs(v, out);
    }
  }
}

export function subset(spec: any): any {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [method, p] of OPERATIONS) {
    const op = spec.paths[p]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${p} is not in GitHub's OpenAPI description`);
    const { responses: _responses, ...rest } = op;
    paths[p] ??= {};
    paths[p][method] = { ...rest, responses: { default: { description: 'not part of this subset' } } };
  }
  // Follow $refs to a fixed point, keeping only the components reached.
  const components: Record<string, Record<string, Json>> = {};
  const seen = new Set<string>();
  let pending = new Set<string>();
  collectRefs(paths as unknown as Json, pending);
  while (pending.size > 0) {
    const next = new Set<string>();
    for (const ref of pending) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      const m = /^#\/components\/([^/]+)\/(.+)$/.exec(ref);
      if (!m) throw new Error(`unexpected $ref ${ref}`);
      const [, kind, name] = m;
      const value = spec.components[kind]?.[name];
      if (value === undefined) throw new Error(`dangling $ref ${ref}`);
      components[kind] ??= {};
      components[kind][name] = value;
      collectRefs(value, next);
    }
    pending = next;
  }
  for (const kind of Object.keys(components)) {
    components[kind] = Object.fromEntries(Object.entries(components[kind]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return {
    openapi: spec.openapi,
    info: { ...spec.info, description: `Subset of ${spec.info.title} ${spec.info.version}: the operations rightsizer calls (scripts/generate-github-openapi-subset.ts).` },
    paths,
    components,
  };
}

if (import.meta.main) {
  const wanted = process.argv[2] ?? 'latest';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-openapi-'));
  let spec: any;
  let version: string;
  try {
    process.stderr.write(`fetching @octokit/openapi@${wanted} with npm pack (a large download)…\n`);
    const packed = JSON.parse(execFileSync('npm', ['pack', `@octokit/openapi@${wanted}`, '--json', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8' })) as Array<{ filename: string; version: string }>;
    version = packed[0]!.version;
    execFileSync('tar', ['-xzf', path.join(tmp, packed[0]!.filename), '-C', tmp, 'package/generated/api.github.com.json']);
    spec = JSON.parse(readFileSync(path.join(tmp, 'package/generated/api.github.com.json'), 'utf8'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const out = subset(spec);
  const file = path.join(root, 'test/fixtures/github-openapi-subset.json');
  writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
  process.stdout.write(`wrote ${path.relative(root, file)}: ${OPERATIONS.length} operations, ${Object.values(out.components as Record<string, object>).reduce((n: number, c) => n + Object.keys(c).length, 0)} components (from @octokit/openapi ${version})\n`);
}
