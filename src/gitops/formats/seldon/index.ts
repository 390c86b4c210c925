// Seldon Core. v1 `SeldonDeployment` (machinelearning.seldon.io): every `predictors[]` has
// `replicas` and `componentSpecs[]`, each a pod spec (`spec`) with an optional `hpaSpec`
// (bounds and metrics of the HPA Seldon creates). v2 (mlops.seldon.io) `Server` and `Model`:
// `replicas`, `minReplicas`, `maxReplicas`; a Server's `podSpec`.

import type { Context } from '../../model.ts';
import type { PathSegment, YAMLMap } from '../../yaml.ts';
import { boundsAt, child, countAt, namedItems, partContext, podSpecAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

export const seldonDeployment: WorkloadKindFormat = {
  format: 'seldon',
  matches: (apiVersion, kind) => apiVersion.startsWith('machinelearning.seldon.io/') && kind === 'SeldonDeployment',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    const name = ctx.workload?.name;
    for (const predictor of namedItems(spec.ctx, spec.node, 'predictors', w)) {
      const pctx = { ...partContext(predictor.ctx, predictor.label), match: { ...predictor.ctx.match, kind: undefined, names: [...predictor.ctx.match.names, ...(name ? [`${name}-${predictor.label}`] : [])] } };
      const ppath: PathSegment[] = ['spec', 'predictors', predictor.seg];
      countAt(pctx, predictor.node, 'replicas', ppath, 'replicas', w);
      for (const component of namedItems(pctx, predictor.node, 'componentSpecs', w)) {
        const cpath = [...ppath, 'componentSpecs', component.seg];
        const hpa = child(component.ctx, component.node, 'hpaSpec', w);
        if (hpa) boundsAt(hpa.ctx, hpa.node, [...cpath, 'hpaSpec'], w);
        countAt(component.ctx, component.node, 'replicas', cpath, 'replicas', w);
        podSpecAt(component.ctx, component.node, ['spec'], cpath, w);
      }
    }
  },
};

export const seldonV2: WorkloadKindFormat = {
  format: 'seldon',
  matches: (apiVersion, kind) => apiVersion.startsWith('mlops.seldon.io/') && (kind === 'Server' || kind === 'Model'),
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    countAt(spec.ctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    boundsAt(spec.ctx, spec.node, ['spec'], w);
    podSpecAt(spec.ctx, spec.node, ['podSpec'], ['spec'], w);
  },
};
