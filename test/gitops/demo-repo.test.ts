// The demo repository (fixtures/gitops-repo) is fully located, and planEdits places a
// recommendation for every demo workload in the right file with a minimal diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { checkEditScope, locate, planEdits, readRepoFiles, type Location } from '../../src/gitops/index.ts';
import { clusters, rec } from './helpers.ts';

const demo = path.join(repoRoot, 'fixtures/gitops-repo');
const demoClusters = clusters(['prod-eks', ['https://eks.example.com']], 'prod-gke', 'prod-aks');
const repository = { mappings: [{ workload: 'Deployment/shop/checkout', file: 'apps/checkout/values.yaml' }] };

function pick(locations: Location[], file: string, field: string, container?: string): Location {
  const hit = locations.filter(l => l.file === file && l.field === field && (container === undefined || l.container === container));
  assert.equal(hit.length, 1, `${file} ${field} ${container ?? ''}: ${JSON.stringify(hit)}`);
  return hit[0];
}

test('every demo workload is located with its workload, container and field', async () => {
  const files = await readRepoFiles(demo);
  const { locations, errors } = locate(files, { clusters: demoClusters });
  assert.deepEqual(errors, []);
  // Argo CD Application → Helm values file (valueFiles resolve against the source path).
  const checkout = pick(locations, 'apps/checkout/values.yaml', 'cpu.request');
  assert.deepEqual(checkout.workload, { name: 'checkout', namespace: 'shop', cluster: 'prod-eks' });
  assert.equal(checkout.value, '1500m');
  assert.equal(pick(locations, 'apps/checkout/values.yaml', 'replicas').value, '6');
  // Inline helm.values string.
  const catalog = pick(locations, 'argocd/catalog.yaml', 'cpu.limit');
  assert.deepEqual(catalog.workload, { name: 'catalog', namespace: 'shop', cluster: 'prod-gke' });
  assert.equal(catalog.value, '2');
  assert.equal(catalog.line, 27);
  // Kustomize: base, overlay patch (CRLF) and overlay replicas.
  const baseApi = pick(locations, 'kustomize/payments/base/deployment.yaml', 'cpu.request', 'api');
  assert.deepEqual(baseApi.workload, { kind: 'Deployment', namespace: 'payments', name: 'payments-api' });
  const envoy = pick(locations, 'kustomize/payments/base/deployment.yaml', 'cpu.request', 'envoy');
  assert.equal(envoy.value, '100m');
  const overlayApi = pick(locations, 'kustomize/payments/overlays/prod/resources-patch.yaml', 'cpu.request', 'api');
  assert.equal(overlayApi.value, '2000m');
  assert.equal(overlayApi.workload?.namespace, 'payments');
  const overlayReplicas = pick(locations, 'kustomize/payments/overlays/prod/kustomization.yaml', 'replicas');
  assert.equal(overlayReplicas.value, '3');
  assert.equal(overlayReplicas.workload?.name, 'payments-api');
  // Plain Deployment + HPA in one file.
  assert.equal(pick(locations, 'manifests/search/search.yaml', 'memory.request', 'search').value, '1536Mi');
  const hpaMin = pick(locations, 'manifests/search/search.yaml', 'hpa.minReplicas');
  assert.deepEqual(hpaMin.workload, { kind: 'Deployment', namespace: 'search', name: 'search' });
  assert.equal(pick(locations, 'manifests/search/search.yaml', 'hpa.targetCPUUtilization').value, '60');
  // GPU Deployment.
  assert.equal(pick(locations, 'manifests/ml/llm-inference.yaml', 'gpu.request', 'server').value, '2');
  assert.equal(pick(locations, 'manifests/ml/llm-inference.yaml', 'gpu.limit', 'server').value, '2');
  assert.ok(locations.every(l => l.editable), 'every demo location is editable');
});

test('planEdits places every demo recommendation, overlay over base, in the file\'s unit style', async () => {
  const files = await readRepoFiles(demo);
  const recs = [
    rec('prod-eks/shop/Deployment/checkout', [{ container: 'checkout', cpuRequest: { from: 1.5, to: 0.5 }, memoryRequest: { from: 2 * 2 ** 30, to: 1.5 * 2 ** 30 } }], { replicas: { from: 6, to: 4 } }),
    rec('prod-gke/shop/Deployment/catalog', [{ container: 'web', cpuRequest: { from: 1, to: 0.25 }, cpuLimit: { from: 2, to: undefined } }]),
    rec('prod-aks/payments/Deployment/payments-api', [
      { container: 'api', cpuRequest: { from: 2, to: 1.2 } },
      { container: 'envoy', cpuRequest: { from: 0.1, to: 0.05 }, memoryLimit: { to: 256 * 2 ** 20 } },
    ], { replicas: { from: 3, to: 2 } }),
    rec('prod-eks/search/Deployment/search', [{ container: 'search', cpuRequest: { from: 0.8, to: 0.6 } }], { hpa: { minReplicas: { from: 4, to: 3 } } }),
    rec('prod-gke/ml/Deployment/llm-inference', [{ container: 'server', cpuRequest: { from: 8, to: 6 } }], { policy: { verdict: 'rejected', notes: ['gpu-count-by-hand'], rules: [] } }),
    // A workload the repository does not have.
    rec('prod-eks/shop/Deployment/ghost', [{ container: 'ghost', cpuRequest: { from: 1, to: 0.5 } }]),
  ];
  const { edits, unplaced, locations } = planEdits(files, recs, { repository, clusters: demoClusters });
  const byPath = Object.fromEntries(edits.map(e => [e.path, e]));
  assert.deepEqual(Object.keys(byPath).sort(), [
    'apps/checkout/values.yaml', 'argocd/catalog.yaml', 'kustomize/payments/base/deployment.yaml',
    'kustomize/payments/overlays/prod/kustomization.yaml', 'kustomize/payments/overlays/prod/resources-patch.yaml', 'manifests/search/search.yaml',
  ]);
  assert.match(byPath['apps/checkout/values.yaml'].newText, /\n    cpu: 500m\n    memory: 1536Mi\n/);
  assert.match(byPath['apps/checkout/values.yaml'].newText, /replicaCount: 4   # sized for Black Friday 2025/);
  assert.match(byPath['argocd/catalog.yaml'].newText, /cpu: "250m"/, 'a part of a core in a file of whole cores is written in millicores, quotes kept');
  assert.doesNotMatch(byPath['argocd/catalog.yaml'].newText, /cpu: "2"/);
  // The overlay sets the api container's CPU: it is edited, not the base; envoy only exists in the base.
  assert.match(byPath['kustomize/payments/overlays/prod/resources-patch.yaml'].newText, /cpu: 1200m # payments peak is at month end\r\n/);
  assert.match(byPath['kustomize/payments/base/deployment.yaml'].newText, /cpu: 250m/);
  assert.match(byPath['kustomize/payments/base/deployment.yaml'].newText, /cpu: 50m\n              memory: 128Mi\n            limits:\n              memory: 256Mi\n/);
  assert.match(byPath['kustomize/payments/overlays/prod/kustomization.yaml'].newText, /count: 2/);
  assert.match(byPath['manifests/search/search.yaml'].newText, /requests: \{cpu: 600m, memory: 1536Mi\}/);
  assert.match(byPath['manifests/search/search.yaml'].newText, /minReplicas: 3\n/);
  assert.deepEqual(byPath['kustomize/payments/base/deployment.yaml'].recommendations, ['prod-aks/payments/Deployment/payments-api']);
  assert.deepEqual(unplaced.map(u => [u.recommendation, u.reason.split(' (')[0].slice(0, 40)]), [
    ['prod-gke/ml/Deployment/llm-inference', 'policy: rejected'],
    ['prod-eks/shop/Deployment/ghost', 'no place in the repository sets cpu.requ'],
  ]);
  // The scope guard accepts each edit with the locations planEdits reports, and rejects extra changes.
  for (const edit of edits) {
    const before = files.find(f => f.path === edit.path)!;
    assert.deepEqual(checkEditScope(before, edit.newText, locations), [], edit.path);
  }
  const search = files.find(f => f.path === 'manifests/search/search.yaml')!;
  const sneaky = byPath['manifests/search/search.yaml'].newText.replace('image: ghcr.io/example/search:2.1.0', 'image: evil:latest');
  assert.equal(checkEditScope(search, sneaky, locations).length, 1);
});

test('a workload in one cluster is not matched to a file pinned to another by its path', async () => {
  const files = [{ path: 'clusters/prod-gke/web.yaml', text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 2\n' }];
  const r = rec('prod-eks/shop/Deployment/web', [], { replicas: { from: 2, to: 3 } });
  const out = planEdits(files, [r], { repository: {}, clusters: demoClusters });
  assert.equal(out.edits.length, 0);
  const ok = planEdits(files, [{ ...r, ref: { ...r.ref, cluster: 'prod-gke' } }], { repository: {}, clusters: demoClusters });
  assert.match(ok.edits[0].newText, /replicas: 3/);
});
