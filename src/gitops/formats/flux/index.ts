// Flux HelmRelease: `spec.values` is a values file inside the manifest. Partial HelmReleases
// that Kustomize overlays apply as patches (only metadata and spec.values) count too, with the
// overlay's precedence.

import type { Context, Found, MatchInfo } from '../../model.ts';
import { walkValues } from '../helm-values/index.ts';
import { get, getString, isMap, type Document, type YAMLMap } from '../../yaml.ts';

export const FORMAT = 'flux';

export function isHelmRelease(root: unknown): root is YAMLMap {
  return getString(root, ['kind']) === 'HelmRelease' && (getString(root, ['apiVersion']) ?? '').startsWith('helm.toolkit.fluxcd.io/');
}

export function extractHelmRelease(ctx: Context, root: YAMLMap, found: Found, doc: Document, anchors: Set<string>): void {
  const spec = get(root, 'spec');
  const values = get(spec, 'values');
  if (!isMap(values)) return;
  const name = getString(root, ['metadata', 'name']);
  const targetNamespace = getString(spec, ['targetNamespace']);
  const namespace = targetNamespace ?? getString(root, ['metadata', 'namespace']) ?? ctx.match.namespaces[0];
  // Flux names the release `<targetNamespace>-<name>` when targetNamespace is set, unless releaseName says otherwise.
  const release = getString(spec, ['releaseName']) ?? (name && targetNamespace ? `${targetNamespace}-${name}` : name);
  const chart = getString(spec, ['chart', 'spec', 'chart']);
  // The kind of the HelmRelease is not the kind of the workloads its chart renders.
  const { kind: _releaseKind, ...inherited } = ctx.match;
  const match: MatchInfo = {
    ...inherited,
    names: [...new Set([...(release ? [release] : []), ...(name ? [name] : [])])],
    namespaces: namespace ? [namespace] : ctx.match.namespaces,
    helm: { ...(release ? { release } : {}), ...(chart ? { chart } : {}), component: [] },
  };
  const workload = release ? { name: release, ...(namespace ? { namespace } : {}), ...(ctx.match.cluster ? { cluster: ctx.match.cluster } : {}) } : undefined;
  walkValues({ ...ctx, format: FORMAT, match, ...(workload ? { workload } : {}) }, values, ['spec', 'values'], [], found, doc, anchors);
}
