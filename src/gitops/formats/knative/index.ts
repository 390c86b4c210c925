// Knative Serving `Service`: a pod spec at spec.template.spec, and the autoscaler bounds in
// annotations (`autoscaling.knative.dev/min-scale` / `max-scale`, and the older `minScale` /
// `maxScale`), which act like HPA bounds. The same annotations sit on KServe InferenceServices
// and NIMServices run by Knative, so the annotation walker is shared.

import type { FieldName } from '../../../core/types.ts';
import type { Context } from '../../model.ts';
import type { PathSegment, YAMLMap } from '../../yaml.ts';
import { child, countAt, descend, podSpecAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

const SCALE: Record<string, FieldName> = {
  'autoscaling.knative.dev/min-scale': 'hpa.minReplicas',
  'autoscaling.knative.dev/minScale': 'hpa.minReplicas',
  'autoscaling.knative.dev/max-scale': 'hpa.maxReplicas',
  'autoscaling.knative.dev/maxScale': 'hpa.maxReplicas',
};

/** Knative scale bounds in the `annotations` map of `map` (at `path`). */
export function knativeScaleAt(ctx: Context, map: unknown, path: PathSegment[], w: Walk): void {
  const annotations = child(ctx, map, 'annotations', w);
  if (!annotations) return;
  for (const [key, field] of Object.entries(SCALE)) countAt(annotations.ctx, annotations.node, key, [...path, 'annotations'], field, w);
}

export const knativeService: WorkloadKindFormat = {
  format: 'knative',
  matches: (apiVersion, kind) => apiVersion.startsWith('serving.knative.dev/') && kind === 'Service',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const name = ctx.workload?.name;
    // Knative runs each revision as a Deployment `<name>-0000n-deployment`: match by the Service name.
    const part: Context = { ...ctx, match: { ...ctx.match, kind: undefined, names: [...ctx.match.names, ...(name ? [`${name}-deployment`] : [])] } };
    const meta = child(part, root, 'metadata', w);
    if (meta) knativeScaleAt(meta.ctx, meta.node, ['metadata'], w);
    const template = descend(part, root, ['spec', 'template'], w);
    if (!template) return;
    const tmeta = child(template.ctx, template.node, 'metadata', w);
    if (tmeta) knativeScaleAt(tmeta.ctx, tmeta.node, ['spec', 'template', 'metadata'], w);
    podSpecAt(template.ctx, template.node, ['spec'], ['spec', 'template'], w);
  },
};
