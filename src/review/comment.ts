// The review comment: one per pull request, found again by its hidden marker and edited in
// place on every push. Plain Markdown; every piece of data is made inert.

import { formatMoney } from '../core/money.ts';
import { plural } from '../core/text.ts';
import { code, inline } from '../deliver/pr-body.ts';
import type { Review, ReviewedWorkload } from './index.ts';

/** The first line of rightsizer's review comment. */
export const REVIEW_MARKER = '<!-- rightsizer:review -->';

function money(w: ReviewedWorkload): string {
  return w.cost ? `${formatMoney(w.cost.monthly, w.cost.currency)}/month` : 'not priced';
}

function verdict(w: ReviewedWorkload): string {
  const p = w.policy;
  if (!p) return 'no policy applies';
  const approvals = p.approvals?.length ? `; approval needed from ${p.approvals.map(inline).join(', ')}` : '';
  const reportOnly = p.reportOnly ? '; rightsizer itself would not edit it (report only)' : '';
  return `${p.verdict}${approvals}${reportOnly}`;
}

function setting(s: ReviewedWorkload['settings'][number]): string {
  const where = s.container !== undefined ? ` (${s.container})` : '';
  return `${s.field}${where} ${s.from ?? 'unset'} → ${s.to ?? 'removed'}`;
}

export function renderReviewComment(review: Review, snapshotLabel: string): string {
  const lines = [REVIEW_MARKER, '### rightsizer cost review', ''];
  const settings = review.workloads.reduce((n, w) => n + w.settings.length, 0);
  const t = review.total;
  const total = t ? `**${formatMoney(t.monthly, t.currency)}/month**${t.unpriced ? ` (${plural(t.unpriced, 'workload')} not priced)` : ''}` : '**not priced**';
  lines.push(`This pull request changes ${plural(settings, 'setting')} of ${plural(review.workloads.length, 'workload')}: ${total}, priced from the unit prices of the bill and judged against the usage in ${inline(snapshotLabel)} (window ending ${review.asOf.slice(0, 10)}).`, '');
  lines.push('| Workload | Change | Monthly Δ | Policy |', '|---|---|---|---|');
  for (const w of review.workloads) {
    lines.push(`| ${code(w.id)} | ${w.settings.map(s => inline(setting(s))).join('<br>')} | ${money(w)} | ${inline(w.policy?.verdict ?? '—')} |`);
  }
  lines.push('');
  for (const w of review.workloads) {
    lines.push(`**${code(w.id)}** — ${money(w)}; policy: ${inline(verdict(w))}`);
    for (const s of w.settings) lines.push(`- ${code(setting(s))}: ${inline(s.evidence)}.`);
    for (const note of w.policy?.notes ?? []) lines.push(`- policy: ${inline(note)}`);
    lines.push('');
  }
  if (review.unmatched.length) {
    lines.push('<details><summary>Settings not reviewed</summary>', '');
    for (const u of review.unmatched) lines.push(`- ${code(`${u.location.file}:${u.location.line}`)} ${inline(`${u.field} ${u.from ?? 'unset'} → ${u.to ?? 'removed'}`)}: ${inline(u.reason)}`);
    lines.push('', '</details>', '');
  }
  const priced = review.workloads.filter(w => w.cost);
  if (priced.length) {
    lines.push('<details><summary>How this is priced</summary>', '');
    for (const w of priced) lines.push(`- ${code(w.id)}: ${inline(w.cost!.priceDetail)}. ${inline(w.cost!.caveat)}`);
    lines.push('', '</details>', '');
  }
  lines.push('<sub>Updated in place on every push by `rightsizer review`.</sub>');
  return `${lines.join('\n')}\n`;
}

/** What the comment says once a later push no longer changes any such setting. */
export function renderNoLongerComment(): string {
  return `${REVIEW_MARKER}\n### rightsizer cost review\n\nThis pull request no longer changes any resource, replica or HPA setting.\n`;
}
