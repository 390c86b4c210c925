// Plain Kubernetes manifests: Deployment, StatefulSet, DaemonSet, CronJob, Job, Argo Rollout
// (containers and `spec.replicas`), HorizontalPodAutoscaler (bounds and utilisation targets),
// and any other object that embeds pod templates (RayService, ServingRuntime…: containers only).
// Partial manifests used as Kustomize strategic-merge patches go through here too.

import type { FieldName } from '../../../core/types.ts';
import type { Context, Found } from '../../model.ts';
import { countSpot, enter, isResourceMap, walkContainer, walkPodSpec, walkResources } from '../../walk.ts';
import {
  duplicateKeys, get, getIn, getString, isMap, isSeq, keyText, scalarText,
  type Document, type Node, type Pair, type PathSegment, type YAMLMap,
} from '../../yaml.ts';

export const FORMAT = 'manifest';

const POD_TEMPLATE: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  Rollout: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Pod: ['spec'],
};

const WITH_REPLICAS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'Rollout']);

/** Kinds that carry look-alike quantities but no containers. */
const NOT_WORKLOADS = new Set(['ResourceQuota', 'LimitRange', 'PersistentVolumeClaim', 'PersistentVolume', 'ConfigMap', 'Secret', 'Namespace', 'Service', 'CustomResourceDefinition']);

export function isObject(root: unknown): root is YAMLMap {
  return isMap(root) && typeof getString(root, ['apiVersion']) === 'string' && typeof getString(root, ['kind']) === 'string';
}

/** Extracts one manifest (whole or partial). The caller has set workload/match in ctx. */
export function extractManifest(ctx: Context, root: YAMLMap, found: Found, doc: Document, anchors: Set<string>, basePath: PathSegment[] = []): void {
  const kind = getString(root, ['kind']) ?? '';
  if (NOT_WORKLOADS.has(kind)) return;
  if (kind === 'HorizontalPodAutoscaler') return extractHpa(ctx, root, found, basePath);
  const templatePath = POD_TEMPLATE[kind];
  if (templatePath) {
    const spec = get(root, 'spec');
    if (WITH_REPLICAS.has(kind) && isMap(spec)) {
      const dup = duplicateKeys(spec);
      const pair = pairIn(spec, 'replicas');
      const specPair = pairIn(root, 'spec');
      if (pair && specPair) {
        const sctx = enter(ctx, specPair, spec, anchors, doc).ctx;
        const spot = countSpot(sctx, pair, [...basePath, 'spec', 'replicas'], 'replicas', dup.has('replicas'));
        if (spot) found.spots.push(spot);
      }
    }
    const { ctx: podCtx, node: podSpec } = descend(ctx, root, templatePath, anchors, doc);
    if (podSpec) walkPodSpec(podCtx, podSpec, [...basePath, ...templatePath], found, doc, anchors);
    return;
  }
  // Anything else: look for pod specs (maps with a `containers` list) anywhere below `spec`.
  const visit = (c: Context, node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      if (isSeq(get(node, 'containers'))) { walkPodSpec(c, node, path, found, doc, anchors); return; }
      for (const pair of node.items) {
        const key = keyText(pair as Pair);
        if (key === undefined) continue;
        if (key === 'resources' && isMap(pair.value) && !isResourceMap(pair.value)) {
          // Components to requests/limits (CephCluster `spec.resources.{mgr,mon,osd}`).
          for (const comp of pair.value.items) {
            const name = keyText(comp as Pair);
            if (name !== undefined && isResourceMap(comp.value)) walkResources({ ...c, container: name }, pair.value, comp as Pair, [...path, 'resources', name], found, doc, anchors);
          }
          continue;
        }
        if (/(Deployment|DaemonSet)$/.test(key) && isMap(pair.value) && isMap(get(pair.value, 'container'))) {
          // Envoy Gateway's EnvoyProxy: `envoyDeployment: {replicas, container: {resources}}`.
          const next = enter(c, pair as Pair, pair.value, anchors, doc);
          const deployment = next.node as YAMLMap;
          const replicas = pairIn(deployment, 'replicas');
          if (replicas) { const spot = countSpot(next.ctx, replicas, [...path, key, 'replicas'], 'replicas'); if (spot) found.spots.push(spot); }
          const containerPair = pairIn(deployment, 'container')!;
          const inner = enter(next.ctx, containerPair, containerPair.value, anchors, doc);
          if (isMap(inner.node)) walkContainer({ ...inner.ctx, container: key }, inner.node, [...path, key, 'container'], found, doc, anchors);
          continue;
        }
        const next = enter(c, pair as Pair, pair.value, anchors, doc);
        visit(next.ctx, next.node, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const next = enter(c, undefined, item, anchors, doc);
        const name = scalarText(get(next.node, 'name'));
        visit(next.ctx, next.node, [...path, { index, ...(name !== undefined ? { name } : {}) }]);
      });
    }
  };
  const specPair = pairIn(root, 'spec');
  if (specPair) {
    const next = enter(ctx, specPair, specPair.value, anchors, doc);
    visit(next.ctx, next.node, [...basePath, 'spec']);
  }
}

function pairIn(map: unknown, key: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  let found: Pair | undefined;
  for (const p of map.items) if (keyText(p as Pair) === key) found = p as Pair;
  return found;
}

function descend(ctx: Context, root: YAMLMap, keys: string[], anchors: Set<string>, doc: Document): { ctx: Context; node: Node | undefined } {
  let c = ctx;
  let node: unknown = root;
  for (const key of keys) {
    const pair = pairIn(node, key);
    if (!pair) return { ctx: c, node: undefined };
    const next = enter(c, pair, pair.value, anchors, doc);
    c = next.ctx;
    node = next.node;
  }
  return { ctx: c, node: node as Node };
}

function extractHpa(ctx: Context, root: YAMLMap, found: Found, basePath: PathSegment[]): void {
  const spec = get(root, 'spec');
  if (!isMap(spec)) return;
  const dup = duplicateKeys(spec);
  const direct: Record<string, FieldName> = { minReplicas: 'hpa.minReplicas', maxReplicas: 'hpa.maxReplicas', targetCPUUtilizationPercentage: 'hpa.targetCPUUtilization' };
  for (const pair of spec.items) {
    const key = keyText(pair as Pair);
    if (key && direct[key]) {
      const spot = countSpot(ctx, pair as Pair, [...basePath, 'spec', key], direct[key], dup.has(key));
      if (spot) found.spots.push(spot);
    }
  }
  const metrics = get(spec, 'metrics');
  if (!isSeq(metrics)) return;
  metrics.items.forEach((metric, index) => {
    if (getString(metric, ['type']) !== 'Resource') return;
    const resource = get(metric, 'resource');
    const name = getString(resource, ['name']);
    const field: FieldName | undefined = name === 'cpu' ? 'hpa.targetCPUUtilization' : name === 'memory' ? 'hpa.targetMemoryUtilization' : undefined;
    if (!field) return;
    // autoscaling/v2: target.averageUtilization; v2beta1: targetAverageUtilization.
    const target = get(resource, 'target');
    const v2 = pairIn(target, 'averageUtilization');
    const v2beta1 = pairIn(resource, 'targetAverageUtilization');
    const path: PathSegment[] = [...basePath, 'spec', 'metrics', { index }, 'resource'];
    const spot = v2 ? countSpot(ctx, v2, [...path, 'target', 'averageUtilization'], field)
      : v2beta1 ? countSpot(ctx, v2beta1, [...path, 'targetAverageUtilization'], field) : undefined;
    if (spot) found.spots.push(spot);
  });
}

/** Workload identity of a manifest: kind/name/namespace, or the HPA's scale target. */
export function manifestWorkload(root: YAMLMap): { kind?: string; name?: string; namespace?: string } {
  const kind = getString(root, ['kind']);
  const namespace = getString(root, ['metadata', 'namespace']);
  if (kind === 'HorizontalPodAutoscaler') {
    return { kind: getString(root, ['spec', 'scaleTargetRef', 'kind']), name: getString(root, ['spec', 'scaleTargetRef', 'name']), namespace };
  }
  return { kind, name: getString(root, ['metadata', 'name']), namespace };
}

/** Container names by index, for JSON6902 patches that address `containers/0`. */
export function containerNames(root: YAMLMap): { containers: string[]; initContainers: string[] } {
  const kind = getString(root, ['kind']) ?? '';
  const podSpec = getIn(root, POD_TEMPLATE[kind] ?? ['spec', 'template', 'spec']);
  const names = (key: string) => {
    const list = get(podSpec, key);
    return isSeq(list) ? list.items.map(i => scalarText(get(i, 'name')) ?? '') : [];
  };
  return { containers: names('containers'), initContainers: names('initContainers') };
}
