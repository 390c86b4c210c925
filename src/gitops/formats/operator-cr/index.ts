// Any other operator custom resource that sizes the pods it runs the way most operators do:
// `spec.replicas` and `spec.resources` (requests/limits), or the same one level down for each
// component (`spec.kafka.replicas` + `spec.kafka.resources`, `spec.server.replicas`…); pod
// specs below `spec` as the plain-manifest walker finds them. Offered last, after the kinds
// that have their own folder; core and built-in API groups never reach it.

import type { Context } from '../../model.ts';
import { isMap, keyText, pairOf, type Pair, type PathSegment, type YAMLMap } from '../../yaml.ts';
import { child, countAt, partContext, resourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';
import { extractManifest } from '../manifests/index.ts';

/** API groups of Kubernetes itself, of the kinds other formats own, and of Cluster API (its replicas are machines). */
const BUILT_IN = /^(v1|apps\/|batch\/|autoscaling\/|policy\/|networking\.k8s\.io\/|rbac\.authorization\.k8s\.io\/|storage\.k8s\.io\/|apiextensions\.k8s\.io\/|admissionregistration\.k8s\.io\/|scheduling\.k8s\.io\/|coordination\.k8s\.io\/|discovery\.k8s\.io\/|node\.k8s\.io\/|certificates\.k8s\.io\/|argoproj\.io\/|helm\.toolkit\.fluxcd\.io\/|kustomize\.config\.k8s\.io\/|([a-z]+\.)*cluster\.x-k8s\.io\/)/;

const hasSizing = (node: unknown) => isMap(node) && (isMap(pairOf(node, 'resources')?.value) || pairOf(node, 'replicas') !== undefined);

export const operatorCr: WorkloadKindFormat = {
  format: 'operator',
  matches: apiVersion => apiVersion.includes('/') && !BUILT_IN.test(apiVersion),
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (spec && isMap(spec.node)) {
      sizing(spec.ctx, spec.node, ['spec'], w);
      for (const pair of spec.node.items) {
        const key = keyText(pair as Pair);
        const part = key === undefined ? undefined : child(spec.ctx, spec.node, key, w);
        if (!part || key === undefined || !hasSizing(part.node)) continue;
        sizing({ ...partContext(part.ctx, key), container: key }, part.node as YAMLMap, ['spec', key], w);
      }
    }
    extractManifest(ctx, root, w.found, w.doc, w.anchors);
  },
};

function sizing(ctx: Context, node: YAMLMap, path: PathSegment[], w: Walk): void {
  countAt(ctx, node, 'replicas', path, 'replicas', w);
  const resources = pairOf(node, 'resources')?.value;
  if (isMap(resources) && resources.items.some(p => ['requests', 'limits'].includes(keyText(p as Pair) ?? ''))) resourcesAt(ctx, node, 'resources', path, w);
}
