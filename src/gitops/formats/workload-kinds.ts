// The custom-resource workload kinds, one folder each: the locator offers every Kubernetes
// object to these before the plain-manifest walker. Adding a kind is a folder and a line here.

import type { WorkloadKindFormat } from './custom-resource.ts';
import { scaledObject } from './keda/index.ts';
import { knativeService } from './knative/index.ts';
import { inferenceService, llmInferenceService } from './kserve/index.ts';
import { rayCluster } from './kuberay/index.ts';
import { leaderWorkerSet } from './leaderworkerset/index.ts';
import { llmkubeInferenceService, llmkubeModel } from './llmkube/index.ts';
import { nimService } from './nim/index.ts';
import { prometheusOperator } from './prometheus-operator/index.ts';
import { jobSet, kubeflowJob, trainingRuntime, trainJob, volcanoJob } from './training/index.ts';
import { vllmRuntime } from './vllm-production-stack/index.ts';

export const WORKLOAD_KIND_FORMATS: readonly WorkloadKindFormat[] = [
  inferenceService, llmInferenceService, knativeService, rayCluster, leaderWorkerSet, nimService,
  scaledObject, vllmRuntime, prometheusOperator, kubeflowJob, trainJob, trainingRuntime, jobSet,
  volcanoJob, llmkubeInferenceService, llmkubeModel,
];

export function workloadKindFormat(apiVersion: string | undefined, kind: string | undefined): WorkloadKindFormat | undefined {
  if (!apiVersion || !kind) return undefined;
  return WORKLOAD_KIND_FORMATS.find(f => f.matches(apiVersion, kind));
}
