// How a plan looks on a terminal: a table of recommendations, the diff of the files it would
// change, and the pull request body it would open.

import { monthlyTotalText, type Plan } from '../core/plan.ts';
import type { Recommendation } from '../core/types.ts';
import { settingChanges } from '../core/changes.ts';
import { unifiedDiff } from '../core/unified-diff.ts';
import { formatCsv, paint } from './output.ts';
import { formatMoney } from '../core/money.ts';
import { plural } from '../core/text.ts';

interface Row { workload: string; setting: string; change: string; monthly: string; confidence: string; verdict: string }

/** One row per setting that changes, written as the PR body and the files write it (core/changes.ts). */
function rowsOf(rec: Recommendation): Row[] {
  const workload = rec.id;   // the canonical workload id (cluster/namespace/Kind/name), as everywhere
  const monthly = rec.cost ? formatMoney(rec.cost.monthly, rec.cost.currency) : 'not priced';
  const verdict = rec.policy ? rec.policy.verdict + (rec.policy.reportOnly ? ' (report only)' : '') : '';
  if (rec.status === 'insufficient-data') {
    return [{ workload, setting: '', change: '', monthly: '', confidence: rec.confidence, verdict: `insufficient data: ${rec.evidence.notes[0] ?? ''}` }];
  }
  const many = rec.containers.length > 1;
  const changes = settingChanges(rec);
  const settings = changes.length ? changes : [{ kind: 'replicas' as const, setting: '', change: '' }];
  return settings.map((c, i) => ({
    workload: i === 0 ? workload : '',
    setting: `${c.container && many ? `${c.container} ` : ''}${c.setting}`,
    change: c.change,
    monthly: i === 0 ? monthly : '',
    confidence: i === 0 ? rec.confidence : '',
    verdict: i === 0 ? verdict : '',
  }));
}

const HEADERS: Row = { workload: 'WORKLOAD', setting: 'SETTING', change: 'CHANGE', monthly: 'MONTHLY Δ', confidence: 'CONFIDENCE', verdict: 'POLICY' };

export function recommendationTable(plan: Plan, color: boolean): string {
  const recs = plan.recommendations.filter(r => r.status !== 'no-change');
  const failed = (plan.failedSources ?? []).map(f => `${paint('failed:', 'red', color)} ${f.source}: ${f.error}\n`).join('');
  if (recs.length === 0) return failed ? `${failed}No changes recommended from the sources that answered.\n` : 'No changes recommended: every workload is within its calm band.\n';
  const rows = recs.flatMap(rowsOf);
  const keys = Object.keys(HEADERS) as Array<keyof Row>;
  const width = (k: keyof Row) => Math.max(...[HEADERS, ...rows].map(r => r[k].length));
  const widths = Object.fromEntries(keys.map(k => [k, width(k)])) as Record<keyof Row, number>;
  const line = (r: Row) => keys.map(k => r[k].padEnd(widths[k])).join('  ').trimEnd();
  const body = rows.map(r => {
    const text = line(r);
    return r.monthly.startsWith('−') ? text.replace(r.monthly, paint(r.monthly, 'green', color)) : text;
  });
  const edited = new Set(plan.edits.flatMap(e => e.recommendations));
  const total = monthlyTotalText(plan.totals, plan.recommendations.filter(r => edited.has(r.id)));
  const unpricedWhy = total === 'not priced' ? ' (no unit price for these clusters: was the billing shard merged?)' : ' (realised when nodes scale down)';
  return failed + [paint(line(HEADERS), 'bold', color), ...body, '',
    `${plural(plan.totals.workloads, 'workload')} to change across ${plan.totals.clouds.join(', ') || 'no clouds'}: ${paint(total, 'bold', color)}${unpricedWhy}.`,
  ].join('\n') + '\n';
}

/** The plan as CSV: one row per setting that changes (the table's rows, with raw numbers). */
export function planCsv(plan: Plan): string {
  const edited = new Set(plan.edits.flatMap(e => e.recommendations));
  const rows = plan.recommendations.filter(r => r.status === 'ok').flatMap(rec => settingChanges(rec).map(c => [
    rec.id, rec.ref.cluster, rec.ref.namespace, rec.ref.kind, rec.ref.name, c.container ?? '', c.setting, c.change,
    rec.cost?.monthly, rec.cost?.currency, rec.confidence, rec.policy?.verdict ?? '', edited.has(rec.id) ? 'yes' : 'no',
  ]));
  return formatCsv(['workload', 'cluster', 'namespace', 'kind', 'name', 'container', 'setting', 'change', 'monthly_delta', 'currency', 'confidence', 'policy', 'in_pull_request'], rows);
}

export function unplacedText(plan: Plan): string {
  const coupled = plan.edits.flatMap(e => e.coupled ?? []);
  const changedWith = coupled.length ? `Changed with the GPU count (bound settings):\n${coupled.map(c => `  - ${c}`).join('\n')}\n` : '';
  const drift = plan.drift?.length
    ? `Drift: the cluster does not run what Git says, so nothing is proposed for these containers:\n${plan.drift.map(d => `  - ${d.workload}${d.container ? `/${d.container}` : ''} ${d.field}: Git ${d.git}, live ${d.live ?? 'unset'}. ${d.reason}`).join('\n')}\n`
    : '';
  const unplaced = plan.unplaced.filter(u => !u.reason.startsWith('drift: '));
  if (unplaced.length === 0) return `${changedWith}${drift}`;
  return `${changedWith}${drift}Not placed in the repository:\n${unplaced.map(u => `  - ${u.recommendation}${u.container ? `/${u.container}` : ''}${u.field ? ` ${u.field}` : ''}: ${u.reason}`).join('\n')}\n`;
}

export function planDiff(plan: Plan): string {
  return plan.edits.map(e => unifiedDiff(e.path, e.oldText, e.newText)).join('');
}
