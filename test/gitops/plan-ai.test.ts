// planEdits on AI-serving workloads: the demo's vLLM GPU cut carries its --tensor-parallel-size
// in the same edit, an uncouplable cut is withheld naming the binding, recommendations land in
// KServe, KEDA and KubeRay files by the names their pods run under, and a policy-approved MIG
// move rewrites the resource key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { checkEditScope, locateBindings, planEdits, readRepoFiles } from '../../src/gitops/index.ts';
import { clusters, rec } from './helpers.ts';
import { changedLines } from './roundtrip.ts';

const demo = path.join(repoRoot, 'fixtures/gitops-repo');
const demoClusters = clusters(['prod-eks', ['https://eks.example.com']], 'prod-gke', 'prod-aks');
const GI = 2 ** 30;

test('the demo llm-inference GPU cut changes --tensor-parallel-size in the same edit', async () => {
  const files = await readRepoFiles(demo);
  const r = rec('prod-gke/ml/Deployment/llm-inference', [{ container: 'server', gpuRequest: { from: 2, to: 1 }, gpuLimit: { from: 2, to: 1 }, cpuRequest: { from: 8, to: 4 } }]);
  const { edits, unplaced, locations } = planEdits(files, [r], { repository: {}, clusters: demoClusters });
  assert.deepEqual(unplaced, []);
  assert.equal(edits.length, 1);
  const [edit] = edits;
  assert.equal(edit.path, 'manifests/ml/llm-inference.yaml');
  assert.match(edit.newText, /"--tensor-parallel-size", "1"\]/);
  assert.match(edit.newText, /nvidia\.com\/gpu: "1"/);
  assert.deepEqual(edit.coupled, ['--tensor-parallel-size 2 → 1 with the GPU count 2 → 1 (manifests/ml/llm-inference.yaml:23)']);
  assert.ok(edit.locations.some(id => id.endsWith('args[3]@--tensor-parallel-size')), edit.locations.join('\n'));
  assert.deepEqual(changedLines(edit.oldText, edit.newText), [23, 26, 28, 31]);
  // The scope guard accepts the bound setting as part of the edit.
  const file = files.find(f => f.path === edit.path)!;
  const bound = { id: 'manifests/ml/llm-inference.yaml#0:spec.template.spec.containers[name=server].args[3]', file: edit.path, line: 23, column: 1, format: 'bound', field: 'gpu.request' as const, value: '2', editable: true };
  assert.deepEqual(checkEditScope(file, edit.newText, [...locations, bound]), []);
  assert.equal(checkEditScope(file, edit.newText, locations).length, 1, 'without the binding the args change is out of scope');
});

test('a GPU cut the engine cannot follow is withheld, the binding named, the rest placed', async () => {
  const files = await readRepoFiles(demo);
  const r = rec('prod-gke/ml/Deployment/llm-inference', [{ container: 'server', gpuRequest: { from: 2, to: 3 }, gpuLimit: { from: 2, to: 3 }, memoryRequest: { from: 32 * GI, to: 24 * GI } }]);
  const { edits, unplaced } = planEdits(files, [r], { repository: {}, clusters: demoClusters });
  assert.equal(unplaced.length, 2);
  for (const u of unplaced) assert.match(u.reason, /^GPU count withheld: --tensor-parallel-size 2 \(manifests\/ml\/llm-inference\.yaml:23\) would have to become 3, which is not a power of two/);
  assert.equal(edits.length, 1);
  assert.doesNotMatch(edits[0].newText, /nvidia\.com\/gpu: "3"/);
  assert.match(edits[0].newText, /memory: 24Gi/);
  assert.equal(edits[0].coupled, undefined);
});

const isvc = `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: chat
  namespace: llm
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 4
    model:
      modelFormat: {name: huggingface}
      args: ["--tensor-parallel-size=2"]
      resources:
        requests: {cpu: "8", memory: 48Gi, nvidia.com/gpu: "2"}
        limits: {nvidia.com/gpu: "2"}
`;
const keda = `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: vllm-scaler, namespace: llm}
spec:
  scaleTargetRef: {name: vllm}
  minReplicaCount: 2
  maxReplicaCount: 8
`;
const ray = `apiVersion: ray.io/v1
kind: RayService
metadata: {name: serve, namespace: llm}
spec:
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {num-gpus: "0"}
      template:
        spec:
          containers:
            - name: head
              resources: {requests: {cpu: "2"}}
    workerGroupSpecs:
      - groupName: gpu
        replicas: 2
        minReplicas: 1
        maxReplicas: 4
        rayStartParams: {num-gpus: "4"}
        template:
          spec:
            containers:
              - name: worker
                resources: {limits: {nvidia.com/gpu: "4"}}
`;

test('KServe, KEDA and KubeRay files take recommendations for the pods they run', () => {
  const files = [{ path: 'llm/isvc.yaml', text: isvc }, { path: 'llm/keda.yaml', text: keda }, { path: 'llm/ray.yaml', text: ray }];
  const recs = [
    // KServe raw mode runs the predictor as the Deployment `<name>-predictor`, container kserve-container.
    rec('c/llm/Deployment/chat-predictor', [{ container: 'kserve-container', gpuRequest: { from: 2, to: 1 }, gpuLimit: { from: 2, to: 1 } }], { hpa: { maxReplicas: { from: 4, to: 6 } } }),
    rec('c/llm/Deployment/vllm', [{ container: 'vllm' }], { hpa: { minReplicas: { from: 2, to: 1 } } }),
    rec('c/llm/RayService/serve', [{ container: 'worker', gpuLimit: { from: 4, to: 2 } }]),
  ];
  const { edits, unplaced } = planEdits(files, recs, { repository: {}, clusters: clusters('c') });
  assert.deepEqual(unplaced, []);
  const byPath = new Map(edits.map(e => [e.path, e]));
  const chat = byPath.get('llm/isvc.yaml')!;
  assert.match(chat.newText, /"--tensor-parallel-size=1"/);
  assert.match(chat.newText, /requests: \{cpu: "8", memory: 48Gi, nvidia\.com\/gpu: "1"\}/);
  assert.match(chat.newText, /maxReplicas: 6/);
  assert.match(byPath.get('llm/keda.yaml')!.newText, /minReplicaCount: 1/);
  const serve = byPath.get('llm/ray.yaml')!.newText;
  assert.match(serve, /limits: \{nvidia\.com\/gpu: "2"\}/);
  assert.match(serve, /rayStartParams: \{num-gpus: "2"\}/, 'the worker group\'s num-gpus follows');
  assert.match(serve, /rayStartParams: \{num-gpus: "0"\}/, 'the head\'s stays');
});

test('a MIG move rewrites the resource key where the policy let it through', () => {
  const values = 'nim:\n  resources:\n    limits:\n      nvidia.com/gpu: 1\n    requests:\n      nvidia.com/gpu: 1\n';
  const file = { path: 'values.yaml', text: values };
  const r = rec('c/ai/Deployment/rag-nim', [{ container: 'nim', gpuResource: { from: 'nvidia.com/gpu', to: 'nvidia.com/mig-1g.10gb' } }]);
  const { edits, locations } = planEdits([file], [r], { repository: { mappings: [{ workload: 'Deployment/ai/rag-nim', file: 'values.yaml', path: 'nim' }] }, clusters: clusters('c') });
  assert.equal(edits.length, 1);
  assert.equal(edits[0].newText, values.replaceAll('nvidia.com/gpu', 'nvidia.com/mig-1g.10gb'));
  assert.deepEqual(checkEditScope(file, edits[0].newText, locations), []);
});

test('values embedded in an Argo CD Application couple their tensor parallelism too', () => {
  const app = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: chat}
spec:
  destination: {name: c, namespace: llm}
  source:
    chart: vllm
    helm:
      values: |
        resources:
          limits:
            nvidia.com/gpu: 4
        args:
          - --model=m
          - --tensor-parallel-size=4
`;
  const file = { path: 'apps/chat.yaml', text: app };
  const r = rec('c/llm/Deployment/chat', [{ container: 'chat', gpuLimit: { from: 4, to: 2 } }]);
  const { edits, unplaced, locations } = planEdits([file], [r], { repository: {}, clusters: clusters('c') });
  assert.deepEqual(unplaced, []);
  assert.equal(edits[0].newText, app.replace('nvidia.com/gpu: 4', 'nvidia.com/gpu: 2').replace('size=4', 'size=2'));
  assert.ok(edits[0].locations.some(id => id.includes('helm.values|args[1]@')), edits[0].locations.join('\n'));
  // The scope guard's view (src/deliver/scope.ts): bound ids found again allow exactly that change.
  const bound = locateBindings([file]).filter(b => edits[0].locations.includes(b.id))
    .map(b => ({ id: b.id.replace(/@[^@]*$/, ''), file: b.file, line: b.line, column: b.column, format: 'bound', field: 'gpu.request' as const, value: b.value, editable: true }));
  assert.equal(bound.length, 1);
  assert.deepEqual(checkEditScope(file, edits[0].newText, [...locations, ...bound]), []);
});
