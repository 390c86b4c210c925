// KServe `InferenceService` (serving.kserve.io): predictor, transformer and explainer, each a pod
// spec (`containers`) plus an embedded model container (`model:`, or a framework key such as
// `sklearn:`, `huggingface:`, explainer `alibi:`/`art:`) with its own `resources`; bounds
// `minReplicas`/`maxReplicas`, `scaleTarget` when `scaleMetric` is cpu or memory, and
// `autoScaling.metrics` of the newer API; Knative scale annotations. KServe `LLMInferenceService`:
// `replicas`, `template` and `worker` pod specs, the same again under `prefill`, and the
// scheduler's pod template under `router.scheduler.template` (an `LLMInferenceServiceConfig`
// has the same spec, located read-only: it is shared).
// KServe names the model container `kserve-container` and a component's Deployment
// `<name>-<component>` (raw mode) or `<name>-<component>-0000n-deployment` (Knative).

import type { Context } from '../../model.ts';
import { get, getString, isMap, keyText, type Pair, type YAMLMap } from '../../yaml.ts';
import { boundsAt, child, containerAt, countAt, descend, partContext, podSpecAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';
import { knativeScaleAt } from '../knative/index.ts';

const COMPONENTS = ['predictor', 'transformer', 'explainer'];

/** Keys of a component that are not an embedded container. */
const NOT_CONTAINERS = new Set(['containers', 'initContainers', 'affinity', 'tolerations', 'nodeSelector', 'annotations', 'labels', 'logger', 'batcher', 'volumes', 'securityContext', 'dnsConfig', 'deploymentStrategy', 'autoScaling', 'storage', 'workerSpec']);

/** An embedded container (model or framework spec) has at least one of these. */
const CONTAINER_KEYS = ['resources', 'storageUri', 'storage', 'image', 'modelFormat', 'runtime', 'args', 'env', 'type'];

export const MODEL_CONTAINER = 'kserve-container';

export const inferenceService: WorkloadKindFormat = {
  format: 'kserve',
  matches: (apiVersion, kind) => apiVersion.startsWith('serving.kserve.io/') && kind === 'InferenceService',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const name = ctx.workload?.name;
    const meta = child(ctx, root, 'metadata', w);
    if (meta) knativeScaleAt(meta.ctx, meta.node, ['metadata'], w);
    const spec = child(ctx, root, 'spec', w);
    if (!spec || !isMap(spec.node)) return;
    for (const component of COMPONENTS) {
      const part = child(spec.ctx, spec.node, component, w);
      if (!part || !isMap(part.node)) continue;
      const names = name ? [`${name}-${component}`, `${name}-${component}-default`] : [];
      const pctx = { ...partContext(part.ctx, component, names), match: { ...part.ctx.match, names: [...part.ctx.match.names, ...names], kind: undefined } };
      const path = ['spec', component];
      boundsAt(pctx, part.node, path, w);
      const metric = getString(part.node, ['scaleMetric']);
      if (metric === 'cpu') countAt(pctx, part.node, 'scaleTarget', path, 'hpa.targetCPUUtilization', w);
      else if (metric === 'memory') countAt(pctx, part.node, 'scaleTarget', path, 'hpa.targetMemoryUtilization', w);
      const auto = child(pctx, part.node, 'autoScaling', w);
      if (auto) boundsAt(auto.ctx, auto.node, [...path, 'autoScaling'], w, { min: '-', max: '-' });
      knativeScaleAt(pctx, part.node, path, w);
      podSpecAt(pctx, part.node, [], path, w);
      for (const pair of part.node.items) {
        const key = keyText(pair as Pair);
        const value = (pair as Pair).value;
        if (key === undefined || NOT_CONTAINERS.has(key) || !isMap(value) || !CONTAINER_KEYS.some(k => get(value, k) !== undefined)) continue;
        containerAt({ ...pctx, container: MODEL_CONTAINER }, part.node, key, path, w);
      }
      // Multi-node predictors (`workerSpec`) are a second pod spec with its own size.
      const worker = child(pctx, part.node, 'workerSpec', w);
      if (worker && isMap(worker.node)) podSpecAt({ ...worker.ctx, component: `${component}.worker` }, worker.node, [], [...path, 'workerSpec'], w);
    }
  },
};

export const llmInferenceService: WorkloadKindFormat = {
  format: 'kserve',
  matches: (apiVersion, kind) => apiVersion.startsWith('serving.kserve.io/') && (kind === 'LLMInferenceService' || kind === 'LLMInferenceServiceConfig'),
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const name = ctx.workload?.name;
    // A config is a base that KServe merges into every LLMInferenceService naming it.
    const shared = ctx.workload?.kind === 'LLMInferenceServiceConfig'
      ? { ...ctx, readOnly: ctx.readOnly ?? 'the value is in an LLMInferenceServiceConfig, a base merged into every LLMInferenceService that uses it; edit it by hand' }
      : ctx;
    const spec = child(shared, root, 'spec', w);
    if (!spec) return;
    // KServe runs the decode pods as `<name>-kserve`, prefill as `<name>-kserve-prefill`.
    const part = (c: Context, component: string, suffix: string) => ({
      ...partContext(c, component, name ? [`${name}${suffix}`] : []),
      match: { ...c.match, kind: undefined, names: [...c.match.names, ...(name ? [`${name}${suffix}`] : [])] },
    });
    const decode = part(spec.ctx, 'decode', '-kserve');
    countAt(decode, spec.node, 'replicas', ['spec'], 'replicas', w);
    podSpecAt(decode, spec.node, ['template'], ['spec'], w);
    podSpecAt({ ...decode, component: 'decode.worker' }, spec.node, ['worker'], ['spec'], w);
    const prefill = child(spec.ctx, spec.node, 'prefill', w);
    if (prefill) {
      const pctx = part(prefill.ctx, 'prefill', '-kserve-prefill');
      countAt(pctx, prefill.node, 'replicas', ['spec', 'prefill'], 'replicas', w);
      podSpecAt(pctx, prefill.node, ['template'], ['spec', 'prefill'], w);
      podSpecAt({ ...pctx, component: 'prefill.worker' }, prefill.node, ['worker'], ['spec', 'prefill'], w);
    }
    const scheduler = descend(spec.ctx, spec.node, ['router', 'scheduler'], w);
    if (scheduler) podSpecAt(part(scheduler.ctx, 'scheduler', '-kserve-router-scheduler'), scheduler.node, ['template'], ['spec', 'router', 'scheduler'], w);
  },
};
