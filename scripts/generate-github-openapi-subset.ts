// Writes test/fixtures/github-openapi-subset.json: the operations of GitHub's REST API that
// rightsizer's delivery code calls, cut from GitHub's own OpenAPI description (the
// @octokit/openapi package), with every component they reference and nothing else.
// The fake GitHub of the tests (test/helpers/fake-github.ts) validates each request against it.
//
// Responses are left out: the subset exists to check what the bot sends (path, method,
// parameters, JSON body), and GitHub's response schemas would pull in most of the API.
//
// Run: ./node_modules/.bin/node scripts/generate-github-openapi-subset.ts

import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

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
  const specFile = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const spec = JSON.parse(readFileSync(specFile, 'utf8'));
  const out = subset(spec);
  const file = path.join(root, 'test/fixtures/github-openapi-subset.json');
  writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
  const version = JSON.parse(readFileSync(require.resolve('@octokit/openapi/package.json'), 'utf8')).version;
  process.stdout.write(`wrote ${path.relative(root, file)}: ${OPERATIONS.length} operations, ${Object.values(out.components as Record<string, object>).reduce((n: number, c) => n + Object.keys(c).length, 0)} components (from @octokit/openapi ${version})\n`);
}
