// "Needs attention": workloads that are in trouble (OOM-killed, or CPU-throttled for a sustained
// share of the time) but that rightsizer will not edit because a policy protects or freezes them.
// Nobody sees a report-only recommendation unless it is called out, so the PR body, the Slack
// message and the report each list these with the raise that would fix them. Pure selection
// here; each output renders the items with one small function of its own.

import type { Change, Recommendation } from '../core/types.ts';
import { formatCpu, formatMemory } from '../core/quantity.ts';
import { SUSTAINED_THROTTLING } from './logic/cpu.ts';

export interface Attention {
  id: string;
  /** What is wrong: "12 OOM kills in the window", "CPU throttled in 40% of periods (container app)". */
  trouble: string[];
  /** The raises that would fix it, as "memory.request (app) 512Mi → 768Mi"; empty when none was computed. */
  fix: string[];
  /** Why it is not edited: the policy notes that made it report-only. */
  heldBy: string[];
}

function raise(c: Change | undefined): c is Change & { to: number } {
  return c !== undefined && c.to !== undefined && (c.from === undefined || c.to > c.from);
}

function changeText(c: Change & { to: number }, format: (v: number) => string): string {
  return `${c.from === undefined ? 'unset' : format(c.from)} → ${format(c.to)}`;
}

export function needsAttention(recommendations: Recommendation[]): Attention[] {
  const out: Attention[] = [];
  for (const rec of recommendations) {
    if (!rec.policy?.reportOnly) continue;
    const trouble: string[] = [], fix: string[] = [];
    for (const c of rec.containers) {
      const kills = c.evidence.memory?.oomKills ?? 0;
      if (kills > 0) trouble.push(`${kills} OOM kill${kills > 1 ? 's' : ''} in the window (container ${c.container})`);
      const throttled = c.evidence.cpu?.throttledRatio;
      if (throttled !== undefined && throttled >= SUSTAINED_THROTTLING) trouble.push(`CPU throttled in ${Math.round(throttled * 100)}% of periods (container ${c.container})`);
      if (kills > 0 || (throttled !== undefined && throttled >= SUSTAINED_THROTTLING)) {
        if (raise(c.memoryRequest)) fix.push(`memory.request (${c.container}) ${changeText(c.memoryRequest, formatMemory)}`);
        if (raise(c.memoryLimit)) fix.push(`memory.limit (${c.container}) ${changeText(c.memoryLimit, formatMemory)}`);
        if (raise(c.cpuRequest)) fix.push(`cpu.request (${c.container}) ${changeText(c.cpuRequest, formatCpu)}`);
        if (raise(c.cpuLimit)) fix.push(`cpu.limit (${c.container}) ${changeText(c.cpuLimit, formatCpu)}`);
        if (throttled !== undefined && throttled >= SUSTAINED_THROTTLING && !raise(c.cpuLimit) && !raise(c.cpuRequest)) {
          fix.push(`cpu.limit (${c.container}): raise or remove it — usage is capped by the limit, so the request estimate cannot show the need`);
        }
      }
    }
    if (trouble.length === 0) continue;
    const heldBy = rec.policy.notes.filter(n => /^protected:|^freeze window/.test(n));
    out.push({ id: rec.id, trouble, fix, heldBy });
  }
  return out;
}

/** One line of plain text per workload, for every output to wrap in its own markup. */
export function attentionText(a: Attention): { trouble: string; fix: string; heldBy: string } {
  return {
    trouble: a.trouble.join('; '),
    fix: a.fix.length ? a.fix.join(', ') : 'no raise computed; see the evidence in `rightsizer plan`',
    heldBy: a.heldBy.join('; ') || 'report only',
  };
}
