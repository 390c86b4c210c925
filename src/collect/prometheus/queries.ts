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

export function sel(x: QueryContext, metric: string, ...matchers: string[]): string {
  const all = [x.clusterMatcher, ...matchers].filter(Boolean);
  return `${metric}{${all.join(',')}}`;
}

export function tag(expr: string, value: string): string {
  return `label_replace(${expr}, "${TAG}", "${value}", "", "")`;
}

export function duration(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

/**
 * The range of a step's evaluation: the samples of (t − step, t]. Prometheus 2 ranges include
 * both ends, so a window of exactly one step would read the sample on the boundary twice; one
 * second less reads every raw sample once, and consecutive steps never overlap.
 */
export function stepWindow(step: number): string {
  return duration(step - 1);
}

/** A matcher selecting some pods of a namespace (a batch that keeps a query under the sample budget); empty for all. */
export function podsMatcher(x: QueryContext, pods: string[] | undefined): string {
  if (!pods) return '';
  return `${x.pod}=~${promString(pods.map(p => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'))}`;
}

/** How many owner series live now: one sample each, to plan how the owners query is cut. */
export function ownerCountQuery(x: QueryContext): string {
  return `count(${sel(x, '', '__name__=~"kube_pod_owner|kube_replicaset_owner|kube_job_owner"')})`;
}

/** Owners of pods, ReplicaSets and Jobs; a range query at a daily step (each point covers the day before it). */
export function ownersQuery(x: QueryContext, step: number): string {
  const w = stepWindow(step);
  return [
    tag(`group by (${x.ns}, ${x.pod}, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_pod_owner')}[${w}]))`, 'pod'),
    tag(`group by (${x.ns}, replicaset, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_replicaset_owner')}[${w}]))`, 'rs'),
    tag(`group by (${x.ns}, job_name, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_job_owner')}[${w}]))`, 'job'),
  ].join('\nor ');
}

/**
 * Requests, limits, replicas and HPA settings from kube-state-metrics: one instant query at the
 * window's end, the last value of every series seen in the window (a pod or a Deployment that
 * ended before the end still counts).
 */
export function specQuery(x: QueryContext, windowSeconds: number): string {
  const k = `${x.ns}, ${x.pod}, ${x.ctr}, resource`;
  const hpa = `${x.ns}, horizontalpodautoscaler`;
  const w = duration(windowSeconds);
  return [
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_requests')}[${w}]))`, 'req'),
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_limits')}[${w}]))`, 'lim'),
    tag(`max by (${x.ns}, deployment) (last_over_time(${sel(x, 'kube_deployment_spec_replicas')}[${w}]))`, 'deploy'),
    tag(`max by (${x.ns}, statefulset) (last_over_time(${sel(x, 'kube_statefulset_replicas')}[${w}]))`, 'sts'),
    tag(`max by (${hpa}) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_min_replicas')}[${w}]))`, 'hpamin'),
    tag(`max by (${hpa}) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_max_replicas')}[${w}]))`, 'hpamax'),
    tag(`max by (${hpa}, metric_name, metric_target_type) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_target_metric')}[${w}]))`, 'hpatarget'),
    tag(`group by (${hpa}, scaletargetref_kind, scaletargetref_name) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_info')}[${w}]))`, 'hpainfo'),
  ].join('\nor ');
}

/**
 * Restarts and OOM kills of one namespace at a coarse step: the restart counter's reading at each
 * step (the collector counts the rises between consecutive readings, exact at the step
 * boundaries), and the steps at which the container's last termination reason was OOMKilled.
 * Plain selectors: one sample per series and step, however often kube-state-metrics is scraped.
 */
export function eventsQuery(x: QueryContext, namespace: string, pods?: string[]): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const ns = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods)];
  return [
    tag(`max by (${by}) (${sel(x, 'kube_pod_container_status_restarts_total', ...ns)})`, 'restart'),
    tag(`max by (${by}) (${sel(x, 'kube_pod_container_status_last_terminated_reason', ...ns, 'reason="OOMKilled"')}) > 0`, 'oom'),
  ].join('\nor ');
}

/** CFS throttled periods and all periods per day and container, one namespace. */
export function throttlingQuery(x: QueryContext, namespace: string, step: number, pods?: string[]): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const real = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods), `${x.ctr}!=""`, `${x.ctr}!="POD"`];
  const w = stepWindow(step);
  return [
    tag(`sum by (${by}) (increase(${sel(x, 'container_cpu_cfs_throttled_periods_total', ...real)}[${w}]))`, 'thr'),
    tag(`sum by (${by}) (increase(${sel(x, 'container_cpu_cfs_periods_total', ...real)}[${w}]))`, 'per'),
  ].join('\nor ');
}

/** GPUs per pod and container, their model and framebuffer size (MiB), daily step. */
export function gpuInventoryQuery(x: QueryContext, step: number): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}, UUID, gpu, modelName`;
  const m = `${x.pod}!=""`;
  const w = stepWindow(step);
  return `max by (${by}) (last_over_time(${sel(x, 'DCGM_FI_DEV_FB_USED', m)}[${w}]) + last_over_time(${sel(x, 'DCGM_FI_DEV_FB_FREE', m)}[${w}]))`;
}

/**
 * CPU of one namespace (or a batch of its pods) at the usage step: the rate over each step's own
 * samples, in cores, rounded to 0.1 millicore (ten times finer than any request can be written;
 * it keeps the answer short). One series per pod and container, untagged: a single expression
 * costs Prometheus least.
 */
export function cpuQuery(x: QueryContext, namespace: string, step: number, pods?: string[]): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const sels = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods), `${x.ctr}!=""`, `${x.ctr}!="POD"`];
  return `round(max by (${by}) (rate(${sel(x, 'container_cpu_usage_seconds_total', ...sels)}[${stepWindow(step)}])), 0.0001)`;
}

/** Memory of one namespace (or a batch of its pods) at an hourly step: the working set's peak of each hour (the resolution of the peaks the engine keeps). */
export function memoryQuery(x: QueryContext, namespace: string, step: number, pods?: string[]): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const sels = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods), `${x.ctr}!=""`, `${x.ctr}!="POD"`];
  return `max by (${by}) (max_over_time(${sel(x, 'container_memory_working_set_bytes', ...sels)}[${stepWindow(step)}]))`;
}

/** GPU utilisation and power of a namespace with GPUs, averaged over each usage step, per GPU (only asked where the inventory found GPUs). */
export function gpuUsageQuery(x: QueryContext, namespace: string, step: number, pods?: string[]): string {
  const by = `${x.ns}, ${x.pod}, ${x.ctr}, UUID, gpu`;
  const ns = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods)];
  const w = stepWindow(step);
  return [
    tag(`max by (${by}) (avg_over_time(${sel(x, 'DCGM_FI_DEV_GPU_UTIL', ...ns)}[${w}]))`, 'gutil'),
    tag(`max by (${by}) (avg_over_time(${sel(x, 'DCGM_FI_DEV_POWER_USAGE', ...ns)}[${w}]))`, 'gpow'),
  ].join('\nor ');
}

/** Framebuffer used per GPU (MiB), hourly peaks, for a namespace with GPUs. */
export function gpuMemoryQuery(x: QueryContext, namespace: string, step: number, pods?: string[]): string {
  const ns = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods)];
  return `max by (${x.ns}, ${x.pod}, ${x.ctr}, UUID, gpu) (max_over_time(${sel(x, 'DCGM_FI_DEV_FB_USED', ...ns)}[${stepWindow(step)}]))`;
}

/** Requests and limits of some pods of a namespace only (those that ended before the last piece of the window). */
export function podSpecQuery(x: QueryContext, namespace: string, windowSeconds: number, pods: string[]): string {
  const k = `${x.ns}, ${x.pod}, ${x.ctr}, resource`;
  const w = duration(windowSeconds);
  const m = [`${x.ns}=${promString(namespace)}`, podsMatcher(x, pods)].join(',');
  return [
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_requests', m)}[${w}]))`, 'req'),
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_limits', m)}[${w}]))`, 'lim'),
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
