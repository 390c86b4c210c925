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

import type { Plan, RevertInfo } from '../core/plan.ts';
import { containerChanges, settingChanges, settingLine, workloadChanges, type SettingChange } from '../core/changes.ts';
import type { ContainerRecommendation, Evidence, Recommendation, Unplaced } from '../core/types.ts';
import { VERSION } from '../core/version.ts';
import { formatMoney } from '../core/money.ts';
import { plural } from '../core/text.ts';
import { workloadIdText } from '../core/workload-id.ts';
import type { PlannedGroup } from './group.ts';
import { usageCharts } from './mermaid.ts';
import { SAVINGS_CAVEAT } from '../cost/savings.ts';
import { attentionText, needsAttention } from '../recommend/attention.ts';
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

/** Text in backticks, on one line. */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

/** `prod-eks/shop/checkout`: the name shown for a workload everywhere in the body. */
/** The canonical workload id (src/core/workload-id.ts), as the plan table and `policy explain` show it. */
export function workloadName(rec: Recommendation): string {
  return workloadIdText(rec.ref);
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

function monthlyText(rec: Recommendation): string {
  return rec.cost ? formatMoney(rec.cost.monthly, rec.cost.currency) : 'not priced';
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
  { charts: false, details: false, perContainer: false, compact: false, namesOnly: false, shortened: 'charts and evidence are left out and changes are counted per workload' },
  { charts: false, details: false, perContainer: false, compact: true, namesOnly: false, shortened: 'only each workload\'s monthly change is listed' },
  { charts: false, details: false, perContainer: false, compact: true, namesOnly: true, shortened: 'only the workload names are listed' },
];

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * The change table fits GitHub's 1012 px content column: five narrow columns, one row per
 * setting that changes (the workload's name, money and confidence on its first row), so no
 * column has to hold several numbers and nothing wraps or scrolls.
 */
const CHANGE_HEADER = ['Workload', 'Setting', 'Change', 'Monthly Δ', 'Confidence'];

function settingRows(rec: Recommendation): string[][] {
  const many = rec.containers.length > 1;
  const changes = settingChanges(rec);
  const rows = changes.length ? changes : [{ kind: 'replicas', setting: '', change: '' } as SettingChange];
  return rows.map((s, i) => [
    i === 0 ? code(workloadName(rec)) : '',
    `${s.container && many ? `${code(s.container)} ` : ''}${s.setting}`,
    s.change,
    i === 0 ? monthlyText(rec) : '',
    i === 0 ? rec.confidence : '',
  ]);
}

function settingCount(rec: Recommendation): string {
  return plural(settingChanges(rec).length, 'setting');
}

function changesSection(recs: Recommendation[], level: Level): string {
  if (level.namesOnly) {
    return `### Workloads\n\n${recs.map(r => code(workloadName(r))).join(', ')}`;
  }
  if (level.compact) {
    return `### Changes\n\n${table(['Workload', 'Monthly Δ'], recs.map(r => [code(workloadName(r)), monthlyText(r)]))}`;
  }
  if (!level.perContainer) {
    return `### Changes\n\n${table(['Workload', 'Changes', 'Monthly Δ', 'Confidence'], recs.map(r => [code(workloadName(r)), settingCount(r), monthlyText(r), r.confidence]))}`;
  }
  return `### Changes\n\n${table(CHANGE_HEADER, recs.flatMap(settingRows))}`;
}

function dataText(e: Evidence): string {
  return `${plural(e.samples, 'sample')} over ${duration(e.windowSeconds)} (coverage ${percent(e.coverage)})`;
}

/** The data behind a container's numbers, once: samples (unless shared), class, and why not smaller. */
function containerDataLine(rec: Recommendation, c: ContainerRecommendation, sharedData: boolean): string {
  const e: Evidence = c.evidence;
  const what = classExplanation(rec, c) ?? e.workloadClass;
  const parts = [[sharedData ? '' : dataText(e), what ? inline(what) : ''].filter(Boolean).join('; ')];
  if (e.notSmallerBecause?.length) parts.push(`Not smaller because: ${e.notSmallerBecause.map(inline).join('; ')}`);
  return parts.filter(Boolean).join('. ');
}

/**
 * The engine's notes repeat each container's reasons in one sentence ("api: daily-seasonal: …
 * CPU: … Memory: …"); the class explanation is the only part not in the evidence fields.
 */
function classExplanation(rec: Recommendation, c: ContainerRecommendation): string | undefined {
  const prefix = `${c.container}: `;
  const note = rec.evidence.notes.find(n => n.startsWith(prefix) && c.evidence.cpu && n.includes(`. CPU: ${c.evidence.cpu.why}`));
  return note ? note.slice(prefix.length, note.indexOf(`. CPU: ${c.evidence.cpu!.why}`)) : undefined;
}

/** Notes that say something the evidence lines do not (e.g. a limit raised to the request). */
function extraNotes(rec: Recommendation): string[] {
  const whys = rec.containers.flatMap(c => [c.evidence.replicas?.why, c.evidence.hpa?.why, c.evidence.cpu?.why]).filter((w): w is string => Boolean(w));
  return rec.evidence.notes.filter(n => !whys.some(w => n.includes(w)));
}

/** One line per number that changes, with the measurement and the reason behind it. */
function numberLine(rec: Recommendation, c: ContainerRecommendation | undefined, s: SettingChange, many: boolean): string {
  const e = c?.evidence;
  const head = settingLine(s, many, code);
  let why = '';
  // The engine's reasons already carry the measurements (P95, peak, headroom, OOM kills).
  if (s.kind === 'cpu' && e?.cpu) why = `${inline(e.cpu.why)}${e.cpu.margin ? `, margin ${percent(e.cpu.margin, true)}` : ''}`;
  else if (s.kind === 'memory' && e?.memory) why = inline(e.memory.why);
  else if (s.kind === 'gpu' && e?.gpu) why = `${inline(e.gpu.why)}${e.gpu.powerP95Watts === undefined ? '' : ` (power P95 ${Math.round(e.gpu.powerP95Watts)} W)`}`;
  else if (s.kind === 'replicas') {
    const r = rec.containers.map(x => x.evidence.replicas).find(Boolean);
    if (r) why = inline(r.why);
  } else if (s.kind === 'hpa') {
    const h = rec.containers.map(x => x.evidence.hpa).find(Boolean);
    if (h) why = inline(h.why);
  }
  return why ? `${head}: ${why}` : head;
}

function workloadEvidence(rec: Recommendation): string {
  const many = rec.containers.length > 1;
  const lines: string[] = [];
  const data = new Set(rec.containers.map(c => dataText(c.evidence)));
  const sharedData = rec.containers.length > 0 && data.size === 1;
  if (sharedData && many) lines.push(`- Data: ${[...data][0]} per container`);
  for (const c of rec.containers) {
    lines.push(many ? `- ${code(c.container)}: ${containerDataLine(rec, c, sharedData)}` : `- Data: ${containerDataLine(rec, c, false)}`);
    // A request and limit moving apart share one reason: given on the first of them.
    const said = new Set<string>();
    for (const s of containerChanges(c)) {
      lines.push(`- ${said.has(s.kind) ? settingLine(s, many, code) : numberLine(rec, c, s, many)}`);
      said.add(s.kind);
    }
  }
  const workload = workloadChanges(rec);
  // HPA settings share one reason: give it once, on the first of them.
  let hpaSaid = false;
  for (const s of workload) {
    if (s.kind === 'hpa' && hpaSaid) { lines.push(`- ${settingLine(s, many, code)}`); continue; }
    if (s.kind === 'hpa') hpaSaid = true;
    lines.push(`- ${numberLine(rec, undefined, s, many)}`);
  }
  for (const note of extraNotes(rec)) lines.push(`- ${inline(note)}`);
  if (rec.cost) lines.push(`- Cost: ${formatMoney(rec.cost.monthly, rec.cost.currency)}/month, priced from ${rec.cost.priceSource}: ${inline(rec.cost.priceDetail)}`);
  if (rec.energy) {
    const e = rec.energy;
    const kwh = (v: number) => Math.round(v * 10) / 10;
    lines.push(`- Energy: ${kwh(e.kwhPerMonthBefore)} → ${kwh(e.kwhPerMonthAfter)} kWh/month, ${kwh(e.kgCo2ePerMonthBefore)} → ${kwh(e.kgCo2ePerMonthAfter)} kg CO2e/month (${inline(e.model)})`);
  }
  // Markdown is not reliably rendered inside <summary>: use HTML there.
  const summary = `<code>${inline(workloadName(rec))}</code> · ${rec.cost ? `${monthlyText(rec)}/month` : 'not priced'} · confidence ${rec.confidence}`;
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
  const priced = recs.filter(r => r.cost).length;
  const saving = recs.length > 0 && priced === 0 ? 'is **not priced**: no unit price is known for its clusters'
    : t.monthly < 0 ? `saves **${amount}/month**` : t.monthly > 0 ? `adds **${amount}/month**` : 'leaves the monthly cost unchanged';
  const clouds = t.clouds.length ? ` on ${t.clouds.map(c => CLOUD_NAMES[c] ?? c).join(', ')}` : '';
  const lines = [`This pull request rightsizes **${plural(recs.length, 'workload')}**${clouds} and ${saving}.`];
  const notes = (group as Partial<PlannedGroup>).notes;
  if (Array.isArray(notes) && notes.length) lines.push('', ...notes.map(n => `> ${n.replace(/\r?\n/g, ' ').replace(/</g, '&lt;')}`));
  return lines.join('\n');
}

/** Protected or frozen workloads that are OOM-killed or throttled: not edited, but never silent. */
function attentionSection(plan: Plan): string {
  const items = needsAttention(plan.recommendations);
  if (items.length === 0) return '';
  return ['### ⚠️ Needs attention (not edited by policy)', '', ...items.map(a => {
    const t = attentionText(a);
    return `- ${code(a.id)}: ${inline(t.trouble)}. Fix: ${inline(t.fix)}. Not edited: ${inline(t.heldBy)}`;
  })].join('\n');
}

/** An undo pull request says first which change it reverts and what went wrong after it. */
function revertSection(revert: RevertInfo): string {
  return [
    `### Undo of #${revert.pr}`,
    '',
    `rightsizer watched the workloads of #${revert.pr} after it went live and saw a regression, so this pull request restores the settings it changed (or raises them further where the old value also failed):`,
    '',
    ...revert.evidence.map(e => `- ${inline(e)}`),
  ].join('\n');
}

/** Containers of this group's workloads where the cluster does not run what Git says: nothing is proposed for them. */
function driftSection(plan: Plan, group: PullRequestGroup): string {
  const ids = new Set(group.recommendations.map(r => r.id));
  const mine = (plan.drift ?? []).filter(d => ids.has(d.workload));
  if (mine.length === 0) return '';
  return [
    '### Drift: not changed',
    '',
    'What runs differs from what Git says for these settings, so nothing is proposed for their containers until the two agree:',
    '',
    ...mine.map(d => `- ${code(d.workload)}${d.container ? ` container ${code(d.container)}` : ''} ${d.field}: Git ${code(d.git)}, live ${d.live === undefined ? 'unset' : code(d.live)}. ${inline(d.reason)}`),
  ].join('\n');
}

function render(group: PullRequestGroup, plan: Plan, level: Level): string {
  // Workloads that actually change; insufficient-data and no-change ones never reach an edit.
  const recs = group.recommendations;
  const sections = [
    plan.revert ? revertSection(plan.revert) : '',
    summarySection(group, recs),
    driftSection(plan, group),
    level.shortened ? `_This description was shortened to fit GitHub's size limit: ${level.shortened}. \`rightsizer plan\` shows everything._` : '',
    changesSection(recs, level),
    level.details ? evidenceSection(recs) : '',
    level.charts ? chartsSection(recs) : '',
    policySection(recs, level),
    attentionSection(plan),
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
