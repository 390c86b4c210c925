// What a recommendation changes, one line per setting, as people read it: `CPU request 2 → 1`,
// `memory request, limit 32Gi → 23040Mi`, `replicas 3 → 2`. The plan table, the PR body and
// Slack all list changes from here, so a number is written the same way everywhere.
//
// Settings are written as the Kubernetes quantity the file gets (formatCpu / formatMemory:
// whole cores or millicores, whole Gi or Mi), never rounded for display: 23040Mi is not
// "23Gi". Measurements (usage, peaks) use describeBytes, which rounds; they are not settings.

import { formatCpu, formatMemory } from './quantity.ts';
import type { Change, ContainerRecommendation, Recommendation } from './types.ts';

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

/** True when the change moves the value as written (`1024Mi → 1Gi` is no change). */
function moves(c: Change | undefined, fmt: (v: number) => string): c is Change {
  if (!c || (c.from === undefined && c.to === undefined)) return false;
  return c.from === undefined || c.to === undefined || fmt(c.from) !== fmt(c.to);
}

export type SettingKind = 'cpu' | 'memory' | 'gpu' | 'replicas' | 'hpa';

export interface SettingChange {
  /** The container, for container settings. */
  container?: string;
  kind: SettingKind;
  /** `CPU request`, `memory request, limit`, `replicas`, `HPA CPU target`. */
  setting: string;
  /** `2 → 1` */
  change: string;
}

/** Request and limit of one resource: one line when they move to the same value, else two. */
function resource(container: string, kind: SettingKind, name: string, request: Change | undefined, limit: Change | undefined, fmt: (v: number) => string): SettingChange[] {
  const r = moves(request, fmt) ? changeText(request, fmt) : '';
  const l = moves(limit, fmt) ? changeText(limit, fmt) : '';
  if (r && r === l) return [{ container, kind, setting: `${name} request, limit`, change: r }];
  return [
    ...(r ? [{ container, kind, setting: `${name} request`, change: r }] : []),
    ...(l ? [{ container, kind, setting: `${name} limit`, change: l }] : []),
  ];
}

export function containerChanges(c: ContainerRecommendation): SettingChange[] {
  return [
    ...resource(c.container, 'cpu', 'CPU', c.cpuRequest, c.cpuLimit, cpuText),
    ...resource(c.container, 'memory', 'memory', c.memoryRequest, c.memoryLimit, memText),
    ...resource(c.container, 'gpu', 'GPU', c.gpuRequest, c.gpuLimit, countText),
  ];
}

/** Replicas and HPA settings of the workload. */
export function workloadChanges(rec: Recommendation): SettingChange[] {
  const out: SettingChange[] = [];
  if (moves(rec.replicas, countText)) out.push({ kind: 'replicas', setting: 'replicas', change: changeText(rec.replicas, countText) });
  const h = rec.hpa;
  const hpa: Array<[string, Change | undefined, (v: number) => string]> = [
    ['HPA min replicas', h?.minReplicas, countText], ['HPA max replicas', h?.maxReplicas, countText],
    ['HPA CPU target', h?.targetCPUUtilization, pctText], ['HPA memory target', h?.targetMemoryUtilization, pctText],
  ];
  for (const [setting, c, fmt] of hpa) if (moves(c, fmt)) out.push({ kind: 'hpa', setting, change: changeText(c, fmt) });
  return out;
}

/** Every setting the recommendation changes: containers in order, then replicas and HPA. */
export function settingChanges(rec: Recommendation): SettingChange[] {
  return [...rec.containers.flatMap(containerChanges), ...workloadChanges(rec)];
}

/** `api CPU request 2 → 1` (the container named only when the workload has several). */
export function settingLine(s: SettingChange, manyContainers: boolean, name: (container: string) => string = c => c): string {
  return `${s.container && manyContainers ? `${name(s.container)} ` : ''}${s.setting} ${s.change}`;
}
