// What `rightsizer verify` reads: for the workloads of the ledger only, the settings that run
// now and the OOM kills, restarts and CPU throttling of some windows. A handful of instant
// queries per cluster (no range queries, no usage sketches), limited to the ledger's
// namespaces, so verify is cheap enough for an hourly schedule.

import type { ClusterConfig } from '../../config/types.ts';
import type { ContainerResources, HpaSpec, WorkloadKind, WorkloadSpec } from '../../core/types.ts';
import { workloadId } from '../../core/types.ts';
import { acceleratorResource } from './accelerators.ts';
import { PrometheusClient, type ClientOptions } from './client.ts';
import { resolveOwner } from './index.ts';
import { duration, promString, queryContext, sel, tag, TAG, type QueryContext } from './queries.ts';
import type { SeriesSink } from './stream-parse.ts';

/** Kube-state-metrics is scraped every 30–60 s: the last value within this is what runs now. */
const LIVE_LOOKBACK = 600;
/** Resolution at which restart-counter rises are looked for. */
const EVENT_STEP = 300;

export interface ContainerEvents {
  oomKills: number;
  restarts: number;
  /** CFS periods throttled and all periods. */
  throttled: number;
  periods: number;
}

export interface WindowEvents {
  start: number;
  end: number;
  /** `workload id|container` → events. */
  byContainer: Map<string, ContainerEvents>;
}

/** An Argo CD Application deploying to one of the ledger's namespaces (argocd_app_info, where scraped). */
export interface ArgoApp {
  name: string;
  namespace: string;
  sync: string;
  health: string;
}

export interface VerifyReading {
  /** What runs now, by workload id; a setting on which the running pods disagree (a rollout under way) is left out. */
  live: Map<string, WorkloadSpec>;
  argo: ArgoApp[];
  windows: WindowEvents[];
  queries: number;
}

/** A PromQL regex literal matching exactly these namespaces. */
function namespacesRegex(namespaces: string[]): string {
  return promString(namespaces.map(n => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
}

function nsMatcher(x: QueryContext, namespaces: string[]): string {
  return `${x.ns}=~${namespacesRegex(namespaces)}`;
}

/** Owners of the pods, ReplicaSets and Jobs seen in the last `seconds`. */
export function verifyOwnersQuery(x: QueryContext, namespaces: string[], seconds: number): string {
  const ns = nsMatcher(x, namespaces), w = duration(seconds);
  return [
    tag(`group by (${x.ns}, ${x.pod}, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_pod_owner', ns)}[${w}]))`, 'pod'),
    tag(`group by (${x.ns}, replicaset, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_replicaset_owner', ns)}[${w}]))`, 'rs'),
    tag(`group by (${x.ns}, job_name, owner_kind, owner_name) (last_over_time(${sel(x, 'kube_job_owner', ns)}[${w}]))`, 'job'),
  ].join('\nor ');
}

/** Requests, limits, replicas and HPA bounds running now (pods seen within the last ten minutes). */
export function verifySpecQuery(x: QueryContext, namespaces: string[]): string {
  const ns = nsMatcher(x, namespaces), w = duration(LIVE_LOOKBACK);
  const k = `${x.ns}, ${x.pod}, ${x.ctr}, resource`, hpa = `${x.ns}, horizontalpodautoscaler`;
  return [
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_requests', ns)}[${w}]))`, 'req'),
    tag(`max by (${k}) (last_over_time(${sel(x, 'kube_pod_container_resource_limits', ns)}[${w}]))`, 'lim'),
    tag(`max by (${x.ns}, deployment) (last_over_time(${sel(x, 'kube_deployment_spec_replicas', ns)}[${w}]))`, 'deploy'),
    tag(`max by (${x.ns}, statefulset) (last_over_time(${sel(x, 'kube_statefulset_replicas', ns)}[${w}]))`, 'sts'),
    tag(`max by (${hpa}) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_min_replicas', ns)}[${w}]))`, 'hpamin'),
    tag(`max by (${hpa}) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_spec_max_replicas', ns)}[${w}]))`, 'hpamax'),
    tag(`group by (${hpa}, scaletargetref_kind, scaletargetref_name) (last_over_time(${sel(x, 'kube_horizontalpodautoscaler_info', ns)}[${w}]))`, 'hpainfo'),
    // Argo CD often runs in another cluster: its Applications are matched by destination namespace only.
    tag(`group by (name, dest_namespace, sync_status, health_status) (last_over_time(argocd_app_info{dest_namespace=~${namespacesRegex(namespaces)}}[${w}]))`, 'argo'),
  ].join('\nor ');
}

/**
 * Restarts, OOM kills and throttling of one window, evaluated at its end: restart-counter rises
 * every five minutes summed over the window, the rises at which the last termination reason was
 * OOMKilled, and the CFS counters' increase.
 */
export function verifyEventsQuery(x: QueryContext, namespaces: string[], seconds: number): string {
  const ns = nsMatcher(x, namespaces), w = duration(seconds), s = duration(EVENT_STEP);
  const by = `${x.ns}, ${x.pod}, ${x.ctr}`;
  const restarts = sel(x, 'kube_pod_container_status_restarts_total', ns);
  const rise = `clamp_min(${restarts} - ${restarts} offset ${s}, 0)`;
  const oom = `${sel(x, 'kube_pod_container_status_last_terminated_reason', ns, 'reason="OOMKilled"')} > 0`;
  const real = [ns, `${x.ctr}!=""`, `${x.ctr}!="POD"`];
  return [
    tag(`sum by (${by}) (sum_over_time((${rise})[${w}:${s}]))`, 'restart'),
    tag(`sum by (${by}) (sum_over_time((${rise} and on (${by}) ${oom})[${w}:${s}]))`, 'oom'),
    tag(`sum by (${by}) (increase(${sel(x, 'container_cpu_cfs_throttled_periods_total', ...real)}[${w}]))`, 'thr'),
    tag(`sum by (${by}) (increase(${sel(x, 'container_cpu_cfs_periods_total', ...real)}[${w}]))`, 'per'),
  ].join('\nor ');
}

const KINDS: Record<string, WorkloadKind> = { Deployment: 'Deployment', StatefulSet: 'StatefulSet', DaemonSet: 'DaemonSet', Job: 'Job', CronJob: 'CronJob', Rollout: 'Rollout' };

/**
 * Reads one cluster for the given workloads (ids of that cluster): what runs at `now`, and the
 * events of each window (seconds since epoch).
 */
export async function readForVerify(
  cluster: ClusterConfig, workloadIds: string[], now: number, windows: Array<{ start: number; end: number }>,
  options: { fetch?: typeof fetch; client?: ClientOptions } = {},
): Promise<VerifyReading> {
  const x = queryContext(cluster.prometheus, cluster.name);
  const client = new PrometheusClient(cluster.prometheus, cluster.name, { fetch: options.fetch, ...options.client });
  const wanted = new Set(workloadIds);
  const namespaces = [...new Set(workloadIds.map(id => id.split('/')[1]))].sort();
  const reading: VerifyReading = { live: new Map(), argo: [], windows: [], queries: 0 };
  if (namespaces.length === 0) return reading;
  const last = (values: Float64Array) => { for (let i = values.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return values[i]; return undefined; };

  // Pods → workloads, over everything the windows cover.
  const earliest = Math.min(now - LIVE_LOOKBACK, ...windows.map(w => w.start));
  const podOwner = new Map<string, { kind: string; name: string }>();
  const rsOwner = new Map<string, { kind: string; name: string }>(), jobOwner = new Map<string, { kind: string; name: string }>();
  await client.query('instant', { query: verifyOwnersQuery(x, namespaces, Math.max(60, now - earliest)), time: now }, 'owners of the ledger\'s pods', labels => {
    const ns = labels[x.ns] ?? '', owner = { kind: labels.owner_kind ?? '', name: labels.owner_name ?? '' };
    if (!owner.kind || owner.kind === '<none>') return;
    if (labels[TAG] === 'pod') podOwner.set(`${ns}/${labels[x.pod]}`, owner);
    if (labels[TAG] === 'rs') rsOwner.set(`${ns}/${labels.replicaset}`, owner);
    if (labels[TAG] === 'job') jobOwner.set(`${ns}/${labels.job_name}`, owner);
  });
  const workloadOf = new Map<string, string>();
  for (const [key, owner] of podOwner) {
    const ns = key.slice(0, key.indexOf('/'));
    const resolved = resolveOwner(ns, owner, rsOwner, jobOwner);
    if (!resolved || !KINDS[resolved.kind]) continue;
    const id = workloadId({ cluster: cluster.name, namespace: ns, kind: resolved.kind, name: resolved.name });
    if (wanted.has(id)) workloadOf.set(key, id);
  }

  // What runs now.
  type Values = Map<string, Map<string, Set<number>>>; // id|container → resource → values seen
  const req: Values = new Map(), lim: Values = new Map();
  const replicas = new Map<string, number>();
  const hpaMin = new Map<string, number>(), hpaMax = new Map<string, number>(), hpaRef = new Map<string, { kind: string; name: string }>();
  const argoSeen = new Map<string, number>(); // app → time of the series kept
  const specSink: SeriesSink = (labels, times, values) => {
    const v = last(values);
    if (v === undefined) return;
    const ns = labels[x.ns] ?? '';
    switch (labels[TAG]) {
      case 'req': case 'lim': {
        const id = workloadOf.get(`${ns}/${labels[x.pod]}`);
        if (!id) return;
        const table = labels[TAG] === 'req' ? req : lim;
        const key = `${id}|${labels[x.ctr] ?? ''}`;
        const byResource = table.get(key) ?? new Map<string, Set<number>>();
        table.set(key, byResource);
        const set = byResource.get(labels.resource ?? '') ?? new Set<number>();
        byResource.set(labels.resource ?? '', set.add(v));
        return;
      }
      case 'deploy': replicas.set(`Deployment/${ns}/${labels.deployment}`, v); return;
      case 'sts': replicas.set(`StatefulSet/${ns}/${labels.statefulset}`, v); return;
      case 'hpamin': hpaMin.set(`${ns}/${labels.horizontalpodautoscaler}`, v); return;
      case 'hpamax': hpaMax.set(`${ns}/${labels.horizontalpodautoscaler}`, v); return;
      case 'hpainfo': hpaRef.set(`${ns}/${labels.horizontalpodautoscaler}`, { kind: labels.scaletargetref_kind ?? '', name: labels.scaletargetref_name ?? '' }); return;
      case 'argo': {
        // A status that changed within the lookback leaves two series: the newest one says what is true now.
        const app = `${labels.dest_namespace}/${labels.name}`, t = times[times.length - 1] ?? 0;
        if ((argoSeen.get(app) ?? -Infinity) >= t) return;
        argoSeen.set(app, t);
        reading.argo = reading.argo.filter(a => `${a.namespace}/${a.name}` !== app);
        reading.argo.push({ name: labels.name ?? '', namespace: labels.dest_namespace ?? '', sync: labels.sync_status ?? '', health: labels.health_status ?? '' });
        return;
      }
    }
  };
  await client.query('instant', { query: verifySpecQuery(x, namespaces), time: now }, 'requests, limits, replicas and HPAs running now', specSink);

  for (const id of wanted) {
    const [, ns, kind, ...rest] = id.split('/');
    const name = rest.join('/');
    const containerNames = [...new Set([...req.keys(), ...lim.keys()].filter(k => k.startsWith(`${id}|`)).map(k => k.slice(id.length + 1)))].sort();
    const amounts = (table: Values, ctr: string): ContainerResources['requests'] => {
      const out: ContainerResources['requests'] = {};
      for (const [resource, set] of table.get(`${id}|${ctr}`) ?? []) {
        if (set.size !== 1) continue; // the pods disagree: a rollout is under way
        const v = [...set][0];
        if (resource === 'cpu') out.cpuCores = v;
        else if (resource === 'memory') out.memoryBytes = v;
        else if (acceleratorResource(resource)) out.gpus = (out.gpus ?? 0) + v;
      }
      return out;
    };
    const spec: WorkloadSpec = {
      ref: { cluster: cluster.name, namespace: ns, kind: kind as WorkloadKind, name },
      containers: containerNames.map(c => ({ container: c, requests: amounts(req, c), limits: amounts(lim, c) })),
    };
    const r = replicas.get(`${kind}/${ns}/${name}`);
    if (r !== undefined) spec.replicas = r;
    for (const [key, min] of hpaMin) {
      const ref = hpaRef.get(key);
      if (!key.startsWith(`${ns}/`) || !(ref ? ref.kind === kind && ref.name === name : key === `${ns}/${name}`)) continue;
      const hpa: HpaSpec = { minReplicas: min, maxReplicas: hpaMax.get(key) ?? min };
      spec.hpa = hpa;
    }
    if (spec.containers.length > 0 || spec.replicas !== undefined) reading.live.set(id, spec);
  }

  // Events of each window.
  for (const w of windows) {
    const byContainer = new Map<string, ContainerEvents>();
    const seconds = Math.max(EVENT_STEP, w.end - w.start);
    await client.query('instant', { query: verifyEventsQuery(x, namespaces, seconds), time: w.end }, 'restarts, OOM kills and throttling', (labels, _t, values) => {
      const v = last(values);
      const id = workloadOf.get(`${labels[x.ns]}/${labels[x.pod]}`);
      if (v === undefined || !id) return;
      const key = `${id}|${labels[x.ctr] ?? ''}`;
      const e = byContainer.get(key) ?? { oomKills: 0, restarts: 0, throttled: 0, periods: 0 };
      byContainer.set(key, e);
      switch (labels[TAG]) {
        case 'restart': e.restarts += Math.round(v); break;
        case 'oom': e.oomKills += Math.round(v); break;
        case 'thr': e.throttled += v; break;
        case 'per': e.periods += v; break;
      }
    });
    reading.windows.push({ start: w.end - seconds, end: w.end, byContainer });
  }
  reading.queries = client.queries;
  return reading;
}
