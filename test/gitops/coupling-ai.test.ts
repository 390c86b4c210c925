// Coupled settings: a GPU count never changes in a diff while a setting bound to it in the same
// workload disagrees with it. Property over every GPU setting of the AI corpus, the old corpus
// and the demo repository (each count cut in half, doubled, set to 1 and to 3: the plan's coupling
// either edits every bound setting so that tp × pp = GPUs per pod and per-pod settings equal it,
// or withholds the GPU change and names the binding). Plus the engines' spellings one by one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '../helpers/shared.ts';
import { readRepoFiles, type RepoFile } from '../../src/gitops/index.ts';
import { applyTextChanges, replaceChange } from '../../src/gitops/edit.ts';
import { coupleGpuChanges, locateBindings } from '../../src/gitops/coupling.ts';
import { disagreements } from './coupling-ai-check.ts';
import { locateDetailed } from '../../src/gitops/locate.ts';
import type { Spot } from '../../src/gitops/model.ts';
import { changedLines } from './roundtrip.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every GPU setting of every file, changed to each of `targets(value)`: the diff never disagrees. */
function property(files: RepoFile[]): { tried: number; coupled: number; withheld: number } {
  let tried = 0, coupled = 0, withheld = 0;
  for (const file of files) {
    const { spots } = locateDetailed([file]);
    const gpu = spots.filter(s => s.field.startsWith('gpu.') && s.editable && /^\d+$/.test(s.value) && s.value !== '0');
    if (gpu.length === 0) continue;
    const bindings = locateBindings([file]);
    const before = new Set(disagreements([file]));
    // One pod at a time: its request and limit change together, as the engine proposes them.
    const pods = new Map<string, Spot[]>();
    const podOf = (s: Spot) => s.keyPath.replace(/\.(requests|limits)(\.|\[).*$/, '');
    for (const s of gpu) pods.set(podOf(s), [...(pods.get(podOf(s)) ?? []), s]);
    for (const pod of pods.values()) {
      const g = Number(pod[0].value);
      for (const to of [...new Set([Math.max(1, Math.floor(g / 2)), g * 2, 1, 3])].filter(v => v !== g)) {
        tried++;
        const result = coupleGpuChanges(pod.map(spot => ({ spot, to })), gpu, bindings);
        const held = new Set(result.withheld.map(w => w.change.spot));
        if (held.size > 0) {
          withheld++;
          for (const w of result.withheld) assert.match(w.reason, /\S/, 'a withheld change says why');
          assert.equal(result.bound.length, 0, `${file.path}: nothing bound changes when the GPUs are withheld`);
          continue;
        }
        const changes = [...pod.map(s => replaceChange(s, to)), ...result.bound.map(b => b.change)];
        if (result.bound.length > 0) coupled++;
        const after = applyTextChanges(file.text, changes);
        // Only the value lines changed, and the GPU count now agrees with every bound setting.
        assert.ok(changedLines(file.text, after).length <= changes.length);
        const now = disagreements([{ path: file.path, text: after }]).filter(d => !before.has(d));
        assert.deepEqual(now, [], `${file.path}: GPUs ${g} → ${to} left a bound setting disagreeing`);
      }
    }
  }
  return { tried, coupled, withheld };
}

test('no GPU count changes while a bound setting disagrees: AI corpus', async t => {
  const dir = sharedPath(t, 'corpus/gitops-ai', 'the AI-serving GitOps corpus (coupling property)');
  if (!dir) return;
  const files = await readRepoFiles(dir);
  const { tried, coupled, withheld } = property(files);
  assert.ok(coupled > 10 && withheld > 10, `${coupled} coupled, ${withheld} withheld`);
  t.diagnostic(`${tried} GPU changes tried: ${coupled} with bound settings changed in the same edit, ${withheld} withheld`);
});

test('no GPU count changes while a bound setting disagrees: old corpus and demo repository', async t => {
  const demo = await readRepoFiles(path.join(repoRoot, 'fixtures/gitops-repo'));
  assert.deepEqual(disagreements(demo), []);
  const d = property(demo);
  assert.ok(d.coupled >= 1, 'the demo llm-inference GPU cut is coupled');
  const dir = sharedPath(t, 'corpus/gitops', 'the GitOps corpus (coupling property)');
  const old = dir ? property(await readRepoFiles(dir)) : { tried: 0, coupled: 0, withheld: 0 };
  t.diagnostic(`demo: ${d.tried} tried, ${d.coupled} coupled, ${d.withheld} withheld; old corpus: ${old.tried} tried, ${old.coupled} coupled, ${old.withheld} withheld`);
});

/** One pod, GPUs `from` → `to`: the new text, or the reason it is withheld. */
function cut(yaml: string, to: number): { text?: string; reason?: string } {
  const file = { path: 'w.yaml', text: yaml };
  const gpu = locateDetailed([file]).spots.filter(s => s.field.startsWith('gpu.'));
  const result = coupleGpuChanges(gpu.map(spot => ({ spot, to })), gpu, locateBindings([file]));
  if (result.withheld.length) return { reason: result.withheld[0].reason };
  return { text: applyTextChanges(yaml, [...gpu.map(s => replaceChange(s, to)), ...result.bound.map(b => b.change)]) };
}

const deployment = (container: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: m}
spec:
  template:
    spec:
      containers:
${container}`;

test('each engine spelling changes with the GPU count', () => {
  const cases: Array<[string, string, string]> = [
    // [container YAML, the text after 4 → 2 GPUs must contain, and must not contain]
    ['        - name: a\n          args: ["--model", "m", "--tensor-parallel-size", "4"]\n          resources: {limits: {nvidia.com/gpu: 4}}', '"--tensor-parallel-size", "2"', '"4"'],
    ['        - name: a\n          command: ["sh", "-c", "vllm serve m --tensor-parallel-size 4 --port 8000"]\n          resources: {limits: {nvidia.com/gpu: 4}}', '--tensor-parallel-size 2 --port', 'size 4'],
    ['        - name: a\n          args:\n            - --tp=4\n          resources: {limits: {amd.com/gpu: "4"}}', '--tp=2', 'tp=4'],
    ['        - name: a\n          args: ["--model-path", "m", "--tp", "4"]\n          resources: {limits: {nvidia.com/gpu: 4}}', '"--tp", "2"', '"4"'],
    ['        - name: a\n          args: ["--num-shard", "4"]\n          resources: {limits: {nvidia.com/gpu: 4}}', '"--num-shard", "2"', '"4"'],
    ['        - name: a\n          env:\n            - name: TENSOR_PARALLEL_SIZE\n              value: "4"\n          resources: {limits: {habana.ai/gaudi: 4}}', 'value: "2"', '"4"'],
    ['        - name: a\n          args: ["--tensor-parallel-size", "$(TP)"]\n          env:\n            - name: TP\n              value: "4"\n          resources: {limits: {nvidia.com/gpu: 4}}', 'value: "2"', 'value: "4"'],
    ['        - name: a\n          args: ["--tensor-parallel-size=2", "--pipeline-parallel-size=2"]\n          resources: {limits: {nvidia.com/gpu: 4}}', '--tensor-parallel-size=1", "--pipeline-parallel-size=2', 'size=2", "--pipe'],
  ];
  for (const [container, has, hasNot] of cases) {
    const { text, reason } = cut(deployment(container), 2);
    assert.equal(reason, undefined, container);
    assert.ok(text!.includes(has), `${container}\n→\n${text}`);
    assert.ok(!text!.includes(hasNot), `${container}\n→\n${text}`);
    assert.deepEqual(disagreements([{ path: 'w.yaml', text: text! }]), []);
  }
  // Ray: num-gpus follows the worker's GPUs.
  const ray = `apiVersion: ray.io/v1\nkind: RayCluster\nmetadata: {name: r}\nspec:\n  workerGroupSpecs:\n    - groupName: g\n      replicas: 1\n      rayStartParams: {num-gpus: "4"}\n      template:\n        spec:\n          containers:\n            - name: w\n              resources: {limits: {nvidia.com/gpu: 4}}\n`;
  assert.match(cut(ray, 2).text!, /num-gpus: "2"/);
});

test('a GPU change is withheld, naming the setting, when the bound value cannot follow', () => {
  const withheld: Array<[string, number, RegExp]> = [
    ['        - name: a\n          args: ["--tensor-parallel-size", "4"]\n          resources: {limits: {nvidia.com/gpu: 4}}', 3, /--tensor-parallel-size 4 .*would have to become 3, which is not a power of two/],
    ['        - name: a\n          args: ["--tensor-parallel-size", "2"]\n          resources: {limits: {nvidia.com/gpu: 4}}', 2, /--tensor-parallel-size 2 .* is 2, not the 4 GPUs/],
    ['        - name: a\n          args: ["--tensor-parallel-size", "{{ .Values.tp }}"]\n          resources: {limits: {nvidia.com/gpu: 4}}', 2, /cannot be edited: the value is a template expression/],
    ['        - name: a\n          command: ["sh", "-c", "vllm serve m --tensor-parallel-size $((N * 2))"]\n          resources: {limits: {nvidia.com/gpu: 4}}', 2, /computed when the container starts/],
  ];
  for (const [container, to, reason] of withheld) assert.match(cut(deployment(container), to).reason ?? '(coupled)', reason, container);
  const lws = `apiVersion: leaderworkerset.x-k8s.io/v1\nkind: LeaderWorkerSet\nmetadata: {name: l}\nspec:\n  leaderWorkerTemplate:\n    size: 2\n    workerTemplate:\n      spec:\n        containers:\n          - name: w\n            resources: {limits: {nvidia.com/gpu: 8}}\n`;
  assert.match(cut(lws, 4).reason!, /LeaderWorkerSet size 2 .*spreads the model over several pods/);
});
