// PromQL for the standard exporters (cAdvisor, kube-state-metrics, NVIDIA DCGM exporter).
// Each query tags its parts with the label `rs_q` so several metrics travel in one request,
// and aggregates on the server down to one series per pod and container.

import type { PrometheusConfig } from '../../config/types.ts';

export const TAG = 'rs_q';

export interface QueryContext {
  /** Label names for namespace, pod and container. */
  ns: string;
  pod: string;
  ctr: string;
  /** Matchers every selector carries (the cluster label), e.g. `cluster="prod"`; empty when none. */
  clusterMatcher: string;
}

export function queryContext(config: PrometheusConfig, clusterName: string): QueryContext {
  const labels = config.labels ?? {};
  return {
    ns: labels.namespace ?? 'namespace',
    pod: labels.pod ?? 'pod',
    ctr: labels.container ?? 'container',
    clusterMatcher: config.clusterLabel ? `${config.clusterLabel}=${promString(config.clusterLabelValue ?? clusterName)}` : '',
  };
}

/** A PromQL string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function sel(x: QueryContext, metric: string, ...matchers: string[]): string {
  const all = [x.clusterMatcher, ...matchers].filter(Boolean);
  return `${metric}{${all.join(',')}}`;
}

function tag(expr: string, value: string): string {
  return `label_replace(${expr}, "${TAG}", "${value}", "", "")`;
}

function duration(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/** Owners of pods, ReplicaSets and Jobs; a range query at a daily step (each point covers the day before it). */
export function ownersQuery(x: QueryContext): string {
  return [
    tag(`group by (${x.ns}, ${x.pod}, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_pod_owner')}[1d]))`, 'pod'),
    tag(`group by (${x.ns}, replicaset, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_replicaset_owner')}[1d]))`, 'rs'),
    tag(`group by (${x.ns}, job_name, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_job_owner')}[1d]))`, 'job'),
  ].join('\nor ');
}

/** Requests, limits, replicas and HPA settings from kube-state-metrics, daily step. */
export function specQuery(x: QueryContext): string {
  const k = `${x.ns}, ${x.pod}, ${x.ctr}, resource`;
  const hpa = `${x.ns}, horizontalpodautoscaler`;
  return [
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_requests')}[1d]))`, 'req'),
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_limits')}[1d]))`, 'lim'),
    tag(`max by (${x.ns}, deployment) (last_over_time(${sel(x, 'kube_deployment_spec_replicas')}[1d]))`, 'deploy'),
    tag(`max by (${x.ns}, statefulset) (last_over_time(${sel(x, 'kube_statefulset_replicas')}[1d]))`, 'sts'),
    tag(`max by (${hpa}) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_min_replicas')}[1d]))`, 'hpamin'),
    tag(`max by (${hpa}) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_max_replicas')}[1d]))`, 'hpamax'),
    tag(`max by (${hpa}, metric_name, metric_target_type) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_target_metric')}[1d]))`, 'hpatarget'),
    tag(`group by (${hpa}, scaletargetref_kind, scaletargetref_name) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_info')}[1d]))`, 'hpainfo'),
  ].join('\nor ');
}

/**
 * Restarts and OOM kills per hour: the rise of the restart counter between consecutive hourly
 * readings (exact at hour boundaries, unlike increase()), and which rises happened while the
 * container's last termination reason was OOMKilled. Hourly step; sparse (only hours with a restart).
 */
export function eventsQuery(x: QueryContext): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const restarts = sel(x, 'kube_pod_container_status_restarts_total');
  const rise = `(max by (${by}) (last_over_time(${restarts}[1h])) - max by (${by}) (last_over_time(${restarts}[1h] offset 1h)) > 0)`;
  const oom = `(max by (${by}) (${sel(x, 'kube_pod_container_status_last_terminated_reason', 'reason="OOMKilled"')}) > 0)`;
  return [tag(rise, 'restart'), tag(`${rise} and on (${by}) ${oom}`, 'oom')].join('\nor ');
}

/** CFS throttled periods and all periods per day and container. */
export function throttlingQuery(x: QueryContext): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const real = [`${x.ctr}!=""`, `${x.ctr}!="POD"`];
  return [
    tag(`sum by (${by}) (increase(${sel(x, 'container_cpu_cfs_throttled_periods_total', ...real)}[1d]))`, 'thr'),
    tag(`sum by (${by}) (increase(${sel(x, 'container_cpu_cfs_periods_total', ...real)}[1d]))`, 'per'),
  ].join('\nor ');
}

/** GPUs per pod and container, their model and framebuffer size (MiB), daily step. */
export function gpuInventoryQuery(x: QueryContext): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}, UUID, gpu, modelName`;
  const m = `${x.pod}!=""`;
  return `max by (${by}) (last_over_time(${sel(x, 'DCGM_FI_DEV_FB_USED', m)}[1d]) + last_over_time(${sel(x, 'DCGM_FI_DEV_FB_FREE', m)}[1d]))`;
}

/**
 * Usage of one namespace over a range: CPU (rate, cores), memory working set (max, bytes) and,
 * where the DCGM exporter runs, GPU utilisation, framebuffer used (MiB) and power (W) per GPU.
 * One series per pod and container (per GPU for the DCGM parts).
 */
export function usageQuery(x: QueryContext, namespace: string, windowSeconds: number): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const ns = `${x.ns}=${promString(namespace)}`;
  const real = [ns, `${x.ctr}!=""`, `${x.ctr}!="POD"`];
  const w = duration(windowSeconds);
  const gpuBy = `${by}, UUID, gpu`;
  return [
    tag(`max by (${by}) (rate(${sel(x, 'container_cpu_usage_seconds_total', ...real)}[${w}]))`, 'cpu'),
    tag(`max by (${by}) (max_over_time(${sel(x, 'container_memory_working_set_bytes', ...real)}[${w}]))`, 'mem'),
    tag(`max by (${gpuBy}) (avg_over_time(${sel(x, 'DCGM_FI_DEV_GPU_UTIL', ns)}[${w}]))`, 'gutil'),
    tag(`max by (${gpuBy}) (max_over_time(${sel(x, 'DCGM_FI_DEV_FB_USED', ns)}[${w}]))`, 'gmem'),
    tag(`max by (${gpuBy}) (avg_over_time(${sel(x, 'DCGM_FI_DEV_POWER_USAGE', ns)}[${w}]))`, 'gpow'),
  ].join('\nor ');
}

/** Splits (start, end] into ranges of at most `maxPoints` evaluation points at `step`. */
export function splitRange(start: number, end: number, step: number, maxPoints = 11_000): Array<{ start: number; end: number; points: number }> {
  const first = start + step;
  const total = Math.floor((end - first) / step) + 1;
  if (total <= 0) return [];
  const pieces = Math.ceil(total / maxPoints);
  const per = Math.ceil(total / pieces);
  const out: Array<{ start: number; end: number; points: number }> = [];
  for (let i = 0; i < total; i += per) {
    const n = Math.min(per, total - i);
    out.push({ start: first + i * step, end: first + (i + n - 1) * step, points: n });
  }
  return out;
}
