// YAML plumbing shared by every format: parsing with source ranges, positions, paths, and
// "sources" — the whole file, or a YAML string embedded in it (Argo CD `helm.values: |`,
// Kustomize `patch: |`) with a map from its offsets back to the file's.

import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { InputError } from '../core/errors.ts';

/** Text that was parsed, and how its offsets map onto the file. */
export interface Source {
  file: string;
  /** The whole file text. */
  fileText: string;
  /** The parsed text (the file itself, or an embedded string's value). */
  text: string;
  /** File offset of an offset in `text`. */
  toFile(offset: number): number;
  /** Spaces every line of `text` is shifted by in the file (0 for the file itself). */
  indent: number;
  /** id prefix of this source inside the file: `` or `spec.source.helm.values|`. */
  idPrefix: string;
  /** Why nothing in this source may be edited (e.g. an embedded string that does not map line by line). */
  readOnly?: string;
}

export interface ParsedDoc {
  index: number;
  doc: Document.Parsed;
  source: Source;
}

export function fileSource(file: string, text: string): Source {
  return { file, fileText: text, text, toFile: o => o, indent: 0, idPrefix: '' };
}

/** 1-based line and column of an offset. */
export function position(text: string, offset: number): { line: number; column: number } {
  let line = 1, lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** A fast position lookup for many offsets in one text. */
export function lineIndex(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return offset => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  };
}

/** Parses every document of a source; the first syntax error becomes an InputError at file:line:column. */
export function parseSource(source: Source): { docs: ParsedDoc[]; error?: InputError } {
  const docs = parseAllDocuments(source.text, { uniqueKeys: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const at = position(source.fileText, source.toFile(err.pos[0]));
      const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
      return { docs: [], error: new InputError(source.file, `invalid YAML: ${message}`, at) };
    }
  }
  for (const doc of list) {
    const key = collectionKey(doc.contents);
    if (key?.range) {
      const at = position(source.fileText, source.toFile(key.range[0]));
      const text = source.text.slice(key.range[0], key.range[1]);
      return { docs: [], error: new InputError(source.file, `a mapping key is itself a collection (${text}): a template placeholder? The file does not load as Kubernetes YAML until it is filled in`, at) };
    }
  }
  return { docs: list.map((doc, index) => ({ index, doc, source })) };
}

/** The first key that is a map or a list (`{{HF_TOKEN}}: …` parses so): Kubernetes cannot load it. */
function collectionKey(node: unknown): { range?: number[] } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isMap(pair.key) || isSeq(pair.key)) return pair.key as { range?: number[] };
      const inner = collectionKey(pair.value);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const inner = collectionKey(item);
      if (inner) return inner;
    }
  }
  return undefined;
}

/**
 * The value of a literal block scalar (`key: |`) as its own source. Offsets map line by line,
 * so only literal scalars whose lines are the file's lines minus a fixed indent qualify.
 */
export function embeddedSource(parent: Source, node: Scalar, idPrefix: string): Source | undefined {
  if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') return undefined;
  if (!node.range) return undefined;
  const file = parent.fileText;
  const headerStart = parent.toFile(node.range[0]);
  const bodyStart = file.indexOf('\n', headerStart) + 1;
  const bodyEnd = parent.toFile(node.range[1]);
  if (bodyStart <= 0 || bodyEnd < bodyStart) return undefined;
  const rawLines = file.slice(bodyStart, bodyEnd).split('\n');
  const header = file.slice(headerStart, bodyStart).replace(/#.*/, '').trim();
  const explicit = /\d/.exec(header);
  const firstContent = rawLines.find(l => l.replace(/\r$/, '').trim() !== '');
  if (firstContent === undefined) return undefined;
  const contentIndent = firstContent.length - firstContent.trimStart().length;
  // With an explicit indentation indicator the content is indented relative to the key's line.
  const keyLineStart = file.lastIndexOf('\n', headerStart) + 1;
  const keyIndent = /^ */.exec(file.slice(keyLineStart, headerStart))![0].length;
  const indent = explicit ? keyIndent + Number(explicit[0]) : contentIndent;
  const starts: number[] = [];
  const fileStarts: number[] = [];
  let text = '';
  let offset = bodyStart;
  for (const raw of rawLines) {
    const line = raw.replace(/\r$/, '');
    starts.push(text.length);
    fileStarts.push(offset + Math.min(indent, line.length));
    text += `${line.slice(Math.min(indent, line.length))}\n`;
    offset += raw.length + 1;
  }
  const value = String(node.value);
  const readOnly = node.type === 'BLOCK_FOLDED' || !text.startsWith(value.replace(/\n+$/, ''))
    ? 'the embedded YAML is a folded string whose lines do not map onto the file'
    : parent.readOnly;
  const toFile = (o: number) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= o) lo = mid; else hi = mid - 1;
    }
    return fileStarts[lo] + (o - starts[lo]);
  };
  return { file: parent.file, fileText: file, text, toFile, indent, idPrefix: `${parent.idPrefix}${idPrefix}|`, ...(readOnly ? { readOnly } : {}) };
}

// ---------------------------------------------------------------------------
// Paths and node access.

export type PathSegment = string | { index: number; name?: string };

export function pathText(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'string') {
      out += /^[A-Za-z0-9_-]+$/.test(seg) ? `${out ? '.' : ''}${seg}` : `[${JSON.stringify(seg)}]`;
    } else {
      out += seg.name !== undefined ? `[name=${seg.name}]` : `[${seg.index}]`;
    }
  }
  return out;
}

export function scalarText(node: unknown): string | undefined {
  if (isScalar(node) && node.value !== null && typeof node.value !== 'object') return String(node.value);
  return undefined;
}

export function keyText(pair: Pair): string | undefined {
  return scalarText(pair.key);
}

/** The value under `key` of a map (the last one when a key is duplicated, as Kubernetes reads it). */
export function get(node: unknown, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  let found: Node | undefined;
  for (const pair of node.items) if (keyText(pair) === key) found = (pair.value ?? undefined) as Node | undefined;
  return found;
}

export function getIn(node: unknown, keys: string[]): Node | undefined {
  let cur: unknown = node;
  for (const k of keys) {
    cur = get(cur, k);
    if (cur === undefined) return undefined;
  }
  return cur as Node;
}

export function getString(node: unknown, keys: string[]): string | undefined {
  return scalarText(getIn(node, keys));
}

export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let found: Pair | undefined;
  for (const pair of map.items) if (keyText(pair) === key) found = pair as Pair;
  return found;
}

export function duplicateKeys(map: YAMLMap): Set<string> {
  const seen = new Set<string>(), dup = new Set<string>();
  for (const pair of map.items) {
    const k = keyText(pair as Pair);
    if (k === undefined) continue;
    if (seen.has(k)) dup.add(k);
    seen.add(k);
  }
  return dup;
}

/** Name of a sequence item that is a map with a scalar `name`. */
export function itemName(node: unknown): string | undefined {
  return scalarText(get(node, 'name'));
}

export { isAlias, isMap, isScalar, isSeq };
export type { Document, Node, Pair, Scalar, YAMLMap };
