// Owner rules of the AI custom resources, on kube-state-metrics' label names.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aiOwnerFromLabels, aiOwnerFromNames, ksmLabel } from '../../../src/collect/prometheus/ai-owners.ts';
import { acceleratorResource } from '../../../src/collect/prometheus/accelerators.ts';

const labels = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).map(([k, v]) => [ksmLabel(k), v]));

test('each kind from its controller labels; the most specific first', () => {
  assert.equal(ksmLabel('serving.kserve.io/inferenceservice'), 'label_serving_kserve_io_inferenceservice');
  assert.deepEqual(aiOwnerFromLabels(labels({ 'serving.kserve.io/inferenceservice': 'chat', component: 'predictor' })), { kind: 'InferenceService', name: 'chat' });
  assert.deepEqual(aiOwnerFromLabels(labels({ 'app.kubernetes.io/name': 'llama', 'app.kubernetes.io/part-of': 'llminferenceservice' })), { kind: 'LLMInferenceService', name: 'llama' });
  assert.deepEqual(aiOwnerFromLabels(labels({ 'ray.io/cluster': 'train-raycluster-abcde', 'ray.io/originated-from-cr-name': 'train', 'ray.io/originated-from-crd': 'RayJob' })), { kind: 'RayJob', name: 'train' });
  // Only the cluster label: the generated name of a RayService's cluster still says which.
  assert.deepEqual(aiOwnerFromLabels(labels({ 'ray.io/cluster': 'serve-raycluster-x1y2z' })), { kind: 'RayService', name: 'serve' });
  assert.deepEqual(aiOwnerFromLabels(labels({ 'ray.io/cluster': 'adhoc' })), { kind: 'RayCluster', name: 'adhoc' });
  assert.deepEqual(aiOwnerFromLabels(labels({ 'leaderworkerset.sigs.k8s.io/name': 'big' })), { kind: 'LeaderWorkerSet', name: 'big' });
  assert.deepEqual(aiOwnerFromLabels(labels({ 'app.kubernetes.io/name': 'nim-llm', 'app.kubernetes.io/managed-by': 'k8s-nim-operator' })), { kind: 'NIMService', name: 'nim-llm' });
  assert.equal(aiOwnerFromLabels(labels({ 'app.kubernetes.io/name': 'web' })), undefined, 'a common label alone names nothing');
});

test('without labels, only certain names: a Knative revision of a KServe component, a RayService cluster', () => {
  assert.deepEqual(aiOwnerFromNames({ kind: 'ReplicaSet', name: 'x' }, { kind: 'Deployment', name: 'chat-predictor-00003-deployment' }), { kind: 'InferenceService', name: 'chat' });
  assert.deepEqual(aiOwnerFromNames({ kind: 'ReplicaSet', name: 'x' }, { kind: 'Deployment', name: 'chat-predictor' }), { kind: 'Deployment', name: 'chat-predictor' }, 'a Deployment named like a predictor stays a Deployment');
  assert.deepEqual(aiOwnerFromNames({ kind: 'RayCluster', name: 'serve-raycluster-x1y2z' }), { kind: 'RayService', name: 'serve' });
});

test('accelerator resources from kube-state-metrics resource labels', () => {
  assert.equal(acceleratorResource('nvidia_com_gpu'), 'nvidia.com/gpu');
  assert.equal(acceleratorResource('amd_com_gpu'), 'amd.com/gpu');
  assert.equal(acceleratorResource('habana_ai_gaudi'), 'habana.ai/gaudi');
  assert.equal(acceleratorResource('aws_amazon_com_neuroncore'), 'aws.amazon.com/neuroncore');
  assert.equal(acceleratorResource('google_com_tpu'), 'google.com/tpu');
  assert.equal(acceleratorResource('gpu_intel_com_i915'), 'gpu.intel.com/i915');
  assert.equal(acceleratorResource('nvidia_com_mig_1g_10gb'), 'nvidia.com/mig-1g.10gb');
  assert.equal(acceleratorResource('amd.com/gpu'), 'amd.com/gpu');
  for (const other of ['cpu', 'memory', 'ephemeral_storage', 'hugepages_2Mi', 'nvidia_com_something', 'example_com_foo']) assert.equal(acceleratorResource(other), undefined, other);
});
