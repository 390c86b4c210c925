// The locator: every place in a repository that sets container CPU/memory/GPU, replicas or
// HPA bounds/targets, with the workload and container it belongs to when that can be told.
// Each document is offered to the formats in turn; repository-wide facts (Kustomize overlays,
// Argo CD value files, marker comments) are gathered first.

import path from 'node:path';
import type { ClusterConfig } from '../config/types.ts';
import type { InputError } from '../core/errors.ts';
import type { Context, Found, MatchInfo, Spot } from './model.ts';
import type { RepoFile } from './repo-files.ts';
import { aliasedAnchors, resetPositionCache } from './walk.ts';
import { fileSource, get, getString, isMap, parseSource, type ParsedDoc, type YAMLMap } from './yaml.ts';
import { extractArgoApp, isArgoApp, valueFileRefs, type AppInfo } from './formats/argocd/index.ts';
import { extractHelmRelease, isHelmRelease } from './formats/flux/index.ts';
import { FORMAT as HELM_VALUES, looksLikeValues, walkValues } from './formats/helm-values/index.ts';
import {
  extractKustomization, extractOps, isKustomizationFile, isOpList, kustomizeRoles,
  type KustomizeHelpers, type KustomizeRole, type PatchTarget,
} from './formats/kustomize/index.ts';
import { containerNames, extractManifest, FORMAT as MANIFEST, isObject, manifestWorkload } from './formats/manifests/index.ts';
import { workloadKindFormat } from './formats/workload-kinds.ts';

export interface LocateResult extends Found {
  errors: InputError[];
}

/** Files that are YAML but never hold workload settings. */
const NOT_GITOPS = [/(^|\/)\.github\//, /(^|\/)rightsizer\.ya?ml$/, /(^|\/)Chart\.ya?ml$/, /(^|\/)policies\//, /(^|\/)\.pre-commit/, /(^|\/)(docker-)?compose\.ya?ml$/];

export function locateDetailed(files: RepoFile[], options: { clusters?: ClusterConfig[] } = {}): LocateResult {
  resetPositionCache();
  const clusters = options.clusters ?? [];
  const errors: InputError[] = [];
  const parsed = new Map<string, ParsedDoc[]>();
  for (const file of files) {
    if (NOT_GITOPS.some(re => re.test(file.path))) continue;
    const { docs, error } = parseSource(fileSource(file.path, file.text));
    if (error) errors.push(error);
    else parsed.set(file.path, docs);
  }

  const roles = kustomizeRoles(parsed);
  // Which workload each base manifest describes, and its containers by index.
  const byWorkload = new Map<string, { containers: string[]; initContainers: string[] }>();
  const valueRefs = new Map<string, Array<{ info: AppInfo; chart?: string }>>();
  for (const [file, docs] of parsed) {
    const isPatch = (roles.get(file) ?? []).some(r => r.patch);
    for (const { doc } of docs) {
      const root = doc.contents;
      if (isObject(root)) {
        const w = manifestWorkload(root);
        if (w.name && !isPatch) {
          const names = containerNames(root);
          if (names.containers.length > 0 && !byWorkload.has(`${w.kind}/${w.name}`)) {
            byWorkload.set(`${w.kind}/${w.name}`, names);
            if (!byWorkload.has(`*/${w.name}`)) byWorkload.set(`*/${w.name}`, names);
          }
        }
        if (isArgoApp(root)) {
          for (const ref of valueFileRefs(root, clusters)) {
            const list = valueRefs.get(ref.file) ?? [];
            list.push({ info: ref.info, chart: ref.chart });
            valueRefs.set(ref.file, list);
          }
        }
      }
    }
  }

  const found: Found = { spots: [], blocks: [] };
  for (const [file, docs] of parsed) {
    const fileRoles = roles.get(file) ?? [];
    for (const parsedDoc of docs) {
      const root = parsedDoc.doc.contents;
      if (root === null || root === undefined) continue;
      const anchors = aliasedAnchors(parsedDoc.doc);
      const base: Context = {
        source: parsedDoc.source, docIndex: parsedDoc.index, format: MANIFEST,
        match: { names: [], namespaces: [], precedence: 0 }, keyLines: [],
      };
      const helpers = helpersFor(fileRoles, byWorkload, file, clusters);
      if (isKustomizationFile(file, root)) {
        extractKustomization({ ...base, format: 'kustomize' }, parsedDoc, found, anchors, helpers);
      } else if (isOpList(root)) {
        const patchRole = fileRoles.find(r => r.patch);
        extractOps({ ...base, format: 'kustomize' }, root as import('yaml').YAMLSeq, patchRole?.patch?.target, found, parsedDoc.doc, anchors, helpers);
      } else if (isArgoApp(root)) {
        extractArgoApp(base, root, found, parsedDoc.doc, anchors, clusters, helpers);
      } else if (isObject(root)) {
        const own = manifestWorkload(root);
        const patchRole = fileRoles.find(r => r.patch);
        const target = { kind: own.kind ?? patchRole?.patch?.target?.kind, name: own.name ?? patchRole?.patch?.target?.name, namespace: own.namespace };
        const ctx = { ...helpers.manifestContext(base, target), format: patchRole ? 'kustomize' : MANIFEST };
        const custom = workloadKindFormat(getString(root, ['apiVersion']), getString(root, ['kind']));
        if (isHelmRelease(root)) extractHelmRelease({ ...ctx, format: 'flux' }, root, found, parsedDoc.doc, anchors);
        else if (custom) custom.extract({ ...ctx, format: patchRole ? 'kustomize' : custom.format }, root, { found, doc: parsedDoc.doc, anchors });
        else extractManifest(ctx, root, found, parsedDoc.doc, anchors);
      } else if (looksLikeValues(root) && !isSettingsFile(root)) {
        walkValues(valuesContext(base, valueRefs.get(file)), root as YAMLMap, [], [], found, parsedDoc.doc, anchors);
      }
    }
  }
  applyMarkers(found, files);
  found.spots.sort((a, b) => a.file === b.file ? a.start - b.start : a.file < b.file ? -1 : 1);
  return { ...found, errors };
}

/** Values files of other tools look like this: skip the obvious ones. */
function isSettingsFile(root: unknown): boolean {
  return isMap(root) && (get(root, 'rules') !== undefined && get(root, 'version') !== undefined);
}

function valuesContext(base: Context, refs: Array<{ info: AppInfo; chart?: string }> | undefined): Context {
  const ref = refs?.length === 1 ? refs[0] : undefined;
  const release = ref?.info.release;
  const match: MatchInfo = {
    names: release ? [release] : [],
    namespaces: ref?.info.namespace ? [ref.info.namespace] : [],
    ...(ref?.info.cluster ? { cluster: ref.info.cluster } : {}),
    precedence: 0,
    helm: { ...(release ? { release } : {}), ...(ref?.chart ? { chart: ref.chart } : {}), component: [] },
  };
  const workload = release ? { name: release, ...(ref?.info.namespace ? { namespace: ref.info.namespace } : {}), ...(ref?.info.cluster ? { cluster: ref.info.cluster } : {}) } : undefined;
  return { ...base, format: HELM_VALUES, match, ...(workload ? { workload } : {}) };
}

function helpersFor(fileRoles: KustomizeRole[], byWorkload: Map<string, { containers: string[]; initContainers: string[] }>, file: string, clusters: ClusterConfig[]): KustomizeHelpers {
  return {
    manifestContext(base: Context, target: PatchTarget): Context {
      const namespaces = new Set<string>(base.match.namespaces);
      const names = new Set<string>();
      let precedence = base.match.precedence;
      if (fileRoles.length === 0) {
        if (target.namespace) namespaces.add(target.namespace);
        if (target.name) names.add(target.name);
      }
      for (const role of fileRoles) {
        const ns = role.namespace ?? target.namespace;
        if (ns) namespaces.add(ns);
        if (target.name) {
          names.add(target.name);
          names.add(`${role.prefix}${target.name}${role.suffix}`);
        }
        precedence = Math.max(precedence, role.precedence);
      }
      const cluster = base.match.cluster ?? clusterFromPath(file, clusters);
      const nsList = [...namespaces];
      const match: MatchInfo = { names: [...names], namespaces: nsList, ...(target.kind ? { kind: target.kind } : {}), ...(cluster ? { cluster } : {}), precedence };
      const workload = target.name ? {
        ...(target.kind ? { kind: target.kind } : {}),
        ...(nsList.length === 1 ? { namespace: nsList[0] } : {}),
        name: target.name,
        ...(cluster ? { cluster } : {}),
      } : undefined;
      return { ...base, match, ...(workload ? { workload } : { workload: undefined }) };
    },
    containerNames(target: PatchTarget) {
      return byWorkload.get(`${target.kind}/${target.name}`) ?? byWorkload.get(`*/${target.name}`);
    },
  };
}

/** A path segment equal to a configured cluster's name or alias pins the file to that cluster. */
export function clusterFromPath(file: string, clusters: ClusterConfig[]): string | undefined {
  const segments = path.posix.dirname(file).split('/');
  for (const c of clusters) {
    if (segments.some(s => s === c.name || (c.aliases ?? []).includes(s))) return c.name;
  }
  return undefined;
}

const MARKER = /#\s*rightsizer:\s*([A-Za-z]+)\/([^/\s]+)\/([^/\s]+)(?:\/([^/\s]+))?/;

/** `# rightsizer: <kind>/<namespace>/<name>[/<container>]` on or above a key names its workload. */
function applyMarkers(found: Found, files: RepoFile[]): void {
  const markersByFile = new Map<string, Map<number, { kind: string; namespace: string; name: string; container?: string }>>();
  for (const file of files) {
    if (!file.text.includes('rightsizer:')) continue;
    const lines = file.text.split('\n');
    const markers = new Map<number, { kind: string; namespace: string; name: string; container?: string }>();
    lines.forEach((line, i) => {
      const m = MARKER.exec(line);
      if (!m) return;
      const marker = { kind: m[1], namespace: m[2], name: m[3], ...(m[4] ? { container: m[4] } : {}) };
      const before = line.slice(0, m.index).trim();
      if (before !== '') { markers.set(i + 1, marker); return; }
      for (let j = i + 1; j < lines.length; j++) {
        const t = lines[j].trim();
        if (t === '' || t.startsWith('#')) continue;
        markers.set(j + 1, marker);
        break;
      }
    });
    if (markers.size) markersByFile.set(file.path, markers);
  }
  if (markersByFile.size === 0) return;
  const apply = (item: { ctx: Context }, file: string): Context | undefined => {
    const markers = markersByFile.get(file);
    if (!markers) return undefined;
    for (let i = item.ctx.keyLines.length - 1; i >= 0; i--) {
      const marker = markers.get(item.ctx.keyLines[i]);
      if (!marker) continue;
      const kind = normaliseKind(marker.kind);
      const explicit = { kind, namespace: marker.namespace, name: marker.name, ...(marker.container ? { container: marker.container } : {}) };
      return {
        ...item.ctx,
        match: { ...item.ctx.match, explicit },
        workload: { kind, namespace: marker.namespace, name: marker.name, ...(item.ctx.match.cluster ? { cluster: item.ctx.match.cluster } : {}) },
        ...(marker.container ? { container: marker.container } : {}),
      };
    }
    return undefined;
  };
  for (const spot of found.spots) {
    const ctx = apply(spot, spot.file);
    if (!ctx) continue;
    spot.ctx = ctx;
    spot.workload = ctx.workload;
    if (ctx.container !== undefined) spot.container = ctx.container;
  }
  for (const block of found.blocks) {
    const ctx = apply(block, block.ctx.source.file);
    if (ctx) block.ctx = ctx;
  }
}

const KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'Rollout'];
export function normaliseKind(kind: string): string {
  return KINDS.find(k => k.toLowerCase() === kind.toLowerCase()) ?? kind;
}

export type { Spot };
