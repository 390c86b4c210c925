// Regression watch: per container of a merged change, OOM kills, restarts and CPU throttling in
// the window after it went live against the window before its merge. Pure: the counts come from
// src/collect/prometheus/verify.ts.

import type { RegressionThresholds } from '../config/types.ts';
import type { LedgerEntry } from './ledger.ts';

export interface Counts {
  oomKills: number;
  restarts: number;
  throttled: number;
  periods: number;
}

export interface Window {
  start: number;
  end: number;
  /** `workload id|container` → counts. */
  byContainer: Map<string, Counts>;
}

export type RegressionKind = 'oom' | 'restarts' | 'throttling';

export interface Regression {
  workload: string;
  container: string;
  kind: RegressionKind;
  /** The figure before (scaled to the after window's length for counts) and after. */
  before: number;
  after: number;
  /** The old value showed the same trouble before the merge: restoring it is not enough. */
  oldAlsoFailed: boolean;
  /** One line of evidence for the undo PR and Slack. */
  evidence: string;
}

/**
 * The windows a change is judged on: after = from the time it went live to now, before = the
 * same length (at most `windowHours`) ending at the merge. Undefined while it is not live.
 */
export function windowsFor(entry: LedgerEntry, now: number, t: RegressionThresholds): { before: { start: number; end: number }; after: { start: number; end: number } } | undefined {
  if (!entry.liveSince) return undefined;
  const merged = Math.floor(Date.parse(entry.mergedAt) / 1000);
  const live = Math.floor(Date.parse(entry.liveSince) / 1000);
  const max = t.windowHours * 3600;
  const afterStart = Math.max(live, now - max);
  const length = now - afterStart;
  if (length <= 0) return undefined;
  return { before: { start: merged - max, end: merged }, after: { start: afterStart, end: now } };
}

const hours = (s: number) => `${Math.round((s / 3600) * 10) / 10} h`;
const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

/** Regressions of the containers of one merged change. */
export function findRegressions(entry: LedgerEntry, before: Window, after: Window, t: RegressionThresholds): Regression[] {
  const out: Regression[] = [];
  const afterSeconds = after.end - after.start, beforeSeconds = Math.max(1, before.end - before.start);
  const scale = afterSeconds / beforeSeconds;
  const settled = afterSeconds >= t.minAfterMinutes * 60;
  const zero: Counts = { oomKills: 0, restarts: 0, throttled: 0, periods: 0 };
  for (const w of entry.block.workloads) {
    // Every container of a workload whose replicas or HPA bounds changed; else the containers the change touched.
    const names = Object.keys(w.values).length > 0
      ? [...new Set([...w.containers.map(c => c.name), ...[...after.byContainer.keys()].filter(k => k.startsWith(`${w.id}|`)).map(k => k.slice(w.id.length + 1))])]
      : w.containers.map(c => c.name);
    for (const name of names.sort()) {
      const key = `${w.id}|${name}`;
      const b = before.byContainer.get(key) ?? zero, a = after.byContainer.get(key) ?? zero;
      const expectedOom = b.oomKills * scale;
      if (a.oomKills - expectedOom > t.oomKills) {
        out.push({
          workload: w.id, container: name, kind: 'oom', before: b.oomKills, after: a.oomKills, oldAlsoFailed: b.oomKills > 0,
          evidence: `${w.id} container ${name}: ${a.oomKills} OOM ${a.oomKills === 1 ? 'kill' : 'kills'} in the ${hours(afterSeconds)} since the change went live, ${b.oomKills} in the ${hours(beforeSeconds)} before the merge`,
        });
      }
      const otherBefore = b.restarts - b.oomKills, otherAfter = a.restarts - a.oomKills;
      if (settled && otherAfter - otherBefore * scale > t.restarts) {
        out.push({
          workload: w.id, container: name, kind: 'restarts', before: otherBefore, after: otherAfter, oldAlsoFailed: otherBefore > 0,
          evidence: `${w.id} container ${name}: ${otherAfter} restarts (other than OOM kills) in the ${hours(afterSeconds)} since the change went live, ${otherBefore} in the ${hours(beforeSeconds)} before the merge`,
        });
      }
      const rb = b.periods > 0 ? b.throttled / b.periods : 0, ra = a.periods > 0 ? a.throttled / a.periods : 0;
      if (settled && a.periods > 0 && ra - rb > t.throttlingIncrease) {
        out.push({
          workload: w.id, container: name, kind: 'throttling', before: rb, after: ra, oldAlsoFailed: rb > t.throttlingIncrease,
          evidence: `${w.id} container ${name}: CPU throttled in ${pct(ra)} of periods since the change went live, ${pct(rb)} before the merge`,
        });
      }
    }
  }
  return out;
}
