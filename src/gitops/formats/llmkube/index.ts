// llmkube (inference.llmkube.dev): an `InferenceService` runs a model server Deployment sized by
// `replicas` and flat `resources: {cpu, memory}`; its `Model` says how many GPUs it needs in
// `hardware.gpu.count` (of `hardware.gpu.resourceName`, nvidia.com/gpu by default).

import type { Context } from '../../model.ts';
import { getString, type YAMLMap } from '../../yaml.ts';
import { child, countAt, descend, flatResourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

export const llmkubeInferenceService: WorkloadKindFormat = {
  format: 'llmkube',
  matches: (apiVersion, kind) => apiVersion.startsWith('inference.llmkube.dev/') && kind === 'InferenceService',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    countAt(spec.ctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    flatResourcesAt(spec.ctx, spec.node, 'resources', ['spec'], w);
  },
};

export const llmkubeModel: WorkloadKindFormat = {
  format: 'llmkube',
  matches: (apiVersion, kind) => apiVersion.startsWith('inference.llmkube.dev/') && kind === 'Model',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const gpu = descend(ctx, root, ['spec', 'hardware', 'gpu'], w);
    if (!gpu) return;
    const before = w.found.spots.length;
    countAt(gpu.ctx, gpu.node, 'count', ['spec', 'hardware', 'gpu'], 'gpu.request', w);
    for (const spot of w.found.spots.slice(before)) spot.resource = getString(gpu.node, ['resourceName']) ?? 'nvidia.com/gpu';
  },
};
