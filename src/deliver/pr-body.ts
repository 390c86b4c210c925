// The pull request body: what changes (old → new per workload and container, money per month),
// why (the evidence behind each number), a chart of usage against old and new requests, what
// the policies said, how it was priced, what could not be placed, and how to opt out.
//
// Pure and deterministic (no clock, no randomness): the same plan gives the same body byte for
// byte, so the dry run and the Action agree and an unchanged PR is not rewritten. The body never
// contains BODY_MARKER_PREFIX: the delivery code adds its own hidden marker around it.
//
// GitHub rejects bodies over 65,536 characters. When the full body is longer than maxLength it
// is summarised step by step: charts go first, then the evidence details, then the per-container
// rows collapse into one row per workload, then the policy and unplaced lists shorten. The total
// saving and every workload's name are always kept.

import type { Plan } from '../core/plan.ts';
import { describeBytes, formatCpu, formatMemory } from '../core/quantity.ts';
import type { Change, ContainerRecommendation, Evidence, Recommendation, Unplaced } from '../core/types.ts';
import { VERSION } from '../core/version.ts';
import { formatMoney } from '../core/money.ts';
import type { PlannedGroup } from './group.ts';
import { usageCharts } from './mermaid.ts';
import { SAVINGS_CAVEAT } from '../cost/savings.ts';
import type { PullRequestGroup } from './types.ts';

/** The delivery code marks bodies with `<!-- rightsizer:… -->`; this renderer never emits it. */
export const BODY_MARKER_PREFIX = '<!-- rightsizer:';

/** GitHub's limit on an issue or pull request body. */
export const GITHUB_BODY_LIMIT = 65_536;
/** Default budget: leaves room for the delivery code's marker and a few notes. */
export const DEFAULT_MAX_BODY_LENGTH = 60_000;

// ---------------------------------------------------------------------------
// Text helpers.

/** Plain text from data (notes, reasons) made inert in Markdown and HTML, on one line. */
export function inline(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

/** `prod-eks/shop/checkout`: the name shown for a workload everywhere in the body. */
export function workloadName(rec: Recommendation): string {
  return `${rec.ref.cluster}/${rec.ref.namespace}/${rec.ref.name}`;
}

export const cpuText = (v: number) => formatCpu(v);
export const memText = (v: number) => formatMemory(v);
export const countText = (v: number) => String(v);
const pctText = (v: number) => `${v}%`;

/** `1 → 250m`; only the new value when it did not change; `—` for a missing side. */
export function changeText(c: Change | undefined, fmt: (v: number) => string): string {
  if (!c || (c.from === undefined && c.to === undefined)) return '';
  const from = c.from === undefined ? '—' : fmt(c.from);
  const to = c.to === undefined ? '—' : fmt(c.to);
  return from === to ? to : `${from} → ${to}`;
}

function percent(fraction: number, signed = false): string {
  const v = Math.round(fraction * 1000) / 10;
  return `${signed && v > 0 ? '+' : ''}${v}%`;
}

function percentile(p: number): string {
  const v = p <= 1 ? p * 100 : p;
  return `P${Math.round(v * 10) / 10}`;
}

function duration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400} days`;
  if (seconds >= 86_400) return `${Math.round(seconds / 8640) / 10} days`;
  if (seconds >= 3600) return `${Math.round(seconds / 360) / 10} hours`;
  return `${Math.round(seconds / 60)} minutes`;
}

function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function plural(n: number, word: string): string {
  return `${thousands(n)} ${word}${n === 1 ? '' : 's'}`;
}

function monthlyText(rec: Recommendation): string {
  return rec.cost ? formatMoney(rec.cost.monthly, rec.cost.currency) : 'not priced';
}

export function replicasText(rec: Recommendation): string {
  const parts: string[] = [];
  if (rec.replicas) parts.push(changeText(rec.replicas, countText));
  const h = rec.hpa;
  if (h) {
    if (h.minReplicas) parts.push(`HPA min ${changeText(h.minReplicas, countText)}`);
    if (h.maxReplicas) parts.push(`HPA max ${changeText(h.maxReplicas, countText)}`);
    if (h.targetCPUUtilization) parts.push(`HPA CPU target ${changeText(h.targetCPUUtilization, pctText)}`);
    if (h.targetMemoryUtilization) parts.push(`HPA memory target ${changeText(h.targetMemoryUtilization, pctText)}`);
  }
  return parts.filter(Boolean).join(', ');
}

function gpuText(c: ContainerRecommendation): string {
  const request = changeText(c.gpuRequest, countText);
  const limit = changeText(c.gpuLimit, countText);
  if (request && limit && request !== limit) return `${request} (limit ${limit})`;
  return request || limit;
}

// ---------------------------------------------------------------------------
// Sections.

interface Level {
  charts: boolean;
  details: boolean;
  perContainer: boolean;
  /** Shorten the policy and unplaced lists and the table to the workload and its money. */
  compact: boolean;
  /** Last resort: names only, inline. */
  namesOnly: boolean;
  shortened?: string;
}

const LEVELS: Level[] = [
  { charts: true, details: true, perContainer: true, compact: false, namesOnly: false },
  { charts: false, details: true, perContainer: true, compact: false, namesOnly: false, shortened: 'the usage charts are left out' },
  { charts: false, details: false, perContainer: true, compact: false, namesOnly: false, shortened: 'the usage charts and the evidence details are left out' },
  { charts: false, details: false, perContainer: false, compact: false, namesOnly: false, shortened: 'charts and evidence are left out and containers are summed per workload' },
  { charts: false, details: false, perContainer: false, compact: true, namesOnly: false, shortened: 'only each workload\'s monthly change is listed' },
  { charts: false, details: false, perContainer: false, compact: true, namesOnly: true, shortened: 'only the workload names are listed' },
];

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function containerRows(rec: Recommendation): string[][] {
  const name = code(workloadName(rec));
  const containers = rec.containers.length ? rec.containers : [undefined];
  return containers.map((c, i) => [
    i === 0 ? name : '',
    c ? code(c.container) : '',
    c ? changeText(c.cpuRequest, cpuText) : '',
    c ? changeText(c.cpuLimit, cpuText) : '',
    c ? changeText(c.memoryRequest, memText) : '',
    c ? changeText(c.memoryLimit, memText) : '',
    c ? gpuText(c) : '',
    i === 0 ? replicasText(rec) : '',
    i === 0 ? monthlyText(rec) : '',
    c ? c.evidence.confidence : rec.confidence,
  ]);
}

/** Sum of one resource over a pod's containers, old and new, when any container changes it. */
export function podSum(rec: Recommendation, pick: (c: ContainerRecommendation) => Change | undefined): Change | undefined {
  const changes = rec.containers.map(pick).filter((c): c is Change => c !== undefined);
  if (changes.length === 0) return undefined;
  const sum = (side: 'from' | 'to') => changes.every(c => c[side] === undefined) ? undefined : changes.reduce((s, c) => s + (c[side] ?? 0), 0);
  return { from: sum('from'), to: sum('to') };
}

function workloadRow(rec: Recommendation): string[] {
  const gpu = podSum(rec, c => c.gpuRequest ?? c.gpuLimit);
  return [
    code(workloadName(rec)),
    String(rec.containers.length),
    changeText(podSum(rec, c => c.cpuRequest), cpuText),
    changeText(podSum(rec, c => c.memoryRequest), memText),
    changeText(gpu, countText),
    replicasText(rec),
    monthlyText(rec),
    rec.confidence,
  ];
}

function changesSection(recs: Recommendation[], level: Level): string {
  if (level.namesOnly) {
    return `### Workloads\n\n${recs.map(r => code(workloadName(r))).join(', ')}`;
  }
  if (level.compact) {
    return `### Changes\n\n${table(['Workload', 'Monthly Δ'], recs.map(r => [code(workloadName(r)), monthlyText(r)]))}`;
  }
  if (!level.perContainer) {
    const rows = recs.map(workloadRow);
    return `### Changes\n\nRequests are summed over each pod's containers.\n\n${table(['Workload', 'Containers', 'CPU requests', 'Memory requests', 'GPU', 'Replicas / HPA', 'Monthly Δ', 'Confidence'], rows)}`;
  }
  const rows = recs.flatMap(containerRows);
  return `### Changes\n\n${table(['Workload', 'Container', 'CPU request', 'CPU limit', 'Memory request', 'Memory limit', 'GPU', 'Replicas / HPA', 'Monthly Δ', 'Confidence'], rows)}`;
}

function containerEvidence(c: ContainerRecommendation): string[] {
  const e: Evidence = c.evidence;
  const lines = [`${plural(e.samples, 'sample')} over ${duration(e.windowSeconds)} (coverage ${percent(e.coverage)})${e.workloadClass ? `, ${e.workloadClass}` : ''}, confidence ${e.confidence}`];
  if (e.cpu) {
    const to = c.cpuRequest?.to === undefined ? '' : ` → request ${cpuText(c.cpuRequest.to)}`;
    lines.push(`CPU: ${percentile(e.cpu.percentile)} usage ${cpuText(e.cpu.value)}, peak ${cpuText(e.cpu.peak)}, margin ${percent(e.cpu.margin, true)}${to}. ${inline(e.cpu.why)}`);
  }
  if (e.memory) {
    const to = c.memoryRequest?.to === undefined ? '' : ` → request ${memText(c.memoryRequest.to)}`;
    lines.push(`Memory: peak ${describeBytes(e.memory.peak)}, headroom ${percent(e.memory.headroom, true)}, volatility ${percent(e.memory.volatility)}, OOM kills ${e.memory.oomKills}${to}. ${inline(e.memory.why)}`);
  }
  if (e.gpu) {
    const power = e.gpu.powerP95Watts === undefined ? '' : `, power P95 ${Math.round(e.gpu.powerP95Watts)} W`;
    lines.push(`GPU: utilisation P95 ${Math.round(e.gpu.utilisationP95)}%, memory peak ${describeBytes(e.gpu.memoryPeakBytes)}${power}. ${inline(e.gpu.why)}`);
  }
  if (e.replicas) lines.push(`Replicas: demand P95 ${Math.round(e.replicas.demandP95Cores * 100) / 100} cores at ${percent(e.replicas.targetUtilisation)} target utilisation. ${inline(e.replicas.why)}`);
  if (e.hpa) lines.push(`HPA coupling: ${inline(e.hpa.why)}`);
  if (e.notSmallerBecause?.length) lines.push(`Why not smaller: ${e.notSmallerBecause.map(inline).join('; ')}`);
  return lines;
}

function workloadEvidence(rec: Recommendation): string {
  const lines: string[] = [];
  lines.push(`- Window: ${duration(rec.evidence.windowSeconds)}${rec.evidence.workloadClass ? ` · class: ${rec.evidence.workloadClass}` : ''} · confidence: ${rec.confidence}`);
  for (const note of rec.evidence.notes) lines.push(`- ${inline(note)}`);
  for (const c of rec.containers) {
    lines.push(`- Container ${code(c.container)}:`);
    for (const l of containerEvidence(c)) lines.push(`  - ${l}`);
  }
  if (rec.cost) lines.push(`- Cost: ${formatMoney(rec.cost.monthly, rec.cost.currency)}/month, priced from ${rec.cost.priceSource}: ${inline(rec.cost.priceDetail)}`);
  if (rec.energy) {
    const e = rec.energy;
    const kwh = (v: number) => Math.round(v * 10) / 10;
    lines.push(`- Energy: ${kwh(e.kwhPerMonthBefore)} → ${kwh(e.kwhPerMonthAfter)} kWh/month, ${kwh(e.kgCo2ePerMonthBefore)} → ${kwh(e.kgCo2ePerMonthAfter)} kg CO2e/month (${inline(e.model)})`);
  }
  // Markdown is not reliably rendered inside <summary>: use HTML there.
  const summary = `<code>${inline(workloadName(rec))}</code> ${rec.ref.kind} · ${monthlyText(rec)}/month · confidence ${rec.confidence}`;
  return `<details>\n<summary>${summary}</summary>\n\n${lines.join('\n')}\n\n</details>`;
}

function evidenceSection(recs: Recommendation[]): string {
  return `### Evidence\n\n${recs.map(workloadEvidence).join('\n\n')}`;
}

function chartsSection(recs: Recommendation[]): string {
  const charts = usageCharts(recs);
  return charts ? `### Usage against requests\n\n${charts}` : '';
}

function policySection(recs: Recommendation[], level: Level): string {
  const withPolicy = recs.filter(r => r.policy);
  if (withPolicy.length === 0) return '';
  const counts = new Map<string, number>();
  for (const r of withPolicy) counts.set(r.policy!.verdict, (counts.get(r.policy!.verdict) ?? 0) + 1);
  const order = ['accepted', 'clamped', 'rejected'];
  const tally = order.filter(v => counts.has(v)).map(v => `${v}: ${counts.get(v)}`).join(' · ');
  const approvals = [...new Set(withPolicy.flatMap(r => r.policy!.approvals ?? []))].sort();
  const lines = [`### Policy\n\n${tally}`];
  if (approvals.length) lines.push(`**Approval needed from:** ${approvals.map(inline).join(', ')}`);
  const notable = withPolicy.filter(r => r.policy!.verdict !== 'accepted' || r.policy!.notes.length > 0 || (r.policy!.approvals?.length ?? 0) > 0 || r.policy!.reportOnly);
  const items = notable.map(r => {
    const p = r.policy!;
    const head = `- ${code(workloadName(r))}: **${p.verdict}**${p.reportOnly ? ' (report only)' : ''}`;
    if (level.compact) return `${head}${p.notes[0] ? ` — ${inline(p.notes[0])}${p.notes.length > 1 ? ` (+${p.notes.length - 1} more)` : ''}` : ''}`;
    const sub = [
      ...p.notes.map(n => `  - ${inline(n)}`),
      ...(p.rules.length ? [`  - rules: ${p.rules.map(code).join(', ')}`] : []),
      ...(p.approvals?.length ? [`  - approval needed from: ${p.approvals.map(inline).join(', ')}`] : []),
    ];
    return [head, ...sub].join('\n');
  });
  if (items.length && level.namesOnly) lines.push(`${plural(items.length, 'workload')} with policy notes; \`rightsizer plan\` lists them.`);
  else if (items.length) lines.push(items.join('\n'));
  return lines.join('\n\n');
}

function pricingSection(recs: Recommendation[]): string {
  const priced = recs.filter(r => r.cost);
  if (priced.length === 0) return '### Pricing\n\nThese changes could not be priced: no unit price is known for their clusters.';
  const sources = new Map<string, number>();
  for (const r of priced) {
    const key = `${r.cost!.priceSource}: ${inline(r.cost!.priceDetail)}`;
    sources.set(key, (sources.get(key) ?? 0) + 1);
  }
  // The shared caveat once, then what is particular to a workload under its name.
  const shared = priced.some(r => r.cost!.caveat.startsWith(SAVINGS_CAVEAT)) ? [SAVINGS_CAVEAT] : [];
  const particular = priced.flatMap(r => {
    const rest = r.cost!.caveat.startsWith(SAVINGS_CAVEAT) ? r.cost!.caveat.slice(SAVINGS_CAVEAT.length).trim() : r.cost!.caveat;
    return rest ? [`\`${workloadName(r)}\`: ${rest}`] : [];
  });
  const caveats = [...shared, ...particular];
  const lines = ['### Pricing', '', ...[...sources].map(([s, n]) => `- ${s} (${plural(n, 'workload')})`)];
  const unpriced = recs.length - priced.length;
  if (unpriced > 0) lines.push(`- ${plural(unpriced, 'workload')} not priced`);
  if (caveats.length) lines.push('', ...caveats.map(c => `> ${inline(c)}`));
  return lines.join('\n');
}

const MAX_COMPACT_UNPLACED = 50;

function unplacedOf(group: PullRequestGroup, plan: Plan): Unplaced[] {
  const planned = group as Partial<PlannedGroup>;
  if (Array.isArray(planned.unplaced)) return planned.unplaced;
  if (group.key === 'all') return plan.unplaced;
  const ids = new Set(group.recommendations.map(r => r.id));
  return plan.unplaced.filter(u => ids.has(u.recommendation));
}

/** Settings bound to a GPU count (tensor parallelism, num-gpus…) that change in the same edit. */
function coupledSection(group: PullRequestGroup): string {
  const notes = group.edits.flatMap(e => e.coupled ?? []);
  if (notes.length === 0) return '';
  return `### Changed with the GPU count\n\nThese settings are bound to a GPU count this pull request changes, so they change in the same edit:\n\n${notes.map(n => `- ${inline(n)}`).join('\n')}`;
}

function unplacedSection(unplaced: Unplaced[], level: Level): string {
  if (unplaced.length === 0) return '';
  const shown = level.compact ? unplaced.slice(0, MAX_COMPACT_UNPLACED) : unplaced;
  const lines = shown.map(u => `- ${code(u.recommendation)}${u.container ? ` container ${code(u.container)}` : ''}${u.field ? ` ${code(u.field)}` : ''}: ${inline(u.reason)}`);
  if (shown.length < unplaced.length) lines.push(`- … and ${unplaced.length - shown.length} more (see \`rightsizer plan\`)`);
  return `### Not placed in the repository\n\nThese recommendations could not be written to a file, so this pull request does not change them:\n\n${lines.join('\n')}`;
}

const OPT_OUT = [
  '### Pin or ignore a workload',
  '',
  '- Put a `# rightsizer: ignore` comment on the line beside the workload\'s `resources:` (or `replicas:`) block; rightsizer leaves that block alone.',
  '- Or protect it with a policy rule: it is still reported, never edited:',
  '',
  '  ```yaml',
  '  rules:',
  '    - name: keep-as-is',
  '      match: {namespaces: shop, names: checkout}',
  '      protected: true',
  '  ```',
  '',
  '- Or close this pull request without merging: the same values are not proposed again for a while.',
].join('\n');

const CLOUD_NAMES: Record<string, string> = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure', 'on-prem': 'on-premises' };

function summarySection(group: PullRequestGroup, recs: Recommendation[]): string {
  const t = group.totals;
  const amount = formatMoney(Math.abs(t.monthly), t.currency).replace(/^[+−]/, '');
  const saving = t.monthly < 0 ? `saves **${amount}/month**` : t.monthly > 0 ? `adds **${amount}/month**` : 'leaves the monthly cost unchanged';
  const clouds = t.clouds.length ? ` on ${t.clouds.map(c => CLOUD_NAMES[c] ?? c).join(', ')}` : '';
  const lines = [`This pull request rightsizes **${plural(recs.length, 'workload')}**${clouds} and ${saving}.`];
  const notes = (group as Partial<PlannedGroup>).notes;
  if (Array.isArray(notes) && notes.length) lines.push('', ...notes.map(n => `> ${n.replace(/\r?\n/g, ' ').replace(/</g, '&lt;')}`));
  return lines.join('\n');
}

function render(group: PullRequestGroup, plan: Plan, level: Level): string {
  // Workloads that actually change; insufficient-data and no-change ones never reach an edit.
  const recs = group.recommendations;
  const sections = [
    summarySection(group, recs),
    level.shortened ? `_This description was shortened to fit GitHub's size limit: ${level.shortened}. \`rightsizer plan\` shows everything._` : '',
    changesSection(recs, level),
    level.details ? evidenceSection(recs) : '',
    level.charts ? chartsSection(recs) : '',
    policySection(recs, level),
    pricingSection(recs),
    coupledSection(group),
    unplacedSection(unplacedOf(group, plan), level),
    OPT_OUT,
    `<sub>rightsizer ${VERSION} · usage up to ${inline(plan.asOf)}</sub>`,
  ];
  return `${sections.filter(Boolean).join('\n\n')}\n`;
}

/**
 * The body of the pull request for one group. Longer than options.maxLength (default 60,000)
 * → summarised (see the top of this file); the least summarised version that fits is returned.
 * If even the names-only version does not fit, it is returned anyway: names are never dropped.
 */
export function renderPullRequestBody(group: PullRequestGroup, plan: Plan, options: { maxLength?: number } = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_BODY_LENGTH;
  let body = '';
  for (const level of LEVELS) {
    body = render(group, plan, level);
    if (body.length <= maxLength) return body;
  }
  return body;
}
