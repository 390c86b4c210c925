// Settings bound to a pod's accelerator count, and the rule that changes them together with it.
//
// A serving or training engine is started for a number of devices: vLLM shards a model over
// `--tensor-parallel-size` × `--pipeline-parallel-size` GPUs, TGI over `--num-shard`, SGLang
// over `--tp`, torchrun starts `--nproc-per-node` workers, Ray advertises `num-gpus`. Changing the
// GPU count of the pod without them gives a pod that crash-loops (or idles GPUs). So:
// - `locateBindings` finds those settings (in files, and in values embedded as strings such as
//   Argo CD `helm.values: |`) in args, command (list items or one shell string),
//   env (by name, or flags inside an env value), values keys (`tensorParallelSize`,
//   `parallelism.tensor`…), `rayStartParams.num-gpus`, LeaderWorkerSet `size`, KubeRay
//   `numOfHosts`; a flag whose value is `$VAR`/`${VAR}`/`$(VAR)` is found at the env var.
// - `coupleGpuChanges` takes the GPU count changes of a plan and returns, per pod, either the
//   edits of every bound setting (tp × pp = GPUs per pod, tp a power of two; num-gpus, num-shard,
//   nproc = GPUs per pod) or the reason the GPU change is withheld (a bound setting disagrees
//   today, cannot be edited, or spreads the model over several pods).
// A binding belongs to the GPU settings of its document that share the longest key path with it
// (its container, its worker group, its LeaderWorkerSet template, or the values file), unless the
// paths part at two list items or at a Ray head and its workers (other pods).

import type { TextChange } from './edit.ts';
import { locateDetailed } from './locate.ts';
import type { Spot } from './model.ts';
import type { RepoFile } from './repo-files.ts';
import { isTemplate } from './walk.ts';
import {
  fileSource, get, getString, isAlias, isMap, isScalar, isSeq, itemName, keyText, parseSource, pathText, position,
  type Pair, type PathSegment, type Scalar, type Source,
} from './yaml.ts';

export type BindingKind = 'tensor-parallel' | 'pipeline-parallel' | 'data-parallel' | 'per-pod' | 'group-size';

export interface Binding {
  id: string;
  file: string;
  line: number;
  column: number;
  kind: BindingKind;
  /** How the file spells it: `--tensor-parallel-size`, `env TENSOR_PARALLEL_SIZE`, `rayStartParams.num-gpus`… */
  setting: string;
  value: string;
  editable: boolean;
  reason?: string;
  /** File offsets of the value's digits. */
  start: number;
  end: number;
  /** `<file>#<document>` and the key path (prefixed as location ids are inside embedded values), for grouping with GPU settings. */
  doc: string;
  keyPath: string;
  /** The id prefix of the embedded values string it is in (`` for the file itself). */
  within: string;
}

/** Command-line flags, with the kind of setting they are. `per-pod` flags equal the device count. */
const FLAGS: Array<[RegExp, BindingKind]> = [
  [/^(--tensor[-_]parallel[-_]size|-tp|--tp|--tp[-_]size)$/, 'tensor-parallel'],
  [/^(--pipeline[-_]parallel[-_]size|-pp|--pp|--pp[-_]size)$/, 'pipeline-parallel'],
  [/^(--data[-_]parallel[-_]size([-_]local)?|-dp|--dp|--dp[-_]size)$/, 'data-parallel'],
  [/^(--num[-_]shard|--nproc[-_]per[-_]node|--world[-_]size)$/, 'per-pod'],
];

/** Environment variables engines read their parallelism from. */
const ENV: Record<string, BindingKind> = {
  TENSOR_PARALLEL_SIZE: 'tensor-parallel', TP_SIZE: 'tensor-parallel', TENSOR_PARALLELISM: 'tensor-parallel',
  NIM_TENSOR_PARALLEL_SIZE: 'tensor-parallel', VLLM_TENSOR_PARALLEL_SIZE: 'tensor-parallel',
  PIPELINE_PARALLEL_SIZE: 'pipeline-parallel', PP_SIZE: 'pipeline-parallel', NIM_PIPELINE_PARALLEL_SIZE: 'pipeline-parallel',
  DP_SIZE: 'data-parallel', DP_SIZE_LOCAL: 'data-parallel', DATA_PARALLEL_SIZE: 'data-parallel',
  NUM_SHARD: 'per-pod',
};

/** Keys in values files and operator CRs. */
const KEYS: Record<string, BindingKind> = {
  tensorParallelSize: 'tensor-parallel', tensor_parallel_size: 'tensor-parallel',
  pipelineParallelSize: 'pipeline-parallel', pipeline_parallel_size: 'pipeline-parallel',
  dataParallelSize: 'data-parallel',
};

/** `parallelism: {tensor, pipeline, data…}` (KServe LLMInferenceService, NIM multiNode). */
const PARALLELISM: Record<string, BindingKind> = { tensor: 'tensor-parallel', pipeline: 'pipeline-parallel', data: 'data-parallel', dataLocal: 'data-parallel' };

const ARG_LISTS = new Set(['args', 'command', 'extraArgs', 'extraCmdArgs']);
const VAR_REF = /^\$(?:\{(\w+)\}|\((\w+)\)|(\w+))$/;

interface Walker {
  source: Source;
  doc: string;
  out: Binding[];
}

/** Every bound setting in the files (file-level documents; embedded values strings are not read). */
export function locateBindings(files: RepoFile[]): Binding[] {
  const out: Binding[] = [];
  for (const file of files) {
    const { docs, error } = parseSource(fileSource(file.path, file.text));
    if (error) continue;
    for (const { doc, index, source } of docs) visit({ source, doc: `${file.path}#${index}`, out }, doc.contents, []);
  }
  // Values embedded as a string (Argo CD `helm.values: |`) are read where the locator found settings.
  const embedded = new Map<string, { source: Source; doc: string }>();
  for (const spot of locateDetailed(files).spots) {
    if (spot.ctx.source.idPrefix === '') continue;
    embedded.set(`${spot.file}#${spot.ctx.docIndex}:${spot.ctx.source.idPrefix}`, { source: spot.ctx.source, doc: `${spot.file}#${spot.ctx.docIndex}` });
  }
  for (const { source, doc } of embedded.values()) {
    const { docs, error } = parseSource(source);
    if (!error) for (const inner of docs) visit({ source, doc, out }, inner.doc.contents, []);
  }
  return out;
}

function visit(w: Walker, node: unknown, path: PathSegment[]): void {
  if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const name = itemName(item);
      visit(w, item, [...path, { index, ...(name !== undefined ? { name } : {}) }]);
    });
    return;
  }
  if (!isMap(node)) return;
  const last = path[path.length - 1];
  const isContainer = isMap(node) && (get(node, 'image') !== undefined || get(node, 'args') !== undefined || get(node, 'command') !== undefined);
  for (const pair of node.items) {
    const key = keyText(pair as Pair);
    if (key === undefined) continue;
    const value = (pair as Pair).value;
    const at = [...path, key];
    if (ARG_LISTS.has(key)) scanArgs(w, value, at, isContainer || key.startsWith('extra') ? node : undefined);
    else if (key === 'env' || key === 'envVars') scanEnv(w, value, at);
    else if (KEYS[key] && isScalar(value)) add(w, value, at, KEYS[key], key);
    else if (key === 'parallelism' && isMap(value)) {
      for (const p of value.items) {
        const k = keyText(p as Pair);
        if (k && PARALLELISM[k] && isScalar(p.value)) add(w, p.value, [...at, k], PARALLELISM[k], `parallelism.${k}`);
      }
    } else if (key === 'rayStartParams' && isMap(value)) {
      for (const p of value.items) if (keyText(p as Pair) === 'num-gpus' && isScalar(p.value)) add(w, p.value, [...at, 'num-gpus'], 'per-pod', 'rayStartParams.num-gpus');
    } else if (key === 'size' && (last === 'leaderWorkerTemplate' || last === 'multiNode') && isScalar(value)) add(w, value, at, 'group-size', last === 'multiNode' ? 'multiNode.size' : 'LeaderWorkerSet size');
    else if (key === 'gpusPerPod' && isScalar(value)) add(w, value, at, 'per-pod', 'multiNode.gpusPerPod');
    else if (key === 'numOfHosts' && isScalar(value)) add(w, value, at, 'group-size', 'numOfHosts');
    // Processes per node = GPUs per node for torch; `auto`/`gpu` derive it from the devices instead.
    else if ((key === 'nprocPerNode' || key === 'numProcPerNode') && isScalar(value) && /^\s*\d+\s*$/.test(String(value.value))) add(w, value, at, 'per-pod', key);
    visit(w, value, at);
  }
}

/** Args: list items (`--flag=N`, `--flag N`, or `--flag` then `N`), or one shell string. */
function scanArgs(w: Walker, value: unknown, path: PathSegment[], container: unknown): void {
  if (isScalar(value) && typeof value.value === 'string') { scanString(w, value, path, container); return; }
  if (!isSeq(value)) return;
  value.items.forEach((item, index) => {
    const at = [...path, { index }];
    if (!isScalar(item) || typeof item.value !== 'string') return;
    const text = item.value.trim();
    const kind = flagKind(text);
    if (kind) {
      const next = value.items[index + 1];
      if (isScalar(next)) bind(w, next, [...path, { index: index + 1 }], kind, text, container);
      return;
    }
    scanString(w, item, at, container);
  });
}

function flagKind(token: string): BindingKind | undefined {
  return FLAGS.find(([re]) => re.test(token))?.[1];
}

/** Flags inside one string (`vllm serve m --tensor-parallel-size 2`, `--tp=4`, an env value). */
function scanString(w: Walker, node: Scalar, path: PathSegment[], container: unknown): void {
  const text = String(node.value);
  const re = /(?<![\w-])(--?[A-Za-z][\w-]*)(?:=|[ \t]*\\?\n?[ \t]+|[ \t]+)(\$\(\([^)]*\)\)|\$\{?\(?\w+\)?\}?|'?"?\d+"?'?)/g;
  for (const m of text.matchAll(re)) {
    const kind = flagKind(m[1]);
    if (!kind) continue;
    const valueText = m[2].replace(/^['"]|['"]$/g, '');
    const ref = VAR_REF.exec(valueText);
    if (ref && container) { bindVar(w, container, ref[1] ?? ref[2] ?? ref[3], path, kind, m[1], node); continue; }
    const offset = rawOffset(w.source, node, m[1], valueText);
    if (/^\d+$/.test(valueText) && offset) push(w, offset, valueText, path, kind, m[1], true);
    else push(w, offset ?? nodeOffsets(w.source, node), valueText, path, kind, m[1], false,
      /^\d+$/.test(valueText) ? 'the flag sits in a string whose source text does not match its value (escapes); edit it by hand' : `the value ${valueText} is computed when the container starts; change it by hand`);
  }
}

/** Env as a list of {name, value} or a map NAME: value. */
function scanEnv(w: Walker, value: unknown, path: PathSegment[]): void {
  const each = (name: string | undefined, node: unknown, at: PathSegment[]) => {
    if (!isScalar(node)) return;
    if (name && ENV[name]) add(w, node, at, ENV[name], `env ${name}`);
    else if (typeof node.value === 'string' && /--/.test(node.value)) scanString(w, node, at, undefined);
  };
  if (isSeq(value)) {
    value.items.forEach((item, index) => {
      const name = getString(item, ['name']);
      const v = isMap(item) ? item.items.find(p => keyText(p as Pair) === 'value')?.value : undefined;
      each(name, v, [...path, { index, ...(name !== undefined ? { name } : {}) }, 'value']);
    });
  } else if (isMap(value)) {
    for (const p of value.items) { const k = keyText(p as Pair); if (k) each(k, p.value, [...path, k]); }
  }
}

/** A flag whose value is `$VAR`: the binding is the env var of the same container. */
function bindVar(w: Walker, container: unknown, name: string, path: PathSegment[], kind: BindingKind, flag: string, at: Scalar): void {
  const env = get(container, 'env');
  if (isSeq(env)) {
    const index = env.items.findIndex(i => getString(i, ['name']) === name);
    const v = index >= 0 ? get(env.items[index], 'value') : undefined;
    if (isScalar(v)) {
      if (!ENV[name]) add(w, v, [...path.slice(0, path.findIndex(s => s === 'args' || s === 'command')), 'env', { index, name }, 'value'], kind, `${flag} $${name}`);
      return;
    }
  }
  push(w, nodeOffsets(w.source, at), `$${name}`, path, kind, flag, false, `${flag} takes $${name}, which this container does not set; change it by hand`);
}

/** A value that is the whole scalar (a list item after its flag, an env value, a values key). */
function add(w: Walker, node: Scalar, path: PathSegment[], kind: BindingKind, setting: string): void {
  bind(w, node, path, kind, setting, undefined);
}

function bind(w: Walker, node: Scalar, path: PathSegment[], kind: BindingKind, setting: string, container: unknown): void {
  if (isAlias(node)) return;
  const text = String(node.value ?? '').trim();
  const ref = VAR_REF.exec(text);
  if (ref && container) { bindVar(w, container, ref[1] ?? ref[2] ?? ref[3], path, kind, setting, node); return; }
  const offsets = nodeOffsets(w.source, node);
  const raw = w.source.text.slice(node.range![0], node.range![1]);
  const digits = /^(["']?)(\d+)\1$/.exec(raw.trim());
  if (digits && !node.anchor) {
    const inner = raw.indexOf(digits[2]);
    push(w, { start: w.source.toFile(node.range![0] + inner), end: w.source.toFile(node.range![0] + inner + digits[2].length) }, digits[2], path, kind, setting, true);
  } else {
    push(w, offsets, text, path, kind, setting, false, isTemplate(text) ? `the value is a template expression (${text})` : `the value ${text || '(empty)'} is not a plain count`);
  }
}

function nodeOffsets(source: Source, node: Scalar): { start: number; end: number } {
  return { start: source.toFile(node.range![0]), end: source.toFile(node.range![1]) };
}

/** The file offsets of `value` right after `flag` in a scalar's source text, when it maps 1:1. */
function rawOffset(source: Source, node: Scalar, flag: string, value: string): { start: number; end: number } | undefined {
  if (!node.range) return undefined;
  const raw = source.text.slice(node.range[0], node.range[1]);
  const esc = flag.replace(/[-]/g, '\\-');
  const re = new RegExp(`(?<![\\w-])${esc}(?:=|\\s+)["']?(${value})(?!\\d)`, 'g');
  const inRaw = [...raw.matchAll(re)];
  const inValue = [...String(node.value).matchAll(re)];
  if (inRaw.length !== 1 || inValue.length !== 1) return undefined;
  const m = inRaw[0];
  const at = node.range[0] + m.index! + m[0].length - value.length;
  return { start: source.toFile(at), end: source.toFile(at + value.length) };
}

function push(w: Walker, at: { start: number; end: number }, value: string, path: PathSegment[], kind: BindingKind, setting: string, editable: boolean, reason?: string): void {
  const keyPath = `${w.source.idPrefix}${pathText(path)}`;
  const pos = position(w.source.fileText, at.start);
  const id = `${w.doc}:${keyPath}@${setting.split(' ')[0]}`;
  if (w.out.some(b => b.id === id && b.start === at.start)) return;
  const readOnly = w.source.readOnly;
  w.out.push({
    id, file: w.source.file, line: pos.line, column: pos.column, kind, setting, value,
    editable: editable && !readOnly, ...(reason || readOnly ? { reason: reason ?? readOnly } : {}),
    start: at.start, end: at.end, doc: w.doc, keyPath, within: w.source.idPrefix,
  });
}

// ---------------------------------------------------------------------------
// The rule.

/** Path segments of a keyPath as pathText writes it, for common-prefix comparison. */
function segments(keyPath: string): string[] {
  return keyPath.match(/\["(?:[^"\\]|\\.)*"\]|\[[^\]]*\]|[A-Za-z0-9_-]+/g) ?? [];
}

function commonPrefix(a: string[], b: string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Paths that part at two list items (containers, worker groups) or at a Ray head and its workers belong to other pods. */
function otherPart(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.startsWith('[') && b.startsWith('[')) return true;
  const ray = new Set(['headGroupSpec', 'workerGroupSpecs']);
  return ray.has(a) && ray.has(b);
}

/** The bindings of each GPU spot: those of its document nearest to it (longest shared key path). */
export function bindingsOf(gpuSpots: Spot[], bindings: Binding[]): Map<Spot, Binding[]> {
  const out = new Map<Spot, Binding[]>(gpuSpots.map(s => [s, []]));
  const docOf = (s: Spot) => `${s.file}#${s.ctx.docIndex}`;
  for (const b of bindings) {
    const candidates = gpuSpots.filter(s => docOf(s) === b.doc && s.ctx.source.idPrefix === b.within);
    if (candidates.length === 0) continue;
    const bs = segments(b.keyPath);
    const paths = candidates.map(s => segments(s.keyPath));
    const lengths = paths.map(p => commonPrefix(bs, p));
    const best = Math.max(...lengths);
    candidates.forEach((s, i) => { if (lengths[i] === best && !otherPart(bs[best], paths[i][best])) out.get(s)!.push(b); });
  }
  return out;
}

export interface GpuChange {
  spot: Spot;
  to: number;
}

export interface Coupled {
  /**
   * Bound settings that change with the GPUs, to apply in the same edit: the text change, and
   * what changed for the plan and the PR (`--tensor-parallel-size 2 → 1 with the GPU count 2 → 1`).
   */
  bound: Array<{ binding: Binding; change: TextChange; note: string; gpuFile: string }>;
  /** GPU changes that may not be made, with the setting that binds them. */
  withheld: Array<{ change: GpuChange; reason: string }>;
}

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

function where(b: Binding): string {
  return `${b.setting} ${b.value} (${b.file}:${b.line})`;
}

/**
 * Couples GPU count changes to their bound settings. All spots of one pod (same bindings)
 * are decided together: every bound setting changes, or none of the pod's GPU changes is made.
 */
export function coupleGpuChanges(changes: GpuChange[], allGpuSpots: Spot[], bindings: Binding[]): Coupled {
  const result: Coupled = { bound: [], withheld: [] };
  const bound = bindingsOf(allGpuSpots, bindings);
  // Group the changes by their binding set: one pod's request and limit go together.
  const keyOf = (s: Spot) => (bound.get(s) ?? []).map(b => b.id).sort().join('\n');
  const groups = new Map<string, GpuChange[]>();
  for (const c of changes) {
    if (!bound.has(c.spot)) bound.set(c.spot, bindingsOf([c.spot], bindings).get(c.spot) ?? []);
    const key = keyOf(c.spot);
    if (key === '') continue;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [key, group] of groups) {
    const list = bound.get(group[0].spot) ?? [];
    // Every GPU setting of the pod after the change (a MIG pod's `nvidia.com/gpu: 0` aside).
    const members = allGpuSpots.filter(s => keyOf(s) === key && s.value !== '0');
    const after = members.map(s => group.find(c => c.spot === s)?.to ?? Number(s.value));
    const from = Math.max(...group.map(c => Number(c.spot.value)));
    const to = Math.max(...group.map(c => c.to));
    if (!(from > 0) || to === from) continue;
    const differ = [...new Set(after)];
    if (differ.length > 1) {
      for (const change of group) result.withheld.push({ change, reason: `the pod's GPU settings would differ (${members.map((s, i) => `${s.field} ${after[i]}`).join(', ')}) while ${list.map(where).join(', ')} is bound to them; change them together` });
      continue;
    }
    const decision = decide(list, from, to);
    if ('reason' in decision) {
      for (const change of group) result.withheld.push({ change, reason: decision.reason });
      continue;
    }
    for (const [b, value] of decision.set) {
      if (String(value) === b.value) continue;
      result.bound.push({
        binding: b, change: { start: b.start, end: b.end, text: String(value) }, gpuFile: group[0].spot.file,
        note: `${b.setting} ${b.value} → ${value} with the GPU count ${from} → ${to} (${b.file}:${b.line})`,
      });
    }
  }
  return result;
}

/** The new value of every bound setting for a GPU count `from` → `to`, or why there is none. */
export function decide(list: Binding[], from: number, to: number): { set: Array<[Binding, number]> } | { reason: string } {
  const locked = list.find(b => !b.editable);
  if (locked) return { reason: `${where(locked)} is bound to the GPU count and cannot be edited: ${locked.reason}` };
  const spread = list.find(b => (b.kind === 'group-size' && b.value !== '1') || b.kind === 'data-parallel');
  if (spread) return { reason: `${where(spread)} spreads the model over ${spread.kind === 'group-size' ? 'several pods' : 'data-parallel ranks'} bound to the GPU count; change the GPUs and it together by hand` };
  const set: Array<[Binding, number]> = [];
  for (const b of list.filter(x => x.kind === 'per-pod')) {
    if (Number(b.value) !== from) return { reason: `${where(b)} disagrees with the GPU count ${from} today; change them together by hand` };
    set.push([b, to]);
  }
  const tp = list.filter(b => b.kind === 'tensor-parallel');
  const pp = list.filter(b => b.kind === 'pipeline-parallel');
  if (tp.length + pp.length === 0) return { set };
  const one = (bs: Binding[]) => {
    const values = [...new Set(bs.map(b => Number(b.value)))];
    return values.length <= 1 ? values[0] ?? 1 : undefined;
  };
  const t = one(tp), p = one(pp);
  if (t === undefined || p === undefined) return { reason: `${where((t === undefined ? tp : pp)[1])} disagrees with ${where((t === undefined ? tp : pp)[0])}; change them by hand` };
  if (t * p !== from) return { reason: `${[...tp, ...pp].map(where).join(' × ')} is ${t * p}, not the ${from} GPUs of the pod today; change them together by hand` };
  // Keep the pipeline depth, re-shard the tensor parallelism (the engines' own rule of thumb).
  const target = tp.length > 0 ? to / p : to / t;
  const changing = tp.length > 0 ? tp : pp;
  if (!isPowerOfTwo(target)) {
    return { reason: `${where(changing[0])} would have to become ${Number.isInteger(target) ? target : `${to}/${tp.length > 0 ? p : t}`}, which is not a power of two (tensor parallelism must divide the model's attention heads); the GPU count stays ${from}` };
  }
  for (const b of changing) set.push([b, target]);
  return { set };
}
