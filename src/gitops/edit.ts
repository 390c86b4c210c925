// Splicing: new text goes in at the exact offsets the locator found; nothing else in the file
// moves. Replacing a value, removing a key line, and inserting missing keys in the file's own
// indentation (or flow) style.

import { valueProblem } from '../core/bounds.ts';
import { EXIT, InputError, UserError } from '../core/errors.ts';
import type { FieldName } from '../core/types.ts';
import { locateDetailed } from './locate.ts';
import type { Block, Spot } from './model.ts';
import { formatLike, quoteLike } from './quantity-style.ts';
import type { RepoFile } from './repo-files.ts';
import { fileSource, isMap, isScalar, keyText, parseSource, position, type Pair, type Source, type YAMLMap } from './yaml.ts';

export interface TextChange {
  start: number;
  end: number;
  text: string;
}

export function applyTextChanges(text: string, changes: TextChange[]): string {
  const sorted = [...changes].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const c of sorted) {
    if (c.end > limit) throw new Error(`overlapping edits at offset ${c.start}`);
    out = out.slice(0, c.start) + c.text + out.slice(c.end);
    limit = c.start;
  }
  return out;
}

/** The new text of a value in the style of the old one (units and quotes). */
export function valueText(spot: Spot, value: string | number): string {
  return quoteLike(spot.quote, formatLike(spot.field, spot.value, value));
}

/**
 * Refuses a value that is not a valid Kubernetes value within bounds: it is never written. Zero
 * is the editor's to write when asked (the plan's zero is refused by policy and the scope guard).
 */
function assertSane(where: string, field: FieldName, text: string): void {
  const problem = valueProblem(field, text.replace(/^(["'])(.*)\1$/, '$2'), { allowZero: true });
  if (problem) throw new UserError(`${where}: refusing to write ${problem}`, { exitCode: EXIT.usage });
}

export function replaceChange(spot: Spot, value: string | number): TextChange {
  const text = valueText(spot, value);
  assertSane(`${spot.file}:${spot.line}`, spot.field, text);
  return { start: spot.start, end: spot.end, text };
}

function eolOf(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

/** Start of the line holding `offset`, and the end of that line including its line break. */
function lineBounds(text: string, offset: number): { start: number; end: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  return { start, end: nl === -1 ? text.length : nl + 1 };
}

/** Removes a key (e.g. a CPU limit): its whole line, and its parent key when nothing is left under it. */
export function removeChange(spot: Spot): TextChange {
  const text = spot.ctx.source.fileText;
  const keyStart = spot.ctx.source.toFile(spot.pair.key && (spot.pair.key as { range?: number[] }).range ? (spot.pair.key as { range: number[] }).range[0] : spot.start);
  const owner = spot.owner?.map;
  const flow = owner ? text[spot.ctx.source.toFile(owner.range![0])] === '{' : false;
  if (flow && owner) {
    // `{cpu: 1, memory: 2Gi}`: drop `cpu: 1, ` (or `, memory: 2Gi`).
    let end = spot.end;
    const after = /^\s*,\s*/.exec(text.slice(end));
    if (after) return { start: keyStart, end: end + after[0].length, text: '' };
    const before = /,\s*$/.exec(text.slice(0, keyStart));
    if (before) return { start: keyStart - before[0].length, end, text: '' };
    return { start: keyStart, end, text: '' };
  }
  const line = lineBounds(text, keyStart);
  const lead = text.slice(line.start, keyStart);
  const tail = text.slice(spot.end, line.end).replace(/\r?\n$/, '');
  if (lead.trim() !== '' || !/^\s*(#.*)?$/.test(tail)) {
    throw new UserError(`${spot.file}:${spot.line}: cannot remove ${spot.field}: the key shares its line with other content`, { exitCode: EXIT.usage });
  }
  const parent = spot.owner?.parent;
  if (owner && owner.items.length === 1 && parent && parent.pair.key && (parent.pair.key as { range?: number[] }).range) {
    // `limits:` would be left empty: remove it with its only key.
    const parentKey = spot.ctx.source.toFile((parent.pair.key as { range: number[] }).range[0]);
    const parentLine = lineBounds(text, parentKey);
    if (text.slice(parentLine.start, parentKey).trim() === '' && parent.map.items.length > 1) {
      return { start: parentLine.start, end: line.end, text: '' };
    }
  }
  return { start: line.start, end: line.end, text: '' };
}

// ---------------------------------------------------------------------------
// Insertion of missing keys.

type Tree = Array<[string, string | Tree]>;

function indentStep(text: string): number {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const a = lines[i], b = lines[i + 1];
    if (!/:\s*(#.*)?\r?$/.test(a) || a.trim().startsWith('#')) continue;
    const ia = a.length - a.trimStart().length, ib = b.length - b.trimStart().length;
    const bt = b.trimStart();
    if (ib > ia && !bt.startsWith('-') && !bt.startsWith('#')) return ib - ia;
  }
  return 2;
}

function renderBlock(tree: Tree, indent: number, step: number, eol: string): string {
  return tree.map(([k, v]) => typeof v === 'string'
    ? `${' '.repeat(indent)}${k}: ${v}`
    : `${' '.repeat(indent)}${k}:${eol}${renderBlock(v, indent + step, step, eol)}`).join(eol);
}

function renderFlow(tree: Tree): string {
  return tree.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : `{${renderFlow(v)}}`}`).join(', ');
}

/** Offset (in the file) of the end of the line a source offset is on, before its line break. */
function lineEndInFile(source: Source, offsetInSource: number): number {
  const nl = source.text.indexOf('\n', Math.max(0, offsetInSource - 1));
  if (nl === -1) return source.fileText.length;
  let p = source.toFile(nl);
  if (source.fileText[p] === '\r') return p;
  if (source.fileText[p] === '\n' && source.fileText[p - 1] === '\r') p--;
  return p;
}

function columnOf(source: Source, offsetInSource: number): number {
  return position(source.fileText, source.toFile(offsetInSource)).column - 1;
}

/** Inserts `tree` into the map that is the value of `pair` (a block map, a flow map, `{}` or empty). */
function insertUnder(source: Source, pair: Pair, tree: Tree): TextChange[] {
  const text = source.fileText;
  const eol = eolOf(text);
  const step = indentStep(source.text);
  const keyRange = (pair.key as { range?: number[] }).range!;
  const keyCol = columnOf(source, keyRange[0]);
  const value = pair.value;
  if (isMap(value) && value.range) {
    const open = source.toFile(value.range[0]);
    if (text[open] === '{') {
      const close = source.toFile(value.range[1]) - 1;
      if (text[close] !== '}') throw new Error('flow mapping without a closing brace');
      if (value.items.length > 0) {
        let p = close;
        while (p > open && /\s/.test(text[p - 1])) p--;
        return [{ start: p, end: p, text: `, ${renderFlow(tree)}` }];
      }
      // `resources: {}` written as a block under its key, when the key is in block context.
      const before = text.slice(text.lastIndexOf('\n', open - 1) + 1, open);
      if (/^\s*(-\s+)?[^{[]*:\s*$/.test(before)) {
        let delStart = open;
        while (delStart > 0 && (text[delStart - 1] === ' ' || text[delStart - 1] === '\t')) delStart--;
        const lineEnd = lineEndInFile(source, value.range[1]);
        return [
          { start: delStart, end: close + 1, text: '' },
          { start: lineEnd, end: lineEnd, text: `${eol}${renderBlock(tree, keyCol + step, step, eol)}` },
        ];
      }
      return [{ start: open + 1, end: close, text: renderFlow(tree) }];
    }
    return appendToBlockMap(source, value, tree, step, eol);
  }
  if (value === null || (isScalar(value) && (value.value === null || value.value === ''))) {
    // `resources:` with nothing after it.
    const end = isScalar(value) && value.range ? value.range[1] : keyRange[1];
    const at = lineEndInFile(source, end);
    return [{ start: at, end: at, text: `${eol}${renderBlock(tree, keyCol + step, step, eol)}` }];
  }
  throw new UserError(`${source.file}:${position(text, source.toFile(keyRange[0])).line}: cannot add keys under "${keyText(pair)}": it is not a mapping`, { exitCode: EXIT.usage });
}

/** Inserts into a container map (block style) a key it does not have yet. */
function insertIntoMap(source: Source, map: YAMLMap, tree: Tree): TextChange[] {
  const text = source.fileText;
  const eol = eolOf(text);
  const step = indentStep(source.text);
  if (!map.range || map.items.length === 0) throw new Error('cannot insert into an empty map');
  if (text[source.toFile(map.range[0])] === '{') {
    const close = source.toFile(map.range[1]) - 1;
    let p = close;
    while (/\s/.test(text[p - 1])) p--;
    return [{ start: p, end: p, text: `, ${renderFlow(tree)}` }];
  }
  return appendToBlockMap(source, map, tree, step, eol);
}

/** Block map: new lines after its last entry, at its entries' indentation. */
function appendToBlockMap(source: Source, map: YAMLMap, tree: Tree, step: number, eol: string): TextChange[] {
  const first = map.items[0];
  const last = map.items[map.items.length - 1];
  const indent = columnOf(source, (first.key as { range: number[] }).range[0]);
  const lastEnd = (last.value as { range?: number[] } | null)?.range?.[1] ?? (last.key as { range: number[] }).range[1];
  const at = lineEndInFile(source, lastEnd);
  return [{ start: at, end: at, text: `${eol}${renderBlock(tree, indent, step, eol)}` }];
}

const RESOURCE_KEY: Record<string, string> = { cpu: 'cpu', memory: 'memory', gpu: 'nvidia.com/gpu' };

/** Text for a new value of a field that has no old value to copy the style from. */
export function newValueText(field: FieldName, value: string | number, styleHint?: Spot): string {
  if (styleHint && styleHint.field.split('.')[0] === field.split('.')[0]) return quoteLike(styleHint.quote, formatLike(field, styleHint.value, value));
  const canonical = field.startsWith('cpu.') ? formatLike(field, '1m', value) : field.startsWith('memory.') ? formatLike(field, '1Mi', value) : formatLike(field, '1', value);
  return field.startsWith('gpu.') ? `"${canonical}"` : canonical;
}

/** Adds missing requests/limits keys to a container's resources block. */
export function insertChanges(block: Block, entries: Array<{ field: FieldName; text: string }>): TextChange[] {
  const source = block.ctx.source;
  for (const e of entries) assertSane(source.file, e.field, e.text);
  const byKind = new Map<string, Tree>();
  for (const e of entries) {
    const [resource, which] = e.field.split('.');
    const kind = which === 'request' ? 'requests' : 'limits';
    const list = byKind.get(kind) ?? [];
    list.push([RESOURCE_KEY[resource], e.text]);
    byKind.set(kind, list);
  }
  const blockKey = block.key ?? 'resources';
  const resourcesPair = block.parent.items.filter(p => keyText(p as Pair) === blockKey).pop() as Pair | undefined;
  if (!resourcesPair) {
    return insertIntoMap(source, block.parent, [['resources', [...byKind].map(([k, t]) => [k, t] as [string, Tree])]]);
  }
  const resources = resourcesPair.value;
  const changes: TextChange[] = [];
  const missingKinds: Tree = [];
  for (const [kind, tree] of byKind) {
    const kindPair = isMap(resources) ? resources.items.filter(p => keyText(p as Pair) === kind).pop() as Pair | undefined : undefined;
    if (kindPair) changes.push(...insertUnder(source, kindPair, tree));
    else missingKinds.push([kind, tree]);
  }
  if (missingKinds.length > 0) changes.push(...insertUnder(source, resourcesPair, missingKinds));
  return changes;
}

// ---------------------------------------------------------------------------

/** Parses a file and throws the InputError (file:line:column) when it is not valid YAML. */
export function assertParses(file: string, text: string): void {
  const { error } = parseSource(fileSource(file, text));
  if (error) throw error;
}

/**
 * Sets values at location ids of one file (`rightsizer edit`). A value of undefined removes the
 * key. Throws InputError when the file does not parse, UserError for unknown or locked locations.
 */
export function applyValues(file: RepoFile, changes: Array<{ locationId: string; value: string | number | undefined }>): string {
  const { spots, errors } = locateDetailed([file]);
  if (errors.length > 0) throw errors[0];
  const byId = new Map(spots.map(s => [s.id, s]));
  const edits: TextChange[] = [];
  for (const change of changes) {
    const spot = byId.get(change.locationId);
    if (!spot) {
      throw new UserError(`no location "${change.locationId}" in ${file.path}`, {
        exitCode: EXIT.usage, hint: `run \`rightsizer locate ${file.path}\` to list the location ids of this file`,
      });
    }
    if (!spot.editable) throw new UserError(`${spot.file}:${spot.line}:${spot.column}: ${spot.field} is not editable: ${spot.reason}`, { exitCode: EXIT.usage });
    edits.push(change.value === undefined ? removeChange(spot) : replaceChange(spot, change.value));
  }
  const out = applyTextChanges(file.text, edits);
  const { error } = parseSource(fileSource(file.path, out));
  if (error) throw new InputError(file.path, `the edit would leave invalid YAML (${error.message}); nothing was changed`);
  return out;
}

/**
 * `rightsizer edit`: one location picks the place; each `field=value` goes to that location's
 * sibling with the field (same container block, or same workload for replicas/HPA), inserting
 * the key when the block lacks it. Values of undefined remove the key.
 */
export function editAt(file: RepoFile, locationId: string, sets: Array<{ field: FieldName; value: string | undefined }>): { text: string; changed: string[] } {
  const { spots, blocks, errors } = locateDetailed([file]);
  if (errors.length > 0) throw errors[0];
  const anchor = spots.find(s => s.id === locationId)
    ?? spots.find(s => s.id.endsWith(locationId.startsWith('#') ? locationId : `:${locationId}`))
    ?? spots.find(s => s.id.endsWith(locationId));
  if (!anchor) {
    throw new UserError(`no location "${locationId}" in ${file.path}`, { exitCode: EXIT.usage, hint: `run \`rightsizer locate ${file.path}\` to list the location ids of this file` });
  }
  const block = blocks.filter(b => anchor.id.startsWith(`${b.id}.`)).sort((a, b) => b.id.length - a.id.length)[0];
  const sameGroup = (s: Spot) => s.ctx.docIndex === anchor.ctx.docIndex && s.ctx.source.idPrefix === anchor.ctx.source.idPrefix
    && JSON.stringify(s.workload ?? null) === JSON.stringify(anchor.workload ?? null)
    && (s.field.startsWith('hpa.') || s.field === 'replicas' || s.container === anchor.container);
  const changes: TextChange[] = [];
  const inserts: Array<{ field: FieldName; text: string }> = [];
  const changed: string[] = [];
  for (const { field, value } of sets) {
    const isResource = !(field === 'replicas' || field.startsWith('hpa.'));
    const target = anchor.field === field ? anchor
      : isResource && block ? spots.find(s => s.field === field && s.id.startsWith(`${block.id}.`))
      : spots.find(s => s.field === field && sameGroup(s));
    if (target) {
      if (!target.editable) throw new UserError(`${target.file}:${target.line}:${target.column}: ${field} is not editable: ${target.reason}`, { exitCode: EXIT.usage });
      changes.push(value === undefined ? removeChange(target) : replaceChange(target, value));
      changed.push(`${field}: ${target.value} → ${value ?? '(removed)'}`);
    } else if (value === undefined) {
      continue;
    } else if (isResource && block) {
      if (block.reason) throw new UserError(`${file.path}: cannot add ${field}: ${block.reason}`, { exitCode: EXIT.usage });
      const sibling = spots.find(s => s.id.startsWith(`${block.id}.`) && s.field.split('.')[0] === field.split('.')[0]);
      inserts.push({ field, text: newValueText(field, value, sibling) });
      changed.push(`${field}: (added) ${value}`);
    } else {
      throw new UserError(`${file.path}: no ${field} beside location ${anchor.id}`, { exitCode: EXIT.usage, hint: 'pick a location of the same workload that has the field, from `rightsizer locate`' });
    }
  }
  if (inserts.length > 0 && block) changes.push(...insertChanges(block, inserts));
  const text = applyTextChanges(file.text, changes);
  const { error } = parseSource(fileSource(file.path, text));
  if (error) throw new InputError(file.path, `the edit would leave invalid YAML (${error.message}); nothing was changed`);
  return { text, changed };
}
