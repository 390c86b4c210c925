// vLLM production-stack: the Helm chart's `servingEngineSpec.modelSpec[]` entries size one
// engine Deployment each with flat keys — `replicaCount`, `requestCPU`, `requestMemory`,
// `requestGPU` (of the resource named by `requestGPUType`, nvidia.com/gpu by default),
// `limitCPU`, `limitMemory` — and its operator's `VLLMRuntime` CR sizes one with
// `deploymentConfig.replicas` and flat `deploymentConfig.resources: {cpu, memory, gpu, gpuType}`
// (the sidecar likewise; `VLLMRouter` and `CacheServer` have `replicas` and the same flat
// `resources`). `vllmConfig.tensorParallelSize` is bound to the GPU count (see
// src/gitops/coupling.ts).

import type { FieldName } from '../../../core/types.ts';
import type { Context, Spot } from '../../model.ts';
import { countSpot, makeSpot } from '../../walk.ts';
import { getString, type Pair, type PathSegment, type YAMLMap } from '../../yaml.ts';
import { child, countAt, descend, flatResourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

const MODEL_SPEC_KEYS: Record<string, FieldName> = {
  requestCPU: 'cpu.request', requestMemory: 'memory.request', requestGPU: 'gpu.request',
  limitCPU: 'cpu.limit', limitMemory: 'memory.limit',
};

/**
 * A flat sizing key of a `modelSpec[]` entry in Helm values, or undefined. Called by the Helm
 * values walker for every key; `path` ends at the key's map.
 */
export function modelSpecSpot(ctx: Context, map: YAMLMap, pair: Pair, key: string, path: PathSegment[], duplicated: boolean): Spot | undefined {
  const field = MODEL_SPEC_KEYS[key];
  if (!field) return undefined;
  // A `modelSpec[]` entry, or the Ray head of one deployed as a RayCluster (`raySpec.headNode`).
  const inList = path.length >= 2 && path[path.length - 2] === 'modelSpec';
  const rayHead = path.length >= 4 && path[path.length - 4] === 'modelSpec' && path[path.length - 2] === 'raySpec' && path[path.length - 1] === 'headNode';
  if (!inList && !rayHead) return undefined;
  // The chart names the engine Deployment `<release>-<modelSpec.name>-deployment-vllm` and its container `vllm`.
  const spot = field === 'gpu.request'
    ? countSpot({ ...ctx, container: 'vllm' }, pair, [...path, key], field, duplicated)
    : makeSpot({ ...ctx, container: 'vllm' }, pair, [...path, key], field, duplicated);
  if (spot && field === 'gpu.request') spot.resource = getString(map, ['requestGPUType']) ?? 'nvidia.com/gpu';
  return spot;
}

const ENGINE_CRS: Record<string, string> = { VLLMRouter: 'router', CacheServer: 'cache-server' };

/** The operator's router and cache server: `replicas` and flat `resources` of their one container. */
export const vllmOperatorParts: WorkloadKindFormat = {
  format: 'vllm-production-stack',
  matches: (apiVersion, kind) => apiVersion.startsWith('production-stack.vllm.ai/') && kind in ENGINE_CRS,
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    countAt(spec.ctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    flatResourcesAt({ ...spec.ctx, container: ENGINE_CRS[String(ctx.workload?.kind)] }, spec.node, 'resources', ['spec'], w);
  },
};

export const vllmRuntime: WorkloadKindFormat = {
  format: 'vllm-production-stack',
  matches: (apiVersion, kind) => apiVersion.startsWith('production-stack.vllm.ai/') && kind === 'VLLMRuntime',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const config = descend(ctx, root, ['spec', 'deploymentConfig'], w);
    if (!config) return;
    const path = ['spec', 'deploymentConfig'];
    countAt(config.ctx, config.node, 'replicas', path, 'replicas', w);
    flatResourcesAt({ ...config.ctx, container: 'vllm' }, config.node, 'resources', path, w);
    const sidecar = child(config.ctx, config.node, 'sidecarConfig', w);
    if (sidecar) flatResourcesAt({ ...sidecar.ctx, container: getString(sidecar.node, ['name']) ?? 'sidecar' }, sidecar.node, 'resources', [...path, 'sidecarConfig'], w);
  },
};

