// Input sanity: where usage and today's settings enter the plan (planFromSnapshot), figures
// outside physical sense are dropped with a warning that names the series and the workload, so
// no estimator ever sees them. "Outside physical sense": not finite, negative, or more than any
// node (or cluster) could hold (src/core/bounds.ts). A container whose usage is dropped gets no
// recommendation; a dropped "today" value becomes unknown (the file's value is then what counts).
//
// The shape is checked first: a null or a wrong type where the snapshot format has a number,
// list or object is an error naming the field (a hand-edited or truncated snapshot).

import { BOUNDS } from '../core/bounds.ts';
import { EXIT, UserError } from '../core/errors.ts';
import { workloadId, type HistogramState, type PeakSeriesState, type ResourceAmounts, type UsageProfile } from '../core/types.ts';

type Kind = 'number' | 'string' | 'object' | 'array';

function expect(file: string, where: string, value: unknown, kind: Kind, optional = false): void {
  if (value === undefined && optional) return;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (actual !== kind) {
    throw new UserError(`${file}: not a valid snapshot: ${where} is ${value === undefined ? 'missing' : actual}, not ${kind === 'array' ? 'a list' : `a${kind === 'object' ? 'n' : ''} ${kind}`}`, {
      exitCode: EXIT.usage, hint: 'collect it again with `rightsizer collect --out FILE` rather than editing it by hand',
    });
  }
}

function histogramShape(file: string, where: string, h: unknown, optional = false): void {
  expect(file, where, h, 'object', optional);
  if (h === undefined) return;
  const s = h as HistogramState;
  for (const k of ['firstBucket', 'ratio', 'halfLifeSeconds', 'referenceTime', 'totalWeight', 'count', 'min', 'max'] as const) expect(file, `${where}.${k}`, s[k], 'number');
  expect(file, `${where}.buckets`, s.buckets, 'array');
}

function peaksShape(file: string, where: string, p: unknown, optional = false): void {
  expect(file, where, p, 'object', optional);
  if (p === undefined) return;
  const s = p as PeakSeriesState;
  expect(file, `${where}.intervalSeconds`, s.intervalSeconds, 'number');
  expect(file, `${where}.peaks`, s.peaks, 'array');
  s.peaks.forEach((pair, i) => {
    expect(file, `${where}.peaks[${i}]`, pair, 'array');
    expect(file, `${where}.peaks[${i}][0]`, pair[0], 'number');
    expect(file, `${where}.peaks[${i}][1]`, pair[1], 'number');
  });
}

function amountsShape(file: string, where: string, a: unknown): void {
  expect(file, where, a, 'object');
  const r = a as ResourceAmounts;
  for (const k of ['cpuCores', 'memoryBytes', 'gpus'] as const) expect(file, `${where}.${k}`, r[k], 'number', true);
}

/** Throws a UserError naming the first field of the profiles that has the wrong type (null included). */
export function checkProfileShapes(file: string, profiles: unknown[]): void {
  profiles.forEach((raw, i) => {
    const at = `profiles[${i}]`;
    expect(file, at, raw, 'object');
    const p = raw as UsageProfile;
    expect(file, `${at}.ref`, p.ref, 'object');
    for (const k of ['cluster', 'namespace', 'kind', 'name'] as const) expect(file, `${at}.ref.${k}`, p.ref[k], 'string');
    expect(file, `${at}.current`, p.current, 'object');
    expect(file, `${at}.current.containers`, p.current.containers, 'array');
    p.current.containers.forEach((c, j) => {
      expect(file, `${at}.current.containers[${j}]`, c, 'object');
      expect(file, `${at}.current.containers[${j}].container`, c.container, 'string');
      amountsShape(file, `${at}.current.containers[${j}].requests`, c.requests);
      amountsShape(file, `${at}.current.containers[${j}].limits`, c.limits);
    });
    expect(file, `${at}.current.replicas`, p.current.replicas, 'number', true);
    expect(file, `${at}.current.hpa`, p.current.hpa, 'object', true);
    if (p.current.hpa) for (const k of ['minReplicas', 'maxReplicas'] as const) expect(file, `${at}.current.hpa.${k}`, p.current.hpa[k], 'number');
    expect(file, `${at}.containers`, p.containers, 'array');
    p.containers.forEach((c, j) => {
      const cat = `${at}.containers[${j}]`;
      expect(file, cat, c, 'object');
      expect(file, `${cat}.container`, c.container, 'string');
      histogramShape(file, `${cat}.cpu`, c.cpu);
      peaksShape(file, `${cat}.memoryPeaks`, c.memoryPeaks);
      expect(file, `${cat}.oomKills`, c.oomKills, 'array');
      for (const k of ['samples', 'firstSample', 'lastSample', 'coverage'] as const) expect(file, `${cat}.${k}`, c[k], 'number');
      expect(file, `${cat}.gpu`, c.gpu, 'object', true);
      if (c.gpu) {
        expect(file, `${cat}.gpu.gpusPerPod`, c.gpu.gpusPerPod, 'number');
        histogramShape(file, `${cat}.gpu.utilisation`, c.gpu.utilisation);
        peaksShape(file, `${cat}.gpu.memoryUsed`, c.gpu.memoryUsed);
      }
    });
    peaksShape(file, `${at}.replicaHistory`, p.replicaHistory, true);
    histogramShape(file, `${at}.totalCpu`, p.totalCpu, true);
  });
}

const sane = (v: number, max: number) => Number.isFinite(v) && v >= 0 && v <= max;

/**
 * The profiles with every figure outside physical sense removed, and one warning per removal
 * naming the series (the metric), the workload and the container.
 */
export function saneProfiles(profiles: UsageProfile[]): { profiles: UsageProfile[]; warnings: string[] } {
  const warnings: string[] = [];
  const out = profiles.map(original => {
    const p: UsageProfile = structuredClone(original);
    const id = workloadId(p.ref);
    const warn = (series: string, what: string, value: number, limit: string) =>
      warnings.push(`${series} for ${id}${what}: ${value} is outside physical sense (${limit}); ignored`);

    if (p.current.replicas !== undefined && !sane(p.current.replicas, BOUNDS.replicas.max)) {
      warn(`kube_${p.ref.kind.toLowerCase()}_spec_replicas`, '', p.current.replicas, `0–${BOUNDS.replicas.max} replicas`);
      delete p.current.replicas;
    }
    if (p.current.hpa && ![p.current.hpa.minReplicas, p.current.hpa.maxReplicas].every(v => sane(v, BOUNDS.replicas.max))) {
      warn('kube_horizontalpodautoscaler_spec_max_replicas', '', Math.max(p.current.hpa.minReplicas, p.current.hpa.maxReplicas), `0–${BOUNDS.replicas.max} replicas`);
      delete p.current.hpa;
    }
    for (const c of p.current.containers) {
      for (const [kind, amounts] of [['requests', c.requests], ['limits', c.limits]] as const) {
        const metric = `kube_pod_container_resource_${kind}`;
        if (amounts.cpuCores !== undefined && !sane(amounts.cpuCores, BOUNDS.cpuCores.max)) { warn(`${metric}{resource="cpu"}`, ` container ${c.container}`, amounts.cpuCores, `0–${BOUNDS.cpuCores.max} cores`); delete amounts.cpuCores; }
        if (amounts.memoryBytes !== undefined && !sane(amounts.memoryBytes, BOUNDS.memoryBytes.max)) { warn(`${metric}{resource="memory"}`, ` container ${c.container}`, amounts.memoryBytes, `0–${BOUNDS.memoryBytes.max} bytes`); delete amounts.memoryBytes; }
        if (amounts.gpus !== undefined && !sane(amounts.gpus, BOUNDS.gpus.max)) { warn(`${metric}{resource="nvidia_com_gpu"}`, ` container ${c.container}`, amounts.gpus, `0–${BOUNDS.gpus.max} GPUs`); delete amounts.gpus; }
      }
    }
    p.containers = p.containers.filter(c => {
      const where = ` container ${c.container}`;
      if (!sane(c.cpu.max, BOUNDS.cpuCores.max) || !(c.cpu.min >= 0)) {
        warn('container_cpu_usage_seconds_total', where, sane(c.cpu.max, BOUNDS.cpuCores.max) ? c.cpu.min : c.cpu.max, `0–${BOUNDS.cpuCores.max} cores`);
        return false;
      }
      const badMemory = c.memoryPeaks.peaks.find(([, v]) => !sane(v, BOUNDS.memoryBytes.max));
      if (badMemory) { warn('container_memory_working_set_bytes', where, badMemory[1], `0–${BOUNDS.memoryBytes.max} bytes`); return false; }
      if (c.gpu && !sane(c.gpu.gpusPerPod, BOUNDS.gpus.max)) { warn('DCGM_FI_DEV_GPU_UTIL (GPUs per pod)', where, c.gpu.gpusPerPod, `0–${BOUNDS.gpus.max} GPUs`); delete c.gpu; }
      return true;
    });
    const badReplicas = p.replicaHistory?.peaks.find(([, v]) => !sane(v, BOUNDS.replicas.max));
    if (badReplicas) { warn('kube_pod_status_ready (ready pods)', '', badReplicas[1], `0–${BOUNDS.replicas.max} replicas`); delete p.replicaHistory; }
    const clusterCores = BOUNDS.cpuCores.max * BOUNDS.replicas.max;
    if (p.totalCpu && (!sane(p.totalCpu.max, clusterCores) || !(p.totalCpu.min >= 0))) { warn('container_cpu_usage_seconds_total (sum over pods)', '', p.totalCpu.max, `0–${clusterCores} cores`); delete p.totalCpu; }
    if (original.containers.length > 0 && p.containers.length === 0) {
      const window = Math.max(0, ...original.containers.map(c => c.lastSample - c.firstSample));
      p.insufficient = { haveSeconds: 0, needSeconds: window, reason: 'every usage series of this workload was outside physical sense' };
    }
    return p;
  });
  return { profiles: out, warnings };
}
