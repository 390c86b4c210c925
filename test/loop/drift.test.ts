// Drift in the plan: the cluster runs a CPU request the file does not say (someone changed it by
// hand). `rightsizer plan` against a real Prometheus says so, and proposes nothing for that
// container, while the workload's other container, which runs what its file says, is still
// rightsized.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/shared.ts';
import { prometheusBinaries, prometheusWithWorld, type PrometheusServer } from '../helpers/prometheus-server.ts';
import type { Plan } from '../../src/core/plan.ts';

const cli = path.join(repoRoot, 'src/cli/bin.ts');
const H = 3600, D = 86400, MI = 2 ** 20, GI = 2 ** 30;
const END = Math.floor(Date.now() / 1000 / 300) * 300;
const START = END - 9 * D;

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: example/web:1.0
          resources:
            requests:
              cpu: "1"
              memory: 1Gi
        - name: proxy
          image: example/proxy:1.0
          resources:
            requests:
              cpu: 500m
              memory: 512Mi
`;

let prometheus: PrometheusServer | undefined;
let skipped: string | undefined;
let dir: string;

before(async () => {
  if (!prometheusBinaries()) {
    if (process.env.CI === 'true') throw new Error('prometheus/promtool not installed');
    skipped = 'prometheus/promtool not installed';
    return;
  }
  // The app container runs 800m, not the file's 1 core: set by hand with kubectl.
  prometheus = await prometheusWithWorld([{
    cluster: 'test', namespace: 'shop', kind: 'Deployment', name: 'web', replicas: 2,
    pods: ['ab12c', 'de34f'].map(s => ({
      name: `web-6b7c8d9f5-${s}`, start: START, end: END + H,
      containers: [
        { name: 'app', requests: { cpu: 0.8, memory: GI }, cpu: () => 0.1, memory: () => 300 * MI },
        { name: 'proxy', requests: { cpu: 0.5, memory: 512 * MI }, cpu: () => 0.05, memory: () => 100 * MI },
      ],
    })),
  }], { start: START, end: END, scrape: 60, clusterLabel: 'cluster' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-drift-'));
  mkdirSync(path.join(dir, 'apps/web'), { recursive: true });
  writeFileSync(path.join(dir, 'apps/web/deployment.yaml'), MANIFEST);
  writeFileSync(path.join(dir, 'rightsizer.yaml'), `clusters:
  - name: test
    cloud: on-prem
    prometheus: { url: ${prometheus.url}, clusterLabel: cluster, stepSeconds: 300 }
    prices: { currency: USD, perVcpuHour: 0.05, perGibHour: 0.01 }
engine: { historyDays: 8 }
`);
});

after(async () => {
  await prometheus?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function plan(...args: string[]) {
  return spawnSync(process.execPath, [cli, '--no-color', 'plan', '--quiet', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

test('drift: the live request differs from the file; the plan says so and proposes nothing for that container', t => {
  if (skipped) { t.skip(skipped); return; }
  const json = plan('--output', 'json');
  assert.equal(json.status, 0, json.stderr);
  const p = JSON.parse(json.stdout) as Plan;
  assert.deepEqual(p.drift?.map(d => [d.workload, d.container, d.field, d.git, d.live, d.source]), [['test/shop/Deployment/web', 'app', 'cpu.request', '1', '800m', 'file']]);
  const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(path.join(repoRoot, 'schema/plan.schema.json'), 'utf8')));
  assert.ok(validate(p), `the plan validates against schema/plan.schema.json: ${JSON.stringify(validate.errors)}`);
  assert.match(p.drift![0].reason, /apps\/web\/deployment\.yaml:\d+ says 1 but the cluster runs 800m/);

  // Nothing for app; proxy (live = file) is still cut.
  assert.equal(p.edits.length, 1);
  const after = p.edits[0].newText;
  assert.match(after, /- name: app\n[^]*?cpu: "1"\n\s+memory: 1Gi\n/, 'app keeps the file\'s values');
  assert.doesNotMatch(after, /cpu: 500m\n\s+memory: 512Mi/, 'proxy is rightsized');
  assert.ok(p.edits[0].locations.every(l => !l.includes('[name=app]')), `no location of app: ${p.edits[0].locations.join(', ')}`);

  // The table says so too.
  const table = plan();
  assert.equal(table.status, 0, table.stderr);
  // And the pull request body, for the reviewer of the proxy's change.
  const markdown = plan('--output', 'markdown');
  assert.match(markdown.stdout, /### Drift: not changed[^]*`test\/shop\/Deployment\/web` container `app` cpu\.request: Git `1`, live `800m`/);
  assert.match(table.stdout, /Drift: the cluster does not run what Git says, so nothing is proposed for these containers:\n {2}- test\/shop\/Deployment\/web\/app cpu\.request: Git 1, live 800m\./);
});
