// The first run on repositories nobody prepared for rightsizer: `init` then `plan` on copies of
// three common GitOps layouts (test/cli/fixtures/first-run/: Argo CD with Helm charts and
// templates, Flux with Kustomizations and HelmReleases, an ApplicationSet monorepo), against a
// real Prometheus holding fifteen days of usage for some of their workloads.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { prometheusBinaries, prometheusWithWorld, type PrometheusServer, type WorldWorkload } from '../helpers/prometheus-server.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Plan } from '../../src/core/plan.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const fixtures = path.join(repoRoot, 'test/cli/fixtures/first-run');
const DAY = 86400, MI = 2 ** 20;
const END = Math.floor(Date.now() / 1000 / 300) * 300 + 600;
const START = END - 15 * DAY;

/** The requests and limits the pods run with are the ones the layout's files say (else the plan reports drift and proposes nothing). */
function deployment(cluster: string, namespace: string, name: string, container: string, cpu: number, memMi: number, spec = { requests: { cpu: 0.25, memory: 256 * MI }, limits: { memory: 512 * MI } }): WorldWorkload {
  return {
    cluster, namespace, kind: 'Deployment', name, replicas: 2,
    pods: ['ab12c', 'de34f'].map(suffix => ({
      name: `${name}-6b7c8d9f5-${suffix}`, start: START, end: END,
      containers: [{
        name: container, ...spec,
        cpu: t => cpu * (1 + 0.3 * Math.sin(t / 3600)), memory: () => memMi * MI,
      }],
    })),
  };
}

let prometheus: PrometheusServer | undefined;
let skipped: string | undefined;

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  prometheus = await prometheusWithWorld([
    deployment('prod-eu', 'helm-guestbook', 'helm-guestbook', 'helm-guestbook', 0.04, 90),
    deployment('production', 'podinfo', 'podinfo', 'podinfo', 0.03, 40, { requests: { cpu: 0.25, memory: 128 * MI }, limits: { memory: 128 * MI } }),
    deployment('prod-gke', 'gitea', 'gitea', 'gitea', 0.05, 300, { requests: { cpu: 0.25, memory: 512 * MI }, limits: { memory: 1024 * MI } }),
  ], { start: START, end: END, scrape: 60, clusterLabel: 'cluster' });
});

after(async () => { await prometheus?.close(); });

interface Layout {
  dir: string;
  clusters: string[];
  /** `file#doc:path` of settings a reviewer would list; each must be located and editable. */
  settings: string[];
  /** Files a folder scan lists as skipped. */
  skipped?: string[];
  /** Settings located but locked. */
  locked?: string[];
  /** Files the plan edits (the workloads in Prometheus are placed there; a shared base is not edited for one cluster). */
  edits?: string[];
}

const LAYOUTS: Layout[] = [
  {
    dir: 'argocd-helm',
    clusters: ['in-cluster', 'prod-eu', 'staging-eu'],
    settings: [
      'helm-guestbook/values.yaml#0:replicaCount', 'helm-guestbook/values.yaml#0:resources.requests.cpu',
      'helm-guestbook/values-production.yaml#0:resources.limits.memory',
      'guestbook/guestbook-ui-deployment.yaml#0:spec.replicas',
      'guestbook/guestbook-ui-deployment.yaml#0:spec.template.spec.containers[name=guestbook-ui].resources.requests.cpu',
      'kustomize-guestbook/guestbook-ui-deployment.yaml#0:spec.template.spec.containers[name=guestbook-ui].resources.requests.memory',
    ],
    skipped: ['hack/notes.yaml'],
    edits: ['helm-guestbook/values-production.yaml'],
  },
  {
    dir: 'flux',
    clusters: ['production', 'staging'],
    settings: [
      'apps/base/podinfo/release.yaml#0:spec.values.replicaCount', 'apps/base/podinfo/release.yaml#0:spec.values.redis.resources.requests.cpu',
      'apps/production/podinfo-values.yaml#0:spec.values.resources.requests.cpu',
      'infrastructure/controllers/envoy-gateway.yaml#0:spec.values.deployment.envoyGateway.resources.limits.memory',
      'infrastructure/controllers/envoy-gateway.yaml#1:spec.provider.kubernetes.envoyDeployment.replicas',
      'infrastructure/controllers/envoy-gateway.yaml#1:spec.provider.kubernetes.envoyDeployment.container.resources.requests.cpu',
      'infrastructure/storage/rook-ceph-cluster.yaml#0:spec.values.cephClusterSpec.resources.mgr.requests.cpu',
      'infrastructure/storage/rook-ceph-cluster.yaml#0:spec.values.cephClusterSpec.resources.mon.requests.memory',
      'infrastructure/storage/rook-ceph-cluster.yaml#0:spec.values.cephClusterSpec.resources.osd.limits.memory',
      'infrastructure/storage/ceph-csi.yaml#0:spec.values.nodeplugin.resources.plugin.requests.cpu',
      'infrastructure/storage/ceph-csi.yaml#0:spec.values.nodeplugin.resources.registrar.requests.memory',
    ],
    locked: ['components/common-app/deployment.yaml#0:spec.template.spec.containers[name=app].resources.requests.cpu'],
    edits: ['apps/production/podinfo-values.yaml'],
  },
  {
    dir: 'appset-monorepo',
    clusters: ['dev-gke', 'prod-gke'],
    settings: [
      'apps/blog/values.yaml#0:app-template.controllers.main.replicas',
      'apps/blog/values.yaml#0:app-template.controllers.main.containers.main.resources.requests.cpu',
      'apps/gitea/values.yaml#0:gitea.resources.requests.memory', 'apps/gitea/values.yaml#0:gitea.postgresql.primary.resources.requests.cpu',
      'platform/monitoring/values.yaml#0:kube-prometheus-stack.prometheus.prometheusSpec.resources.limits.memory',
    ],
  },
];

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [cli, '--no-color', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 2 ** 20 });
}

for (const layout of LAYOUTS) {
  test(`first run on a ${layout.dir} layout: init finds its clusters, locate its settings, plan exits 0`, async t => {
    if (skipped) { t.skip(skipped); return; }
    const dir = mkdtempSync(path.join(os.tmpdir(), `rightsizer-first-${layout.dir}-`));
    try {
      cpSync(path.join(fixtures, layout.dir), dir, { recursive: true });
      execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });

      const init = run(['init'], dir);
      assert.equal(init.status, 0, init.stderr);
      const configFile = path.join(dir, 'rightsizer.yaml');
      const written = readFileSync(configFile, 'utf8');
      const config = await parseConfig(configFile, written);
      assert.deepEqual(config.clusters.map(c => c.name), layout.clusters);
      assert.deepEqual(config.policies, [], 'no policies/ folder: init names none and the built-in defaults apply');

      const locate = run(['locate', '.', '--output', 'json'], dir);
      assert.equal(locate.status, 0, locate.stderr);
      const { locations, skipped: skippedFiles } = JSON.parse(locate.stdout) as { locations: Array<{ id: string; editable: boolean; file: string }>; skipped: Array<{ file: string; line: number; column: number }> };
      const byId = new Map(locations.map(l => [l.id, l]));
      for (const id of layout.settings) {
        assert.ok(byId.has(id), `${layout.dir}: locate misses ${id}`);
        assert.equal(byId.get(id)!.editable, true, `${layout.dir}: ${id} should be editable`);
      }
      for (const id of layout.locked ?? []) assert.equal(byId.get(id)?.editable, false, `${layout.dir}: ${id} should be locked`);
      assert.ok(!locations.some(l => /\/templates\//.test(l.file) || /roles\//.test(l.file)), 'nothing claimed in chart templates or Ansible roles');
      assert.deepEqual(skippedFiles.map(s => s.file), layout.skipped ?? []);
      for (const s of skippedFiles) assert.ok(s.line > 0 && s.column > 0);

      // Point every cluster at the test's Prometheus, with the history it holds.
      writeFileSync(configFile, written
        .replaceAll('url: http://prometheus.monitoring.svc:9090', `url: ${prometheus!.url}`)
        .replaceAll('# clusterLabel: cluster', 'clusterLabel: cluster'));
      // The default window (14 days) meets the default production policy (minHistory: 14d).
      const plan = run(['plan', '--output', 'json', '--quiet'], dir);
      assert.equal(plan.status, 0, plan.stderr);
      assert.equal(plan.stderr, '', 'no warnings under --quiet');
      const parsed = JSON.parse(plan.stdout) as Plan;
      assert.ok(!plan.stdout.includes(dir) && !plan.stdout.includes(repoRoot), 'the plan names no absolute path of this machine');
      assert.ok(parsed.recommendations.length > 0, 'the workloads in Prometheus are planned');
      assert.deepEqual(parsed.edits.map(e => e.path), layout.edits ?? [], `${layout.dir}: unplaced: ${JSON.stringify(parsed.unplaced)}`);
      t.diagnostic(`${layout.dir}: ${config.clusters.length} clusters, ${locations.length} locations, ${parsed.recommendations.length} recommendations, ${parsed.edits.length} file edits`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a workload seen from the start of a 14-day window has 14 days of history (minHistory: 14d is met)', async () => {
  const { historySeconds } = await import('../../src/pipeline.ts');
  const window = { start: '2026-11-02T00:00:00Z', end: '2026-11-16T00:00:00Z' };
  const start = Date.parse(window.start) / 1000, end = Date.parse(window.end) / 1000;
  const profile = (first: number, last: number) => ({ containers: [{ firstSample: first, lastSample: last }] }) as unknown as Parameters<typeof historySeconds>[0];
  assert.equal(historySeconds(profile(start + 60, end), { window }), 14 * DAY);
  assert.equal(historySeconds(profile(start + 3 * DAY, end), { window }), 11 * DAY);
  assert.equal(historySeconds(profile(start + 60, end - 2 * DAY), { window }), 12 * DAY);
});
