// Each custom-resource kind, modelled from its API reference, on small files written here (the
// corpus test covers real files): which settings are located, as what, and under which workload
// name a recommendation finds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locate } from '../../src/gitops/index.ts';

function located(text: string): string[] {
  const { locations, errors } = locate([{ path: 'f.yaml', text }]);
  assert.deepEqual(errors, []);
  return locations.map(l => `${l.line} ${l.field}=${l.value}${l.resource && l.resource !== 'nvidia.com/gpu' ? ` ${l.resource}` : ''}${l.container ? ` [${l.container}]` : ''}${l.editable ? '' : ' locked'}`);
}

const CASES: Array<[string, string, string[]]> = [
  ['KServe InferenceService: predictor model, framework, containers, scale target, worker spec, transformer, explainer', `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: m
  annotations: {autoscaling.knative.dev/max-scale: "9"}
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 3
    scaleMetric: cpu
    scaleTarget: 70
    model:
      resources: {requests: {cpu: "2", amd.com/gpu: "1"}}
    workerSpec:
      tensorParallelSize: 2
      containers:
        - name: worker-container
          resources: {limits: {nvidia.com/gpu: "1"}}
  transformer:
    containers:
      - name: t
        resources: {requests: {memory: 1Gi}}
  explainer:
    maxReplicas: 2
    art:
      resources: {limits: {cpu: "1"}}
`, ['5 hpa.maxReplicas=9', '8 hpa.minReplicas=1', '9 hpa.maxReplicas=3', '11 hpa.targetCPUUtilization=70', '13 cpu.request=2 [kserve-container]', '13 gpu.request=1 amd.com/gpu [kserve-container]', '18 gpu.limit=1 [worker-container]', '22 memory.request=1Gi [t]', '24 hpa.maxReplicas=2', '26 cpu.limit=1 [kserve-container]']],
  ['KServe LLMInferenceService: decode and prefill replicas, template and worker', `apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: l}
spec:
  replicas: 2
  parallelism: {tensor: 4}
  template:
    containers: [{name: main, resources: {limits: {nvidia.com/gpu: "4"}}}]
  worker:
    containers: [{name: main, resources: {limits: {nvidia.com/gpu: "4"}}}]
  prefill:
    replicas: 1
    template:
      containers: [{name: main, resources: {limits: {nvidia.com/gpu: "2"}}}]
`, ['5 replicas=2', '8 gpu.limit=4 [main]', '10 gpu.limit=4 [main]', '12 replicas=1', '14 gpu.limit=2 [main]']],
  ['KubeRay RayJob: autoscaler sidecar, head, worker groups with bounds, submitter', `apiVersion: ray.io/v1
kind: RayJob
metadata: {name: j}
spec:
  submitterPodTemplate:
    spec:
      containers: [{name: submit, resources: {requests: {cpu: 200m}}}]
  rayClusterSpec:
    autoscalerOptions:
      resources: {requests: {cpu: 500m}}
    headGroupSpec:
      template:
        spec:
          containers: [{name: head, resources: {requests: {memory: 4Gi}}}]
    workerGroupSpecs:
      - groupName: tpu
        replicas: 2
        minReplicas: 1
        maxReplicas: 4
        numOfHosts: 2
        template:
          spec:
            containers: [{name: w, resources: {limits: {google.com/tpu: "4"}}}]
`, ['7 cpu.request=200m [submit]', '10 cpu.request=500m [autoscaler]', '14 memory.request=4Gi [head]', '17 replicas=2', '18 hpa.minReplicas=1', '19 hpa.maxReplicas=4', '23 gpu.limit=4 google.com/tpu [w]']],
  ['LeaderWorkerSet: groups, leader and worker templates', `apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: {name: l}
spec:
  replicas: 3
  leaderWorkerTemplate:
    size: 2
    leaderTemplate:
      spec:
        containers: [{name: leader, resources: {limits: {nvidia.com/gpu: "8"}}}]
    workerTemplate:
      spec:
        containers: [{name: worker, resources: {limits: {nvidia.com/gpu: "8"}}}]
`, ['5 replicas=3', '10 gpu.limit=8 [leader]', '13 gpu.limit=8 [worker]']],
  ['NIMService: resources, replicas, HPA bounds and targets, Knative annotations', `apiVersion: apps.nvidia.com/v1alpha1
kind: NIMService
metadata: {name: n}
spec:
  annotations: {autoscaling.knative.dev/min-scale: "1"}
  replicas: 2
  resources: {limits: {nvidia.com/gpu: 1, cpu: "8"}}
  scale:
    enabled: true
    hpa:
      minReplicas: 1
      maxReplicas: 4
      metrics:
        - type: Resource
          resource: {name: cpu, target: {type: Utilization, averageUtilization: 75}}
`, ['5 hpa.minReplicas=1', '6 replicas=2', '7 gpu.limit=1 [n-ctr]', '7 cpu.limit=8 [n-ctr]', '11 hpa.minReplicas=1', '12 hpa.maxReplicas=4', '15 hpa.targetCPUUtilization=75']],
  ['KEDA ScaledObject and Knative Service', `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: s}
spec:
  scaleTargetRef: {name: web}
  idleReplicaCount: 0
  minReplicaCount: 1
  maxReplicaCount: 10
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: k}
spec:
  template:
    metadata:
      annotations: {autoscaling.knative.dev/minScale: "2", autoscaling.knative.dev/target: "10"}
    spec:
      containers: [{name: app, resources: {requests: {cpu: 100m}}}]
`, ['7 hpa.minReplicas=1', '8 hpa.maxReplicas=10', '16 hpa.minReplicas=2', '18 cpu.request=100m [app]']],
  ['prometheus-operator Prometheus and Alertmanager', `apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata: {name: k8s}
spec:
  replicas: 2
  resources: {requests: {memory: 4Gi}}
  containers: [{name: sidecar, resources: {requests: {cpu: 50m}}}]
---
apiVersion: monitoring.coreos.com/v1
kind: Alertmanager
metadata: {name: main}
spec:
  replicas: 3
  resources: {limits: {memory: 256Mi}}
`, ['5 replicas=2', '6 memory.request=4Gi [prometheus]', '7 cpu.request=50m [sidecar]', '13 replicas=3', '14 memory.limit=256Mi [alertmanager]']],
  ['Training: PyTorchJob, MPIJob, JobSet, Volcano Job, TrainJob', `apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: p}
spec:
  elasticPolicy: {minReplicas: 1, maxReplicas: 4}
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers: [{name: pytorch, resources: {limits: {nvidia.com/gpu: 8}}}]
---
apiVersion: kubeflow.org/v2beta1
kind: MPIJob
metadata: {name: m}
spec:
  mpiReplicaSpecs:
    Launcher:
      replicas: 1
      template: {spec: {containers: [{name: l, resources: {requests: {cpu: "1"}}}]}}
---
apiVersion: jobset.x-k8s.io/v1alpha2
kind: JobSet
metadata: {name: j}
spec:
  replicatedJobs:
    - name: w
      replicas: 4
      template: {spec: {template: {spec: {containers: [{name: c, resources: {limits: {aws.amazon.com/neuron: 1}}}]}}}}
---
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata: {name: v}
spec:
  tasks:
    - name: t
      replicas: 2
      template: {spec: {containers: [{name: c, resources: {limits: {habana.ai/gaudi: 8}}}]}}
---
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata: {name: tj}
spec:
  trainer:
    numNodes: 4
    resourcesPerNode: {limits: {nvidia.com/gpu: 8}}
`, ['5 hpa.minReplicas=1', '5 hpa.maxReplicas=4', '8 replicas=2', '11 gpu.limit=8 [pytorch]', '19 replicas=1', '20 cpu.request=1 [l]', '28 replicas=4', '29 gpu.limit=1 aws.amazon.com/neuron [c]', '37 replicas=2', '38 gpu.limit=8 habana.ai/gaudi [c]', '45 replicas=4 [node]', '46 gpu.limit=8 [node]']],
  ['vLLM production-stack: values modelSpec (with keda and a Ray head), operator CRs', `servingEngineSpec:
  modelSpec:
    - name: llama
      replicaCount: 2
      requestCPU: 8
      requestMemory: 32Gi
      requestGPU: 1
      requestGPUType: nvidia.com/mig-3g.40gb
      limitCPU: 10
      limitMemory: 40Gi
      keda: {enabled: true, minReplicaCount: 1, maxReplicaCount: 4}
      raySpec:
        headNode: {requestCPU: 2, requestMemory: 8Gi, requestGPU: 1}
routerSpec:
  replicaCount: 1
  resources: {requests: {cpu: "1"}}
`, ['4 replicas=2 [llama]', '5 cpu.request=8 [vllm]', '6 memory.request=32Gi [vllm]', '7 gpu.request=1 nvidia.com/mig-3g.40gb [vllm]', '9 cpu.limit=10 [vllm]', '10 memory.limit=40Gi [vllm]', '11 hpa.minReplicas=1 [llama]', '11 hpa.maxReplicas=4 [llama]', '13 cpu.request=2 [vllm]', '13 memory.request=8Gi [vllm]', '13 gpu.request=1 [vllm]', '15 replicas=1 [routerSpec]', '16 cpu.request=1 [routerSpec]']],
  ['vLLM production-stack operator: VLLMRuntime, VLLMRouter, CacheServer', `apiVersion: production-stack.vllm.ai/v1alpha1
kind: VLLMRouter
metadata: {name: r}
spec:
  replicas: 2
  resources: {cpu: "1", memory: 1Gi}
---
apiVersion: production-stack.vllm.ai/v1alpha1
kind: CacheServer
metadata: {name: c}
spec:
  replicas: 1
  resources: {cpu: "2", memory: 8Gi}
`, ['5 replicas=2', '6 cpu.request=1 [router]', '6 memory.request=1Gi [router]', '12 replicas=1', '13 cpu.request=2 [cache-server]', '13 memory.request=8Gi [cache-server]']],
  ['NVIDIA Dynamo DynamoGraphDeployment: per service replicas, autoscaling, Dynamo resources, extraPodSpec main container', `apiVersion: nvidia.com/v1alpha1
kind: DynamoGraphDeployment
metadata: {name: g}
spec:
  services:
    Frontend:
      replicas: 1
      resources: {requests: {cpu: "1", memory: 2Gi}}
    VllmDecodeWorker:
      replicas: 2
      autoscaling: {enabled: true, minReplicas: 1, maxReplicas: 4}
      resources:
        requests: {gpu: "2"}
        limits: {gpu: "2"}
      extraPodSpec:
        mainContainer:
          args: ["--tensor-parallel-size", "2"]
          resources: {requests: {memory: 40Gi}}
`, ['7 replicas=1', '8 cpu.request=1 [main]', '8 memory.request=2Gi [main]', '10 replicas=2', '11 hpa.minReplicas=1', '11 hpa.maxReplicas=4', '13 gpu.request=2 [main]', '14 gpu.limit=2 [main]', '18 memory.request=40Gi [main]']],
  ['Seldon Core v1 SeldonDeployment and v2 Server, KEDA ScaledJob', `apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {name: s}
spec:
  predictors:
    - name: default
      replicas: 2
      componentSpecs:
        - hpaSpec: {minReplicas: 1, maxReplicas: 3}
          spec:
            containers: [{name: classifier, resources: {requests: {cpu: 500m}}}]
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Server
metadata: {name: triton}
spec:
  replicas: 1
  minReplicas: 1
  maxReplicas: 2
---
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata: {name: j}
spec:
  maxReplicaCount: 5
  jobTargetRef:
    template:
      spec:
        containers: [{name: w, resources: {limits: {nvidia.com/gpu: 1}}}]
`, ['7 replicas=2', '9 hpa.minReplicas=1', '9 hpa.maxReplicas=3', '11 cpu.request=500m [classifier]', '17 replicas=1', '18 hpa.minReplicas=1', '19 hpa.maxReplicas=2', '25 hpa.maxReplicas=5', '29 gpu.limit=1 [w]']],
  ['Other operator CRs: spec and per-component replicas and resources; Cluster API machines are not pods', `apiVersion: kafka.strimzi.io/v1beta2
kind: Kafka
metadata: {name: k}
spec:
  kafka:
    replicas: 3
    resources: {requests: {memory: 8Gi}}
  zookeeper:
    replicas: 3
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg}
spec:
  instances: 3
  resources: {requests: {cpu: "2"}}
---
apiVersion: cluster.x-k8s.io/v1beta1
kind: MachineDeployment
metadata: {name: md}
spec:
  replicas: 5
`, ['6 replicas=3 [kafka]', '7 memory.request=8Gi [kafka]', '9 replicas=3 [zookeeper]', '16 cpu.request=2']],
];

for (const [what, text, expected] of CASES) {
  test(`kinds: ${what}`, () => assert.deepEqual(located(text), expected));
}

test('kinds: accelerators beyond NVIDIA and MIG slices are located with their resource name; device shares are not', () => {
  const text = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      resources:
        limits:
          amd.com/gpu: 1
          habana.ai/gaudi: 2
          aws.amazon.com/neuron: 1
          aws.amazon.com/neuroncore: 2
          google.com/tpu: 4
          gpu.intel.com/i915: 1
          gpu.intel.com/xe: 1
          nvidia.com/mig-1g.10gb: 1
          gpu.intel.com/millicores: 500
          vpc.amazonaws.com/efa: 4
`;
  assert.deepEqual(located(text), ['9 gpu.limit=1 amd.com/gpu [c]', '10 gpu.limit=2 habana.ai/gaudi [c]', '11 gpu.limit=1 aws.amazon.com/neuron [c]', '12 gpu.limit=2 aws.amazon.com/neuroncore [c]', '13 gpu.limit=4 google.com/tpu [c]', '14 gpu.limit=1 gpu.intel.com/i915 [c]', '15 gpu.limit=1 gpu.intel.com/xe [c]', '16 gpu.limit=1 nvidia.com/mig-1g.10gb [c]']);
});
