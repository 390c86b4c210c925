// The scope guard the deliver stage runs before pushing: parse the file before and after, and
// report every data change that is not a value at an allowed location.

import type { Location } from './model.ts';
import type { RepoFile } from './repo-files.ts';
import { fileSource, parseSource, pathText, type PathSegment } from './yaml.ts';
import { parseAllDocuments } from 'yaml';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function segment(item: Json, index: number): PathSegment {
  const name = isObject(item) && (typeof item.name === 'string' || typeof item.name === 'number') ? String(item.name) : undefined;
  return { index, ...(name !== undefined ? { name } : {}) };
}

/** Parses an embedded YAML string (helm.values, patch) when it holds a collection. */
function embedded(text: string): Json[] | undefined {
  if (!text.includes('\n')) return undefined;
  const docs = parseAllDocuments(text, { uniqueKeys: false, logLevel: 'error' });
  if (!Array.isArray(docs) || docs.some(d => d.errors.length > 0)) return undefined;
  const values = docs.map(d => d.toJS({ maxAliasCount: -1 }) as Json);
  return values.some(v => typeof v === 'object' && v !== null) ? values : undefined;
}

/** Leaf paths where a and b differ (keyPath strings, embedded strings joined with `|`). */
function diff(a: Json, b: Json, path: PathSegment[], prefix: string, out: string[]): void {
  if (Object.is(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diff(a[k], b[k], [...path, k], prefix, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((item, i) => diff(item, b[i], [...path, segment(item, i)], prefix, out));
    return;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const ea = embedded(a), eb = embedded(b);
    if (ea && eb && ea.length === eb.length) {
      const inner = `${prefix}${pathText(path)}|`;
      ea.forEach((doc, i) => diff(doc, eb[i], [], inner, out));
      return;
    }
  }
  // Added or removed maps: every leaf below counts on its own (inserted requests/limits).
  if (isObject(a) && b === undefined) { for (const k of Object.keys(a)) diff(a[k], undefined, [...path, k], prefix, out); return; }
  if (isObject(b) && a === undefined) { for (const k of Object.keys(b)) diff(undefined, b[k], [...path, k], prefix, out); return; }
  if (isObject(b) && isObject(a) === false && a !== null && typeof a === 'object') { out.push(`${prefix}${pathText(path)}`); return; }
  if (isObject(b) && Object.keys(b).length > 0 && (a === null || (isObject(a) && Object.keys(a).length === 0))) {
    for (const k of Object.keys(b)) diff(undefined, b[k], [...path, k], prefix, out);
    return;
  }
  if (isObject(a) && Object.keys(a).length > 0 && (b === null || (isObject(b) && Object.keys(b).length === 0))) {
    for (const k of Object.keys(a)) diff(a[k], undefined, [...path, k], prefix, out);
    return;
  }
  out.push(`${prefix}${pathText(path)}`);
}

/** Problems (empty = fine): any change between before and afterText outside the allowed locations. */
export function checkEditScope(before: RepoFile, afterText: string, allowed: Location[]): string[] {
  const problems: string[] = [];
  const a = parseSource(fileSource(before.path, before.text));
  if (a.error) return [`${a.error.message} (before the edit)`];
  const b = parseSource(fileSource(before.path, afterText));
  if (b.error) return [`${b.error.message} (after the edit)`];
  if (a.docs.length !== b.docs.length) return [`${before.path}: the number of YAML documents changed from ${a.docs.length} to ${b.docs.length}`];
  const allowedIds = new Set(allowed.filter(l => l.file === before.path).map(l => l.id));
  a.docs.forEach((docA, i) => {
    const out: string[] = [];
    diff(docA.doc.toJS({ maxAliasCount: -1 }), b.docs[i].doc.toJS({ maxAliasCount: -1 }), [], '', out);
    for (const p of out) {
      const id = `${before.path}#${i}:${p}`;
      if (!allowedIds.has(id)) problems.push(`${before.path}: document ${i + 1}: ${p || '(root)'} changed, but it is not a resource, replica or HPA value at an allowed location`);
    }
  });
  return problems;
}
