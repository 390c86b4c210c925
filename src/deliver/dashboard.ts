// The dashboard issue (Renovate's Dependency Dashboard is the model): one issue the bot keeps
// up to date in place, listing what it is doing and what it was told not to do, with checkboxes
// a person ticks to ask for something. Pure here: render the body from plain data, and read
// the ticked boxes back from a body a person may have edited. Finding, creating and updating the
// issue is in ./index.ts (through ./github.ts).
//
// The body holds no clock time, so a run that changes nothing writes nothing.

import type { Plan } from '../core/plan.ts';
import { attentionText, needsAttention } from '../recommend/attention.ts';
import { code, inline } from './pr-body.ts';

/** The first line of every dashboard body: how the bot finds its issue again. */
export const DASHBOARD_MARKER = '<!-- rightsizer:dashboard -->';

/**
 * One line about one workload, for the sections other stages feed (drift, verified and
 * reverted changes with their realised savings).
 */
export interface DashboardItem {
  workload: string;
  summary: string;
  url?: string;
}

/** A rightsizer pull request closed without merge: its change is not proposed again for a while. */
export interface IgnoredChange {
  /** The pull request group (`all`, a namespace, an application or a team). */
  group: string;
  branch: string;
  /** The closed pull request. */
  number: number;
  url?: string;
  /** Workload ids the closed change held. */
  workloads: string[];
  /** Day (YYYY-MM-DD) after which it would be proposed again anyway. */
  until: string;
}

export interface DashboardPull {
  number: number;
  url: string;
  title: string;
  branch: string;
  draft?: boolean;
}

export interface DashboardInput {
  openPulls: DashboardPull[];
  /** The plan of this run: changes awaiting approval and workloads in trouble come from it. */
  plan?: Plan;
  ignored: IgnoredChange[];
  /** Ignored changes whose "propose again" box is ticked and not yet acted on: they stay ticked. */
  proposeAgain?: ReadonlySet<string>;
  drift?: DashboardItem[];
  verified?: DashboardItem[];
  reverted?: DashboardItem[];
  /** One line of totals for the verified changes (e.g. realised savings), shown above them. */
  realisedSavings?: string;
}

/** What a person asked for by ticking boxes. */
export interface DashboardRequests {
  /** Keys (`group#number`) of ignored changes to propose again. */
  proposeAgain: string[];
  runAgain: boolean;
}

/** The key of an ignored change in its checkbox: the group and the closed pull request's number. */
export function ignoredKey(change: Pick<IgnoredChange, 'group' | 'number'>): string {
  return `${encodeURIComponent(change.group)}#${change.number}`;
}

const BOX = /^[ \t]*[-*][ \t]+\[([ xX])\][ \t]*<!-- rightsizer:(propose-again|run-again)(?:=(\S+?))? -->/gm;

/** The boxes ticked in a dashboard body (as a person left it). */
export function readDashboard(body: string): DashboardRequests {
  const out: DashboardRequests = { proposeAgain: [], runAgain: false };
  for (const m of body.replace(/\r\n/g, '\n').matchAll(BOX)) {
    if (m[1] === ' ') continue;
    if (m[2] === 'run-again') out.runAgain = true;
    else if (m[3] && !out.proposeAgain.includes(m[3])) out.proposeAgain.push(m[3]);
  }
  return out;
}

function link(text: string, url: string | undefined): string {
  return url ? `[${text}](${url})` : text;
}

function items(list: DashboardItem[]): string[] {
  return list.map(i => `- ${code(i.workload)}: ${inline(i.summary)}${i.url ? ` (${i.url})` : ''}`);
}

function section(title: string, lines: string[], empty?: string): string[] {
  if (lines.length === 0 && empty === undefined) return [];
  return [`## ${title}`, '', ...(lines.length ? lines : [empty!]), ''];
}

/** Who must approve which edited change, from the plan's policy verdicts. */
function awaitingApproval(plan: Plan | undefined, openPulls: DashboardPull[]): string[] {
  if (!plan) return [];
  const edited = new Set(plan.edits.flatMap(e => e.recommendations));
  return plan.recommendations
    .filter(r => r.status === 'ok' && edited.has(r.id) && (r.policy?.approvals?.length ?? 0) > 0)
    .map(r => {
      const pulls = openPulls.length === 1 ? ` in ${link(`#${openPulls[0].number}`, openPulls[0].url)}` : '';
      return `- ${code(r.id)}: approval needed from ${r.policy!.approvals!.map(inline).join(', ')}${pulls}`;
    });
}

export function renderDashboard(input: DashboardInput): string {
  const ticked = input.proposeAgain ?? new Set<string>();
  const attention = input.plan ? needsAttention(input.plan.recommendations) : [];
  const lines: string[] = [
    DASHBOARD_MARKER,
    'What rightsizer is doing in this repository. It updates this issue in place on every run; tick a box below and the next run reads it.',
    '',
    ...section('Open pull requests', input.openPulls.map(p => `- ${link(`#${p.number}`, p.url)} ${inline(p.title)} (${code(p.branch)}${p.draft ? ', draft' : ''})`), 'None.'),
    ...section('Awaiting approval', awaitingApproval(input.plan, input.openPulls)),
    ...section('Needs attention (protected or frozen, not edited)', attention.map(a => {
      const t = attentionText(a);
      return `- ${code(a.id)}: ${inline(t.trouble)}. Fix: ${inline(t.fix)}. Not edited: ${inline(t.heldBy)}`;
    })),
    ...section('Drift (Git and the cluster disagree)', items(input.drift ?? [])),
    ...section('Recently verified', [...(input.realisedSavings ? [inline(input.realisedSavings)] : []), ...items(input.verified ?? [])]),
    ...section('Reverted', items(input.reverted ?? [])),
    ...section('Ignored (closed without merge)', input.ignored.length === 0 ? [] : [
      'These changes were closed without merge, so they are not proposed again until the day shown (`pullRequests.closedCooldownDays`). Tick a box to have the next run propose one again.',
      '',
      ...input.ignored.map(c => `- [${ticked.has(ignoredKey(c)) ? 'x' : ' '}] <!-- rightsizer:propose-again=${ignoredKey(c)} --> propose again: ${c.workloads.map(code).join(', ')} (${code(c.branch)}, closed in ${link(`#${c.number}`, c.url)}; ignored until ${c.until})`),
    ]),
    '## Run again',
    '',
    '- [ ] <!-- rightsizer:run-again --> Tick to ask for another run (a workflow that listens to `issues: edited` runs again).',
    '',
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
