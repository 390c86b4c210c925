// Validate a YAML document against a JSON Schema and report every problem as
// `file:line:column: message` at the offending key or value. Generic: the policy loader and the
// rightsizer.yaml loader both use it.
//
// Schemas may carry an `x-hint` string next to a `pattern`/`format`; it replaces ajv's
// "must match pattern ..." with "must be <hint>", which reads better in an error line.

import { looksLikeSecret } from '../deliver/redact.ts';
import { createRequire } from 'node:module';
import { isMap, isNode, isScalar, isSeq, isPair, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node, Pair, YAMLError } from 'yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError } from '../core/errors.ts';
import { AJV_OPTIONS } from './ajv-options.ts';
import * as configValidator from './validators/rightsizer-config.generated.ts';
import * as policyValidator from './validators/policy.generated.ts';

type AjvConstructor = new (options: object) => { compile(schema: object): ValidateFunction };

export type YamlPath = Array<string | number>;

export interface YamlSource {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
}

export interface Position {
  line: number;
  column: number;
}

/**
 * An unclosed quote or flow collection is reported where the parser gave up (often the end of
 * the file); the innermost node that runs up to that point is where the writer has to look.
 */
function unclosedStart(doc: Document, err: YAMLError): number | undefined {
  const unclosed = err.code === 'MISSING_CHAR' || (err.code === 'BAD_INDENT' && err.message.startsWith('Flow'));
  if (!unclosed) return undefined;
  let best: number | undefined;
  visit(doc, (_key, node) => {
    if (!isNode(node) || !node.range) return;
    const [start, end] = node.range;
    if (start < err.pos[0] && end >= err.pos[0] && (best === undefined || start > best)) best = start;
  });
  return best;
}

/** Parses YAML keeping node ranges. Syntax errors come back as InputErrors with their position. */
export function parseYamlSource(file: string, text: string): { source: YamlSource; value: unknown; errors: InputError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const source: YamlSource = { file, doc, lineCounter };
  const errors = doc.errors.map(err => {
    const pos = lineCounter.linePos(unclosedStart(doc, err) ?? err.pos[0]);
    const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return new InputError(file, `YAML: ${message}`, { line: pos.line, column: pos.col });
  });
  if (errors.length > 0) return { source, value: undefined, errors };
  try {
    return { source, value: doc.toJS({ maxAliasCount: 100 }), errors };
  } catch (err) {
    // An undefined alias or an alias bomb: name the first alias, not a stack trace.
    let at: number | undefined;
    visit(doc, { Alias(_, node) { if (at === undefined) at = node.range?.[0]; return at === undefined ? undefined : visit.BREAK; } });
    const pos = lineCounter.linePos(at ?? 0);
    const message = (err as Error).message.split('\n')[0];
    return { source, value: undefined, errors: [new InputError(file, `YAML: ${message}`, { line: pos.line, column: pos.col }, 'write the value out instead of using anchors and aliases')] };
  }
}

/** The node (or the pair whose key matches the last segment) at a path; undefined when absent. */
function walk(doc: Document, path: YamlPath): { node?: Node; pair?: Pair; parent?: Node } {
  let node: unknown = doc.contents;
  let pair: Pair | undefined;
  let parent: Node | undefined;
  for (const segment of path) {
    parent = node as Node;
    pair = undefined;
    if (isMap(node)) {
      pair = node.items.find(item => {
        const key = isScalar(item.key) ? item.key.value : item.key;
        return String(key) === String(segment);
      });
      if (!pair) return { parent };
      node = pair.value;
    } else if (isSeq(node)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      node = node.items[index];
      if (node === undefined) return { parent };
    } else {
      return { parent };
    }
  }
  return { node: (isPair(node) ? undefined : node) as Node | undefined, pair, parent };
}

/**
 * Line and column (1-based) of the value at `path`, or of its key with `part: 'key'`.
 * When the path does not exist, the nearest existing ancestor is used, so a message never
 * lacks a position.
 */
export function positionOf(source: YamlSource, path: YamlPath, part: 'key' | 'value' = 'value'): Position {
  for (let depth = path.length; depth >= 0; depth--) {
    const { node, pair } = walk(source.doc, path.slice(0, depth));
    const target = depth === path.length && part === 'key' && pair && isScalar(pair.key) ? pair.key : node ?? (pair?.key as Node | undefined);
    const offset = (target as Node | undefined)?.range?.[0];
    if (offset !== undefined) {
      const pos = source.lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

/** An InputError at the value (or key) at `path`. */
export function errorAt(source: YamlSource, path: YamlPath, message: string, part: 'key' | 'value' = 'value', hint?: string): InputError {
  return new InputError(source.file, message, positionOf(source, path, part), hint);
}

/** `rules[0].bounds.cpu` — how a path reads in a message. */
export function describePath(path: YamlPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? '(document)' : out;
}

/** Edit distance between short strings (keys, enum values). */
export function editDistance(a: string, b: string): number {
  // Optimal string alignment: insertions, deletions, substitutions and adjacent swaps ("gpc" → "gcp").
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

const validators = new WeakMap<object, ValidateFunction>();

/** Validators compiled ahead of time (scripts/build-validators.ts), used only for the exact schema they were made from. */
const precompiled = [configValidator, policyValidator] as unknown as Array<{ schemaText: string; validate: ValidateFunction }>;

/**
 * ajv itself, loaded only for a schema without a precompiled module (one edited since the last
 * `npm run build`, or a test's). The bundles never need it: they are built with their modules.
 */
function runtimeAjv(): AjvConstructor {
  try {
    const ajv = createRequire(import.meta.url)('ajv') as { default?: AjvConstructor };
    return ajv.default ?? (ajv as unknown as AjvConstructor);
  } catch (err) {
    throw new Error(`a schema has no precompiled validator and ajv is not installed (${(err as Error).message}): run \`npm run build\``);
  }
}

function compile(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    const text = JSON.stringify(schema);
    validate = precompiled.find(p => p.schemaText === text)?.validate ?? new (runtimeAjv())(AJV_OPTIONS).compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

function pointerToPath(pointer: string): YamlPath {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map(s => s.replace(/~1/g, '/').replace(/~0/g, '~')).map(s => (/^\d+$/.test(s) ? Number(s) : s));
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // A secret written inline where its variable's name belongs is never echoed.
  if (typeof value === 'string') return looksLikeSecret(value) ? 'a value that looks like a secret (not shown)' : `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(value: unknown, path: YamlPath): unknown {
  let v = value;
  for (const s of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

function describeType(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).map(t => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'a whole number' : `a ${String(t)}`));
  return types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}` : types[0];
}

function messageFor(err: ErrorObject, value: unknown): { path: YamlPath; part: 'key' | 'value'; message: string } {
  const path = pointerToPath(err.instancePath);
  const where = describePath(path);
  const parent = (err.parentSchema ?? {}) as Record<string, unknown>;
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      const guess = didYouMean(key, known);
      const suffix = guess ? `; did you mean "${guess}"?` : known.length > 0 ? ` (expected one of: ${known.join(', ')})` : '';
      return { path: [...path, key], part: 'key', message: `unknown key "${key}" ${path.length === 0 ? 'at the top level' : `in ${where}`}${suffix}` };
    }
    case 'required':
      return { path, part: 'value', message: `${path.length === 0 ? 'top level' : where}: missing required key "${String(params.missingProperty)}"` };
    case 'type': {
      const hint = parent['x-hint'];
      return { path, part: 'value', message: `${where}: must be ${typeof hint === 'string' ? hint : describeType(params.type)}, not ${typeName(valueAt(value, path))}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const actual = valueAt(value, path);
      const guess = typeof actual === 'string' ? didYouMean(actual, allowed) : undefined;
      return { path, part: 'value', message: `${where}: must be one of ${allowed.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}` };
    }
    case 'const':
      return { path, part: 'value', message: `${where}: must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern':
    case 'format': {
      const hint = parent['x-hint'];
      const detail = typeof hint === 'string' ? `must be ${hint}` : err.keyword === 'format' ? `must be a valid ${String(params.format)}` : `must match ${String(params.pattern)}`;
      return { path, part: 'value', message: `${where}: ${detail}, not ${typeName(valueAt(value, path))}` };
    }
    default:
      return { path, part: 'value', message: `${where}: ${err.message ?? 'is invalid'}` };
  }
}

/** Ajv errors mapped to positions, one per location and message, in file order. */
export function schemaErrors(source: YamlSource, value: unknown, schema: object): InputError[] {
  const validate = compile(schema);
  if (validate(value)) return [];
  const seen = new Set<string>();
  const found: Array<{ pos: Position; error: InputError }> = [];
  for (const err of validate.errors ?? []) {
    // Composite keywords repeat what their branches already said.
    if (err.keyword === 'anyOf' || err.keyword === 'oneOf' || err.keyword === 'if' || err.keyword === 'not') continue;
    const { path, part, message } = messageFor(err, value);
    const pos = positionOf(source, path, part);
    const key = `${pos.line}:${pos.column}:${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ pos, error: new InputError(source.file, message, pos) });
  }
  found.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  return found.map(f => f.error);
}

/**
 * Parses `text` as YAML and validates it against `schema`. `value` is the parsed document
 * (undefined when the YAML itself does not parse); `errors` carry `file:line:column`.
 */
export function validateYaml(file: string, text: string, schema: object): { value: unknown; errors: InputError[] } {
  const { source, value, errors } = parseYamlSource(file, text);
  if (errors.length > 0) return { value, errors };
  return { value, errors: schemaErrors(source, value, schema) };
}
