// Argo CD Application and ApplicationSet: `spec.source(s).helm.values` (an inline YAML string),
// `helm.valuesObject`, `helm.parameters`, and `kustomize.patches`. The destination tells the
// cluster and namespace; releaseName (or the Application's name) names the workloads.

import path from 'node:path';
import type { ClusterConfig } from '../../../config/types.ts';
import type { FieldName } from '../../../core/types.ts';
import type { Context, Found, MatchInfo } from '../../model.ts';
import { countSpot, makeSpot, resourceOf } from '../../walk.ts';
import {
  embeddedSource, get, getIn, getString, isMap, isScalar, isSeq, itemName, keyText, parseSource, pathText,
  type Document, type Pair, type PathSegment, type YAMLMap,
} from '../../yaml.ts';
import { walkValues } from '../helm-values/index.ts';
import { extractInlinePatch, type KustomizeHelpers } from '../kustomize/index.ts';

export const FORMAT = 'argocd';

export function isArgoApp(root: unknown): root is YAMLMap {
  const apiVersion = getString(root, ['apiVersion']) ?? '';
  const kind = getString(root, ['kind']);
  return apiVersion.startsWith('argoproj.io/') && (kind === 'Application' || kind === 'ApplicationSet');
}

/** The configured cluster an Argo CD destination (name or server URL) refers to. */
export function clusterOf(destination: string | undefined, clusters: ClusterConfig[]): string | undefined {
  if (!destination) return undefined;
  const hit = clusters.find(c => c.name === destination || (c.aliases ?? []).includes(destination));
  if (hit) return hit.name;
  if ((destination === 'in-cluster' || destination === 'https://kubernetes.default.svc') && clusters.length === 1) return clusters[0].name;
  return clusters.length === 0 ? destination : undefined;
}

export interface AppInfo {
  spec: unknown;
  specPath: PathSegment[];
  release: string | undefined;
  namespace?: string;
  cluster?: string;
  /** ApplicationSet templates stamp out many Applications: values there are shared. */
  shared?: string;
}

export function appInfo(root: YAMLMap, clusters: ClusterConfig[]): AppInfo {
  const isSet = getString(root, ['kind']) === 'ApplicationSet';
  const specPath: PathSegment[] = isSet ? ['spec', 'template', 'spec'] : ['spec'];
  const spec = getIn(root, specPath.map(String));
  const name = isSet ? getString(root, ['spec', 'template', 'metadata', 'name']) : getString(root, ['metadata', 'name']);
  const destination = get(spec, 'destination');
  const rawCluster = getString(destination, ['name']) ?? getString(destination, ['server']);
  const templated = (s: string | undefined) => s !== undefined && (s.includes('{{') || s.includes('${'));
  return {
    spec, specPath,
    release: name,
    namespace: getString(destination, ['namespace']),
    cluster: templated(rawCluster) ? undefined : clusterOf(rawCluster, clusters),
    ...(isSet && (templated(name) || !name) ? { shared: 'the value is in an ApplicationSet template shared by every Application it generates; edit it by hand' } : {}),
  };
}

/** Helm value files an Application points at, relative to the repository root. */
export function valueFileRefs(root: YAMLMap, clusters: ClusterConfig[]): Array<{ file: string; info: AppInfo; chart?: string }> {
  const info = appInfo(root, clusters);
  const out: Array<{ file: string; info: AppInfo; chart?: string }> = [];
  for (const { source } of sources(info.spec)) {
    const files = get(get(source, 'helm'), 'valueFiles');
    if (!isSeq(files)) continue;
    const base = getString(source, ['path']) ?? '';
    for (const f of files.items) {
      const text = scalarOf(f);
      if (!text || text.includes('{{')) continue;
      const file = text.startsWith('$') ? text.replace(/^\$[^/]+\//, '') : path.posix.normalize(path.posix.join(base, text));
      out.push({ file, info, chart: getString(source, ['chart']) ?? (base ? path.posix.basename(base) : undefined) });
    }
  }
  return out;
}

function scalarOf(node: unknown): string | undefined {
  return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

function sources(spec: unknown): Array<{ source: YAMLMap; path: PathSegment[] }> {
  const out: Array<{ source: YAMLMap; path: PathSegment[] }> = [];
  const one = get(spec, 'source');
  if (isMap(one)) out.push({ source: one, path: ['source'] });
  const many = get(spec, 'sources');
  if (isSeq(many)) many.items.forEach((s, index) => { if (isMap(s)) out.push({ source: s, path: ['sources', { index, ...(itemName(s) !== undefined ? { name: itemName(s)! } : {}) }] }); });
  return out;
}

function pairIn(map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  let found: Pair | undefined;
  for (const p of map.items) if (keyText(p as Pair) === key) found = p as Pair;
  return found;
}

/** Splits a Helm --set name on unescaped dots: `a.b\.c` → [a, b.c]. */
export function helmPath(name: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '\\' && name[i + 1] === '.') { cur += '.'; i++; }
    else if (name[i] === '.') { out.push(cur); cur = ''; }
    else cur += name[i];
  }
  out.push(cur);
  return out;
}

const PARAM_HPA: Record<string, FieldName> = {
  minReplicas: 'hpa.minReplicas', maxReplicas: 'hpa.maxReplicas',
  targetCPUUtilizationPercentage: 'hpa.targetCPUUtilization', targetMemoryUtilizationPercentage: 'hpa.targetMemoryUtilization',
};

export function extractArgoApp(ctx: Context, root: YAMLMap, found: Found, doc: Document, anchors: Set<string>, clusters: ClusterConfig[], helpers: KustomizeHelpers): void {
  const info = appInfo(root, clusters);
  for (const { source, path: srcPath } of sources(info.spec)) {
    const base = [...info.specPath, ...srcPath];
    const chart = getString(source, ['chart']) ?? (getString(source, ['path']) ? path.posix.basename(getString(source, ['path'])!) : undefined);
    const match: MatchInfo = {
      names: info.release ? [info.release] : [],
      namespaces: info.namespace ? [info.namespace] : [],
      ...(info.cluster ? { cluster: info.cluster } : {}),
      precedence: 1,
      helm: { ...(info.release ? { release: info.release } : {}), ...(chart ? { chart } : {}), component: [] },
    };
    const workload = info.release ? { name: info.release, ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.cluster ? { cluster: info.cluster } : {}) } : undefined;
    const actx: Context = { ...ctx, format: FORMAT, match, ...(workload ? { workload } : {}), ...(info.shared ? { readOnly: ctx.readOnly ?? info.shared } : {}) };
    const helm = get(source, 'helm');
    if (isMap(helm)) {
      const values = get(helm, 'values');
      if (isScalar(values) && typeof values.value === 'string') {
        const embedded = embeddedSource(ctx.source, values, pathText([...base, 'helm', 'values']));
        if (embedded) {
          const { docs } = parseSource(embedded);
          for (const inner of docs) {
            const innerRoot = inner.doc.contents;
            if (isMap(innerRoot)) walkValues({ ...actx, source: embedded }, innerRoot, [], [], found, inner.doc, new Set());
          }
        }
      } else if (isMap(values)) {
        walkValues(actx, values, [...base, 'helm', 'values'], [], found, doc, anchors);
      }
      const valuesObject = get(helm, 'valuesObject');
      if (isMap(valuesObject)) walkValues(actx, valuesObject, [...base, 'helm', 'valuesObject'], [], found, doc, anchors);
      const params = get(helm, 'parameters');
      if (isSeq(params)) {
        params.items.forEach((item, index) => {
          const name = getString(item, ['name']);
          const valuePair = pairIn(item, 'value');
          if (!name || !valuePair) return;
          const keys = helmPath(name);
          const last = keys[keys.length - 1];
          const seg: PathSegment = { index, name };
          const p = [...base, 'helm', 'parameters', seg, 'value'];
          const r = keys.lastIndexOf('resources');
          if (r !== -1 && keys.length === r + 3 && (keys[r + 1] === 'requests' || keys[r + 1] === 'limits')) {
            const res = resourceOf(last);
            if (!res) return;
            const component = keys.slice(0, r);
            const c = { ...actx, match: { ...match, helm: { ...match.helm!, component } }, ...(component.length ? { container: component.join('.') } : {}) };
            const spot = makeSpot(c, valuePair, p, `${res}.${keys[r + 1] === 'requests' ? 'request' : 'limit'}` as FieldName);
            if (spot) found.spots.push(spot);
          } else if (last === 'replicaCount' || last === 'replicas' || PARAM_HPA[last]) {
            const component = keys.slice(0, -1).filter(k => k !== 'autoscaling' && k !== 'hpa');
            const c = { ...actx, match: { ...match, helm: { ...match.helm!, component } } };
            const spot = countSpot(c, valuePair, p, PARAM_HPA[last] ?? 'replicas');
            if (spot) found.spots.push(spot);
          }
        });
      }
    }
    const kustomize = get(source, 'kustomize');
    const replicas = get(kustomize, 'replicas');
    if (isSeq(replicas)) {
      // `kustomize.replicas: [{name, count}]` overrides the replicas of the named Deployment.
      replicas.items.forEach((item, index) => {
        const name = getString(item, ['name']);
        const count = pairIn(item, 'count');
        if (!name || !count) return;
        const match: MatchInfo = { names: [name], namespaces: info.namespace ? [info.namespace] : [], ...(info.cluster ? { cluster: info.cluster } : {}), precedence: 3 };
        const workload = { name, ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.cluster ? { cluster: info.cluster } : {}) };
        const spot = countSpot({ ...ctx, format: FORMAT, match, workload, ...(info.shared ? { readOnly: ctx.readOnly ?? info.shared } : {}) }, count, [...base, 'kustomize', 'replicas', { index, name }, 'count'], 'replicas');
        if (spot) found.spots.push(spot);
      });
    }
    const patches = get(kustomize, 'patches');
    if (isSeq(patches)) {
      patches.items.forEach((item, index) => {
        const patch = get(item, 'patch');
        const target = get(item, 'target');
        if (!isScalar(patch) || typeof patch.value !== 'string') return;
        const t = isMap(target) ? { kind: getString(target, ['kind']), name: getString(target, ['name']) } : undefined;
        const kctx: Context = { ...ctx, format: FORMAT, match: { names: [], namespaces: info.namespace ? [info.namespace] : [], ...(info.cluster ? { cluster: info.cluster } : {}), precedence: 3 } };
        extractInlinePatch(kctx, patch, pathText([...base, 'kustomize', 'patches', { index }, 'patch']), t, found, helpers);
      });
    }
  }
}
