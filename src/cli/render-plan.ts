// How a plan looks on a terminal: a table of recommendations, the diff of the files it would
// change, and the pull request body it would open.

import type { Plan } from '../core/plan.ts';
import type { Change, ContainerRecommendation, Recommendation } from '../core/types.ts';
import { describeBytes, formatCpu } from '../core/quantity.ts';
import { unifiedDiff } from '../core/unified-diff.ts';
import { paint } from './output.ts';
import { formatMoney } from '../core/money.ts';

const cpuText = (v: number | undefined) => (v === undefined ? '—' : formatCpu(v));
const memText = (v: number | undefined) => (v === undefined ? '—' : describeBytes(v));
const numText = (v: number | undefined) => (v === undefined ? '—' : String(v));

function changeText(c: Change | undefined, fmt: (v: number | undefined) => string): string {
  if (!c) return '';
  return `${fmt(c.from)} → ${fmt(c.to)}`;
}


interface Row { workload: string; container: string; cpu: string; memory: string; gpu: string; replicas: string; monthly: string; confidence: string; verdict: string }

function rowsOf(rec: Recommendation): Row[] {
  const workload = `${rec.ref.cluster}/${rec.ref.namespace}/${rec.ref.name}`;
  const monthly = rec.cost ? formatMoney(rec.cost.monthly, rec.cost.currency) : 'not priced';
  const verdict = rec.policy ? rec.policy.verdict + (rec.policy.reportOnly ? ' (report only)' : '') : '';
  const replicas = rec.replicas ? changeText(rec.replicas, numText)
    : rec.hpa ? Object.entries(rec.hpa).filter(([, c]) => c).map(([k, c]) => `${k} ${changeText(c, numText)}`).join(', ') : '';
  if (rec.status === 'insufficient-data') {
    return [{ workload, container: '', cpu: '', memory: '', gpu: '', replicas: '', monthly: '', confidence: rec.confidence, verdict: `insufficient data: ${rec.evidence.notes[0] ?? ''}` }];
  }
  const containers: ContainerRecommendation[] = rec.containers.length ? rec.containers : [{ container: '', evidence: { windowSeconds: 0, samples: 0, coverage: 0, confidence: rec.confidence } }];
  return containers.map((c, i) => ({
    workload: i === 0 ? workload : '',
    container: c.container,
    cpu: [changeText(c.cpuRequest, cpuText), c.cpuLimit ? `limit ${changeText(c.cpuLimit, cpuText)}` : ''].filter(Boolean).join(', '),
    memory: [changeText(c.memoryRequest, memText), c.memoryLimit && c.memoryLimit.to !== c.memoryRequest?.to ? `limit ${changeText(c.memoryLimit, memText)}` : ''].filter(Boolean).join(', '),
    gpu: changeText(c.gpuRequest ?? c.gpuLimit, numText),
    replicas: i === 0 ? replicas : '',
    monthly: i === 0 ? monthly : '',
    confidence: i === 0 ? rec.confidence : '',
    verdict: i === 0 ? verdict : '',
  }));
}

const HEADERS: Row = { workload: 'WORKLOAD', container: 'CONTAINER', cpu: 'CPU REQUEST', memory: 'MEMORY', gpu: 'GPU', replicas: 'REPLICAS / HPA', monthly: 'MONTHLY Δ', confidence: 'CONFIDENCE', verdict: 'POLICY' };

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
  const total = formatMoney(plan.totals.monthly, plan.totals.currency);
  return failed + [paint(line(HEADERS), 'bold', color), ...body, '',
    `${plan.totals.workloads} workloads to change across ${plan.totals.clouds.join(', ') || 'no clouds'}: ${paint(`${total}/month`, 'bold', color)} (realised when nodes scale down).`,
  ].join('\n') + '\n';
}

export function unplacedText(plan: Plan): string {
  const coupled = plan.edits.flatMap(e => e.coupled ?? []);
  const changedWith = coupled.length ? `Changed with the GPU count (bound settings):\n${coupled.map(c => `  - ${c}`).join('\n')}\n` : '';
  if (plan.unplaced.length === 0) return changedWith;
  return `${changedWith}Not placed in the repository:\n${plan.unplaced.map(u => `  - ${u.recommendation}${u.container ? `/${u.container}` : ''}${u.field ? ` ${u.field}` : ''}: ${u.reason}`).join('\n')}\n`;
}

export function planDiff(plan: Plan): string {
  return plan.edits.map(e => unifiedDiff(e.path, e.oldText, e.newText)).join('');
}
