// The custom-resource workload kinds, one folder each: the locator offers every Kubernetes
// object to these before the plain-manifest walker. Adding a kind is a folder and a line here.

import type { WorkloadKindFormat } from './custom-resource.ts';
import type { Context, Spot } from '../model.ts';
import type { Pair, PathSegment, YAMLMap } from '../yaml.ts';
import { dynamo } from './dynamo/index.ts';
import { kedaValuesSpot, scaledJob, scaledObject } from './keda/index.ts';
import { knativeService } from './knative/index.ts';
import { inferenceService, llmInferenceService } from './kserve/index.ts';
import { rayCluster } from './kuberay/index.ts';
import { leaderWorkerSet } from './leaderworkerset/index.ts';
import { llmkubeInferenceService, llmkubeModel } from './llmkube/index.ts';
import { nimService } from './nim/index.ts';
import { operatorCr } from './operator-cr/index.ts';
import { prometheusOperator } from './prometheus-operator/index.ts';
import { seldonDeployment, seldonV2 } from './seldon/index.ts';
import { jobSet, kubeflowJob, trainingRuntime, trainJob, volcanoJob } from './training/index.ts';
import { modelSpecSpot, vllmOperatorParts, vllmRuntime } from './vllm-production-stack/index.ts';

export const WORKLOAD_KIND_FORMATS: readonly WorkloadKindFormat[] = [
  inferenceService, llmInferenceService, knativeService, rayCluster, leaderWorkerSet, nimService,
  scaledObject, vllmRuntime, vllmOperatorParts, prometheusOperator, kubeflowJob, trainJob, trainingRuntime, jobSet,
  volcanoJob, llmkubeInferenceService, llmkubeModel, scaledJob, dynamo, seldonDeployment, seldonV2,
  // Last: any other operator CR with `replicas`/`resources` in its spec.
  operatorCr,
];

export function workloadKindFormat(apiVersion: string | undefined, kind: string | undefined): WorkloadKindFormat | undefined {
  if (!apiVersion || !kind) return undefined;
  return WORKLOAD_KIND_FORMATS.find(f => f.matches(apiVersion, kind));
}

/** Chart conventions in Helm values that the generic values walker does not know (flat sizing keys). */
const VALUES_CONVENTIONS = [modelSpecSpot, kedaValuesSpot];

/** A spot for `key` of a values map by one of the conventions above, or undefined. */
export function valuesConventionSpot(ctx: Context, map: YAMLMap, pair: Pair, key: string, path: PathSegment[], duplicated: boolean): Spot | undefined {
  for (const convention of VALUES_CONVENTIONS) {
    const spot = convention(ctx, map, pair, key, path, duplicated);
    if (spot) return spot;
  }
  return undefined;
}
