import { SAVINGS_CAVEAT } from '../../src/cost/savings.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupPlan } from '../../src/deliver/group.ts';
import { BODY_MARKER_PREFIX, GITHUB_BODY_LIMIT, renderPullRequestBody, workloadName } from '../../src/deliver/pr-body.ts';
import type { PullRequestGroup } from '../../src/deliver/types.ts';
import { largePlan, plan, recommendation } from '../helpers/plan-builder.ts';
import { demoPlan } from './fixtures/demo-plan.ts';

function onlyGroup(p = demoPlan()) {
  const groups = groupPlan(p, 'repository', 'rightsizer/');
  assert.equal(groups.length, 1);
  return { p, g: groups[0] };
}

test('the demo-like body has the summary, table, evidence, chart, policy, pricing caveat, unplaced and opt-out', () => {
  const { p, g } = onlyGroup();
  const body = renderPullRequestBody(g, p);
  assert.match(body, /^This pull request rightsizes \*\*5 workloads\*\* on AWS, Azure, Google Cloud and saves \*\*\$1,543\.95\/month\*\*\./);
  // Table: narrow, one row per setting, in the quantities the files get.
  assert.match(body, /\| Workload \| Setting \| Change \| Monthly Δ \| Confidence \|/);
  assert.match(body, /\| `prod-eks\/shop\/Deployment\/checkout` \| `app` CPU request \| 1 → 250m \| −\$182\.40 \| high \|/);
  assert.match(body, /\|  \| `app` memory limit \| 2Gi → 1Gi \|  \|  \|/);
  assert.match(body, /\|  \| `envoy` CPU request \| 200m → 100m \|/);
  assert.match(body, /\|  \| HPA min replicas \| 4 → 2 \|[\s\S]*\|  \| HPA CPU target \| 60% → 70% \|/);
  assert.match(body, /\|  \| GPU request, limit \| 2 → 1 \|/, 'GPU change');
  // Evidence: one line per number, the container's data once.
  assert.match(body, /<details>\n<summary><code>prod-eks\/shop\/Deployment\/checkout<\/code> · /);
  assert.match(body, /- `app` CPU request 1 → 250m: P95 of CPU usage plus a 15% margin/);
  assert.match(body, /- `app` CPU limit 2 → 1\n/);
  assert.match(body, /- HPA min replicas 4 → 2: HPA scales on CPU/);
  assert.match(body, /Not smaller because: step limit/);
  assert.match(body, /- Data: 20,160 samples over 14 days \(coverage 99%\) per container\n- `app`: steady\n/);
  assert.match(body, /- Data: 20,160 samples over 14 days \(coverage 99%\); steady\n/);
  // Charts: each container against its own request today.
  assert.match(body, /```mermaid\nxychart-beta\n {4}title "CPU: new request and usage, % of today's request"\n {4}x-axis \["app", "envoy", "catalog", "api", "search", "server"\]/);
  assert.match(body, /bar \[25, 50, 60, 60, 53, 50\]\n {4}bar \[18, 30, 36, 36, 32, 30\]\n {4}line \[100, 100, 100, 100, 100, 100\]/);
  // Policy.
  assert.match(body, /### Policy\n\naccepted: 4 · clamped: 1/);
  assert.match(body, /\*\*Approval needed from:\*\* @example\/payments-oncall/);
  assert.match(body, /- `prod-aks\/payments\/Deployment\/payments-api`: \*\*clamped\*\*\n {2}- clamped memory\.request to 3Gi/);
  assert.match(body, /rules: `policies\/payments\.yaml#memory-floor`/);
  // Pricing and caveat.
  assert.match(body, /- list-price: Azure retail prices for Standard_D4s_v5 in westeurope \(1 workload\)/);
  assert.equal(body.split(`> ${SAVINGS_CAVEAT}`).length - 1, 1, 'the shared caveat is said once');
  // Unplaced and opt-out.
  assert.match(body, /### Not placed in the repository[\s\S]*`prod-aks\/payments\/Deployment\/payments-api` `replicas`: kustomize/);
  assert.match(body, /`# rightsizer: ignore`/);
  assert.match(body, /protected: true/);
  assert.match(body, /close this pull request without merging/);
  assert.ok(!body.includes(BODY_MARKER_PREFIX));
});

test('the same plan gives the same body byte for byte', () => {
  const a = onlyGroup();
  const b = onlyGroup(demoPlan());
  const first = renderPullRequestBody(a.g, a.p);
  assert.equal(renderPullRequestBody(b.g, b.p), first);
  const copy = JSON.parse(JSON.stringify(a.p));
  assert.equal(renderPullRequestBody(groupPlan(copy, 'repository', 'rightsizer/')[0], copy), first);
  const big = largePlan(200);
  const g = groupPlan(big, 'repository', 'rightsizer/')[0];
  assert.equal(renderPullRequestBody(g, big), renderPullRequestBody(g, JSON.parse(JSON.stringify(big))));
});

test('200 workloads: under GitHub\'s limit, with the total saving and every workload name', t => {
  const p = largePlan(200);
  const { g } = onlyGroup(p);
  const body = renderPullRequestBody(g, p);
  t.diagnostic(`body of 200 workloads: ${body.length} characters`);
  assert.ok(body.length < GITHUB_BODY_LIMIT, `${body.length} characters`);
  assert.ok(body.length <= 60_000);
  assert.ok(body.includes('saves **$'), 'total saving');
  const total = `$${Math.abs(p.totals.monthly).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}/month`;
  assert.ok(body.includes(total), `total ${total}`);
  for (const r of p.recommendations) assert.ok(body.includes(workloadName(r)), workloadName(r));
  assert.match(body, /shortened to fit GitHub's size limit/);
  assert.ok(!body.includes(BODY_MARKER_PREFIX));
});

test('summarising drops charts, then evidence, then per-container rows, always keeping names and total', () => {
  const p = largePlan(12);
  const { g } = onlyGroup(p);
  const full = renderPullRequestBody(g, p, { maxLength: Infinity });
  assert.match(full, /```mermaid/);
  assert.match(full, /<details>/);
  const noCharts = renderPullRequestBody(g, p, { maxLength: full.length - 1 });
  assert.doesNotMatch(noCharts, /```mermaid/);
  assert.match(noCharts, /<details>/);
  const noDetails = renderPullRequestBody(g, p, { maxLength: noCharts.length - 1 });
  assert.doesNotMatch(noDetails, /<details>/);
  assert.match(noDetails, /`istio-proxy`/);
  const perWorkload = renderPullRequestBody(g, p, { maxLength: noDetails.length - 1 });
  assert.doesNotMatch(perWorkload, /`istio-proxy`/);
  assert.match(perWorkload, /\| Workload \| Changes \| Monthly Δ \| Confidence \|/);
  assert.match(perWorkload, /\| `prod-eks\/team-0\/Deployment\/service-0000` \| 7 settings \| −\$10\.00 \| high \|/);
  const tiny = renderPullRequestBody(g, p, { maxLength: 10 });
  for (const body of [noCharts, noDetails, perWorkload, tiny]) {
    assert.match(body, /saves \*\*\$/);
    for (const r of p.recommendations) assert.ok(body.includes(workloadName(r)));
  }
});

test('text from data cannot inject HTML, the marker or table cells', () => {
  const rec = recommendation({
    name: 'evil',
    monthly: -5,
    policy: { verdict: 'clamped', notes: ['<!-- rightsizer:fake --> a | b\nnext'], rules: ['x#y'] },
  });
  const p = plan({ recommendations: [rec], unplaced: [{ recommendation: rec.id, reason: '</details><script>' }] });
  const { g } = onlyGroup(p);
  const body = renderPullRequestBody(g, p);
  assert.ok(!body.includes(BODY_MARKER_PREFIX));
  assert.ok(!body.includes('<script>'));
  assert.match(body, /&lt;!-- rightsizer:fake --&gt; a \\\| b next/);
});

test('a plain PullRequestGroup (without groupPlan\'s extras) renders too', () => {
  const p = demoPlan();
  const shop = p.recommendations.filter(r => r.ref.namespace === 'payments');
  const group: PullRequestGroup = {
    key: 'payments', branch: 'rightsizer/namespace-payments', title: 't', recommendations: shop,
    edits: p.edits.filter(e => e.recommendations.includes(shop[0].id)),
    totals: { monthly: -240.1, currency: 'USD', workloads: 1, clouds: ['azure'] },
  };
  const body = renderPullRequestBody(group, p);
  assert.match(body, /saves \*\*\$240\.10\/month\*\*/);
  assert.match(body, /### Not placed in the repository/);
});
