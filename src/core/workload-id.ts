// The one workload id: `cluster/namespace/Kind/name` (workloadId). Short forms are accepted
// wherever they are unambiguous: `cluster/namespace/name`, `Kind/namespace/name`,
// `namespace/name` and `name`. Used by plan filters, `policy explain` and `locate`.

import { EXIT, UserError } from './errors.ts';
import { WORKLOAD_KINDS, type WorkloadKind, type WorkloadRef } from './types.ts';

const SHORT_KINDS: Record<string, WorkloadKind> = { deploy: 'Deployment', sts: 'StatefulSet', ds: 'DaemonSet', cj: 'CronJob', ro: 'Rollout' };

export function kindOf(text: string): WorkloadKind | undefined {
  return WORKLOAD_KINDS.find(w => w.toLowerCase() === text.toLowerCase()) ?? SHORT_KINDS[text.toLowerCase()];
}

/** The parts a full or short id names; the others are undefined. */
export function parseWorkloadId(text: string): Partial<WorkloadRef> & { name: string } {
  const parts = text.split('/');
  const bad = () => new UserError(
    `workload "${text}" is not an id: cluster/namespace/Kind/name, or a short form (cluster/namespace/name, Kind/namespace/name, namespace/name, name)`,
    { exitCode: EXIT.usage, hint: 'the WORKLOAD column of `rightsizer plan` and `rightsizer locate` shows ids' },
  );
  if (parts.some(p => p === '') || parts.length > 4) throw bad();
  if (parts.length === 4) {
    const kind = kindOf(parts[2]);
    if (!kind && !/[*?[]/.test(parts[2])) throw bad();
    return { cluster: parts[0], namespace: parts[1], ...(kind ? { kind } : {}), name: parts[3] };
  }
  if (parts.length === 3) {
    const kind = kindOf(parts[0]);
    return kind ? { kind, namespace: parts[1], name: parts[2] } : { cluster: parts[0], namespace: parts[1], name: parts[2] };
  }
  if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
  return { name: parts[0] };
}

/** The id as shown everywhere; parts a file does not tell are `*` (any). */
export function workloadIdText(ref: { cluster?: string; namespace?: string; kind?: string; name: string }): string {
  return `${ref.cluster ?? '*'}/${ref.namespace ?? '*'}/${ref.kind ?? '*'}/${ref.name}`;
}

/** Does a (glob) id, full or short, name this workload? */
export function matchesWorkload(pattern: string, ref: WorkloadRef, glob: (pattern: string, value: string) => boolean): boolean {
  const p = parseWorkloadId(pattern);
  const fourth = pattern.split('/').length === 4 ? pattern.split('/')[2] : undefined;
  return (p.cluster === undefined || glob(p.cluster, ref.cluster))
    && (p.namespace === undefined || glob(p.namespace, ref.namespace))
    && (p.kind !== undefined ? p.kind === ref.kind : fourth === undefined || glob(fourth, ref.kind))
    && glob(p.name, ref.name);
}
