// Prometheus collector: workload usage from cAdvisor, kube-state-metrics and the DCGM exporter,
// with workloads discovered from kube-state-metrics owner series alone (no Kubernetes API).
//
// Queries: five cluster-wide queries for the kube-state-metrics joins and events, then one
// range query per namespace and time slice (≤ 11,000 points per series) carrying CPU, memory
// and GPU series per pod and container. Samples stream straight into bounded-size sketches.

import type { ClusterConfig } from '../../config/types.ts';
import type {
  ContainerResources, ContainerUsage, HpaSpec, OomEvent, UsageProfile, WorkloadKind, WorkloadRef, WorkloadSpec,
} from '../../core/types.ts';
import { workloadId } from '../../core/types.ts';
import { CPU_HISTOGRAM, DecayingHistogram, GPU_UTIL_HISTOGRAM, POWER_HISTOGRAM, type HistogramOptions } from '../../recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../../recommend/model/peak-series.ts';
import { PrometheusClient, PrometheusQueryError, type ClientOptions } from './client.ts';
import { progressReporter } from './progress.ts';
import {
  eventsQuery, gpuInventoryQuery, ownersQuery, queryContext, specQuery, splitRange, TAG, throttlingQuery, usageQuery, type QueryContext,
} from './queries.ts';
import type { SeriesSink } from './stream-parse.ts';
import { acceleratorResource, acceleratorSink, acceleratorUsageQuery, SERVING_TAGS, ServingAcc, servingQuery, servingSink } from './accelerators.ts';
import { AI_KINDS, aiOwnerFromLabels, aiOwnerFromNames, aiPodLabelsQuery } from './ai-owners.ts';

export { PrometheusQueryError } from './client.ts';

export interface CollectOptions {
  onProgress?: (done: number, total: number, label: string) => void;
  quiet?: boolean;
  fetch?: typeof fetch;
  /** Less history than this and a workload gets `insufficient` instead of sketches (default 1 day). */
  minHistorySeconds?: number;
  /** Retry and timing knobs of the HTTP client (tests, benchmark). */
  client?: ClientOptions;
  /** CPU histogram layout; tests use an undecayed one to compare with PromQL quantiles. */
  cpuHistogram?: HistogramOptions;
}

export interface CollectResult {
  profiles: UsageProfile[];
  queries: number;
  warnings: string[];
  /** Prometheus's own query time, summed (only when `client.stats` is on). */
  serverSeconds?: number;
  namespaces?: number;
}

const DAY = 86400;
const HOUR = 3600;
const MIB = 2 ** 20;

interface GpuAcc {
  util: DecayingHistogram;
  memory: PeakSeries;
  power: DecayingHistogram;
  gpusPerPod: number;
  model?: string;
  totalBytes: number;
  exporter?: string;
}

interface ContainerAcc {
  name: string;
  cpu: DecayingHistogram;
  memory: PeakSeries;
  first: number;
  last: number;
  /** Evaluation steps where at least one pod had a CPU sample. */
  present: number;
  restarts: number;
  oom: Array<{ time: number; count: number }>;
  throttled: number;
  periods: number;
  gpu?: GpuAcc;
}

interface WorkloadAcc {
  ref: WorkloadRef;
  containers: Map<string, ContainerAcc>;
  totalCpu: DecayingHistogram;
  replicas: PeakSeries;
  pods: Set<string>;
  /** Pods running at the newest step seen. */
  lastPods: number;
  lastPodsTime: number;
  serving?: ServingAcc;
}

/** Latest value of a daily-step series: [time, value]. */
function lastPoint(times: Float64Array, values: Float64Array): [number, number] | undefined {
  for (let i = times.length - 1; i >= 0; i--) if (Number.isFinite(values[i])) return [times[i], values[i]];
  return undefined;
}

interface Resource { resource: string; t: number; value: number }

const KIND_OF_OWNER: Record<string, WorkloadKind | undefined> = {
  StatefulSet: 'StatefulSet', DaemonSet: 'DaemonSet', Job: 'Job', CronJob: 'CronJob', Deployment: 'Deployment', Rollout: 'Rollout',
};

export async function collectUsage(
  cluster: ClusterConfig,
  window: { start: number; end: number },
  options: CollectOptions = {},
): Promise<CollectResult> {
  const config = cluster.prometheus;
  const step = config.stepSeconds ?? 60;
  const rangeWindow = Math.max(step, 120);
  const x: QueryContext = queryContext(config, cluster.name);
  const client = new PrometheusClient(config, cluster.name, { fetch: options.fetch, ...options.client });
  const minHistory = options.minHistorySeconds ?? DAY;
  const cpuLayout = options.cpuHistogram ?? CPU_HISTOGRAM;
  const warnings: string[] = [];
  const start = Math.floor(window.start / step) * step;
  const end = Math.floor(window.end / step) * step;
  if (!(end > start)) throw new PrometheusQueryError(`empty usage window for cluster ${cluster.name}`, { status: 0, errorType: 'config', serverMessage: '', retryable: false });
  const reference = end;

  // Daily and hourly grids for the kube-state-metrics and event queries.
  const dayEnd = end, dayStart = end - Math.max(1, Math.floor((end - start) / DAY)) * DAY + DAY;
  const hourEnd = Math.floor(end / HOUR) * HOUR, hourStart = Math.ceil((start + HOUR) / HOUR) * HOUR;

  let done = 0, total = 5;
  const progress = progressReporter({ quiet: options.quiet, onProgress: options.onProgress, cluster: cluster.name });
  const tick = (label: string) => progress(++done, total, label);
  const warn = (w: string[]) => { for (const m of w) if (!warnings.includes(m)) warnings.push(m); };

  // ---- Phase 1: kube-state-metrics joins, events, throttling, GPU inventory.
  const podOwner = new Map<string, { kind: string; name: string; t: number }>();
  const rsOwner = new Map<string, { kind: string; name: string }>();
  const jobOwner = new Map<string, { kind: string; name: string }>();
  const ownersSink: SeriesSink = (labels, times, values) => {
    const p = lastPoint(times, values);
    if (!p) return;
    const ns = labels[x.ns] ?? '';
    const owner = { kind: labels.owner_kind ?? '', name: labels.owner_name ?? '' };
    switch (labels[TAG]) {
      case 'pod': {
        const key = `${ns}/${labels[x.pod]}`;
        const prev = podOwner.get(key);
        // A pod has one controller; when a row without owner ("<none>") sits beside a real one, keep the real one.
        if (!prev || (prev.kind === '<none>' && owner.kind !== '<none>') || (p[0] > prev.t && owner.kind !== '<none>')) podOwner.set(key, { ...owner, t: p[0] });
        break;
      }
      case 'rs': if (owner.kind && owner.kind !== '<none>') rsOwner.set(`${ns}/${labels.replicaset}`, owner); break;
      case 'job': if (owner.kind && owner.kind !== '<none>') jobOwner.set(`${ns}/${labels.job_name}`, owner); break;
    }
  };

  const podLabels = new Map<string, Record<string, string>>();
  const podLabelsSink: SeriesSink = (labels, times, values) => {
    if (lastPoint(times, values)) podLabels.set(`${labels[x.ns]}/${labels[x.pod]}`, labels);
  };

  const requests = new Map<string, Map<string, Resource[]>>();
  const limits = new Map<string, Map<string, Resource[]>>();
  const replicaSpec = new Map<string, number>(); // Kind/ns/name
  const hpaMin = new Map<string, number>(), hpaMax = new Map<string, number>();
  const hpaTarget = new Map<string, { cpu?: number; memory?: number }>();
  const hpaTargetRef = new Map<string, { kind: string; name: string }>();
  const specSink: SeriesSink = (labels, times, values) => {
    const p = lastPoint(times, values);
    if (!p) return;
    const ns = labels[x.ns] ?? '';
    const hpaKey = `${ns}/${labels.horizontalpodautoscaler}`;
    switch (labels[TAG]) {
      case 'req': case 'lim': {
        const map = labels[TAG] === 'req' ? requests : limits;
        const key = `${ns}/${labels[x.pod]}`;
        let byContainer = map.get(key);
        if (!byContainer) map.set(key, byContainer = new Map());
        const ctr = labels[x.ctr] ?? '';
        let list = byContainer.get(ctr);
        if (!list) byContainer.set(ctr, list = []);
        list.push({ resource: labels.resource ?? '', t: p[0], value: p[1] });
        break;
      }
      case 'deploy': replicaSpec.set(`Deployment/${ns}/${labels.deployment}`, p[1]); break;
      case 'sts': replicaSpec.set(`StatefulSet/${ns}/${labels.statefulset}`, p[1]); break;
      case 'hpamin': hpaMin.set(hpaKey, p[1]); break;
      case 'hpamax': hpaMax.set(hpaKey, p[1]); break;
      case 'hpatarget': {
        if ((labels.metric_target_type ?? 'utilization') !== 'utilization') break;
        const t = hpaTarget.get(hpaKey) ?? {};
        if (labels.metric_name === 'cpu') t.cpu = p[1];
        if (labels.metric_name === 'memory') t.memory = p[1];
        hpaTarget.set(hpaKey, t);
        break;
      }
      case 'hpainfo': hpaTargetRef.set(hpaKey, { kind: labels.scaletargetref_kind ?? '', name: labels.scaletargetref_name ?? '' }); break;
    }
  };

  const events: Array<{ ns: string; pod: string; ctr: string; kind: string; time: number; count: number }> = [];
  const eventsSink: SeriesSink = (labels, times, values) => {
    for (let i = 0; i < times.length; i++) {
      if (!(values[i] > 0)) continue;
      events.push({ ns: labels[x.ns] ?? '', pod: labels[x.pod] ?? '', ctr: labels[x.ctr] ?? '', kind: labels[TAG] ?? '', time: times[i], count: Math.max(1, Math.round(values[i])) });
    }
  };

  const throttling = new Map<string, { thr: number; per: number }>(); // ns/pod/ctr
  const throttlingSink: SeriesSink = (labels, _times, values) => {
    const key = `${labels[x.ns]}/${labels[x.pod]}/${labels[x.ctr]}`;
    const acc = throttling.get(key) ?? { thr: 0, per: 0 };
    let sum = 0;
    for (let i = 0; i < values.length; i++) if (values[i] >= 0 && values[i] < Infinity) sum += values[i];
    if (labels[TAG] === 'thr') acc.thr += sum; else acc.per += sum;
    throttling.set(key, acc);
  };

  const gpuInventory = new Map<string, { gpus: Set<string>; model?: string; totalMiB: number }>(); // ns/pod/ctr
  const gpuSink: SeriesSink = (labels, times, values) => {
    const p = lastPoint(times, values);
    if (!p) return;
    const key = `${labels[x.ns]}/${labels[x.pod]}/${labels[x.ctr] ?? ''}`;
    const inv = gpuInventory.get(key) ?? { gpus: new Set<string>(), totalMiB: 0 };
    inv.gpus.add(labels.UUID || labels.gpu || String(inv.gpus.size));
    if (labels.modelName) inv.model = labels.modelName;
    inv.totalMiB = Math.max(inv.totalMiB, p[1]);
    gpuInventory.set(key, inv);
  };

  const dayRange = { start: dayStart, end: dayEnd, step: DAY };
  const phase1: Array<Promise<unknown>> = [
    Promise.all([
      client.query('range', { query: ownersQuery(x), ...dayRange }, 'owners (kube_pod_owner, kube_replicaset_owner, kube_job_owner)', ownersSink),
      client.query('range', { query: aiPodLabelsQuery(x), ...dayRange }, 'AI workload owners (kube_pod_labels)', podLabelsSink),
    ]).then(all => { for (const s of all) warn(s.warnings); tick('owners'); }),
    client.query('range', { query: specQuery(x), ...dayRange }, 'requests, limits, replicas and HPAs (kube-state-metrics)', specSink).then(s => { warn(s.warnings); tick('requests, limits, replicas'); }),
    hourEnd >= hourStart
      ? client.query('range', { query: eventsQuery(x), start: hourStart, end: hourEnd, step: HOUR }, 'restarts and OOM kills', eventsSink).then(s => { warn(s.warnings); tick('restarts, OOM kills'); })
      : Promise.resolve(tick('restarts, OOM kills')),
    client.query('range', { query: throttlingQuery(x), ...dayRange }, 'CPU throttling', throttlingSink).then(s => { warn(s.warnings); tick('throttling'); }),
    client.query('range', { query: gpuInventoryQuery(x), ...dayRange }, 'GPU inventory (DCGM)', gpuSink).then(s => { warn(s.warnings); tick('GPU inventory'); }),
  ];
  // Usage queries need only the owners; the other joins finish while usage streams in.
  await Promise.race([phase1[0], Promise.all(phase1)]).catch(async err => {
    await Promise.allSettled(phase1);
    throw err;
  });

  // ---- Workloads from owners.
  const workloads = new Map<string, WorkloadAcc>();
  const podWorkload = new Map<string, WorkloadAcc>();
  const unowned: string[] = [];
  for (const [key, owner] of podOwner) {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash), pod = key.slice(slash + 1);
    const labels = podLabels.get(key);
    const resolved = (labels && aiOwnerFromLabels(labels)) || aiOwnerFromNames(owner, resolveOwner(ns, owner, rsOwner, jobOwner));
    if (!resolved) { unowned.push(`${key} (${owner.kind || 'no owner'})`); continue; }
    const ref: WorkloadRef = { cluster: cluster.name, namespace: ns, kind: resolved.kind, name: resolved.name };
    const id = workloadId(ref);
    let w = workloads.get(id);
    if (!w) {
      w = {
        ref, containers: new Map(), totalCpu: new DecayingHistogram(cpuLayout, reference), replicas: new PeakSeries(HOUR, 24 * 35),
        pods: new Set(), lastPods: 0, lastPodsTime: -Infinity,
      };
      workloads.set(id, w);
    }
    w.pods.add(pod);
    podWorkload.set(key, w);
  }
  if (unowned.length) warn([`${unowned.length} pods without a workload owner were skipped (bare pods, static pods): ${unowned.slice(0, 5).join(', ')}${unowned.length > 5 ? ', …' : ''}`]);
  if (podOwner.size === 0) warn([`no kube_pod_owner series for cluster ${cluster.name}${x.clusterMatcher ? ` (${x.clusterMatcher})` : ''} in the window: is kube-state-metrics scraped?`]);

  const containerOf = (w: WorkloadAcc, name: string): ContainerAcc => {
    let c = w.containers.get(name);
    if (!c) {
      c = {
        name, cpu: new DecayingHistogram(cpuLayout, reference), memory: new PeakSeries(HOUR, 24 * 35),
        first: Infinity, last: -Infinity, present: 0, restarts: 0, oom: [], throttled: 0, periods: 0,
      };
      w.containers.set(name, c);
    }
    return c;
  };

  // ---- Phase 2: usage per namespace and time slice.
  const namespaces = [...new Set([...workloads.values()].map(w => w.ref.namespace))].sort();
  const slices = splitRange(start, end, step);
  total += namespaces.length * slices.length;
  progress(done, total, 'usage');
  const unknownPods = new Set<string>();
  const gpuOf = (c: ContainerAcc): GpuAcc => c.gpu ??= {
    util: new DecayingHistogram(GPU_UTIL_HISTOGRAM, reference), memory: new PeakSeries(HOUR, 24 * 35),
    power: new DecayingHistogram(POWER_HISTOGRAM, reference), gpusPerPod: 0, totalBytes: 0,
  };

  const usageSlice = async (namespace: string, slice: { start: number; end: number; points: number }) => {
    const n = slice.points;
    // Per workload and step: summed CPU and pods seen (per container), for replica history,
    // total demand and coverage. Lives only while this slice is processed.
    const local = new Map<WorkloadAcc, { sum: Float64Array; counts: Map<ContainerAcc, Uint16Array> }>();
    const sink: SeriesSink = (labels, times, values) => {
      const podKey = `${labels[x.ns]}/${labels[x.pod]}`;
      const w = podWorkload.get(podKey);
      if (!w) { unknownPods.add(podKey); return; }
      const c = containerOf(w, labels[x.ctr] ?? '');
      const len = times.length;
      switch (labels[TAG]) {
        case 'cpu': {
          let l = local.get(w);
          if (!l) local.set(w, l = { sum: new Float64Array(n), counts: new Map() });
          let counts = l.counts.get(c);
          if (!counts) l.counts.set(c, counts = new Uint16Array(n));
          const sum = l.sum;
          let runStart = 0;
          for (let i = 0; i < len; i++) {
            const v = values[i], t = times[i];
            if (i > runStart && t - times[i - 1] !== step) {
              c.cpu.addSeries(values.subarray(runStart, i), times[runStart], step);
              runStart = i;
            }
            if (!(v >= 0) || v === Infinity) continue;
            const k = Math.round((t - slice.start) / step);
            if (k >= 0 && k < n) { sum[k] += v; counts[k]++; }
            if (t < c.first) c.first = t;
            if (t > c.last) c.last = t;
          }
          if (len > runStart) c.cpu.addSeries(values.subarray(runStart, len), times[runStart], step);
          break;
        }
        case 'mem':
          for (let i = 0; i < len; i++) if (values[i] >= 0) c.memory.add(values[i], times[i] - 1);
          break;
        case 'gutil': { const g = gpuOf(c); for (let i = 0; i < len; i++) g.util.add(values[i], times[i]); break; }
        case 'gmem': { const g = gpuOf(c); for (let i = 0; i < len; i++) if (values[i] >= 0) g.memory.add(values[i] * MIB, times[i] - 1); break; }
        case 'gpow': { const g = gpuOf(c); for (let i = 0; i < len; i++) g.power.add(values[i], times[i]); break; }
      }
    };
    const label = `usage of namespace ${namespace} (${new Date(slice.start * 1000).toISOString().slice(0, 10)}…${new Date(slice.end * 1000).toISOString().slice(0, 10)})`;
    const summary = await client.query('range', { query: usageQuery(x, namespace, rangeWindow), start: slice.start, end: slice.end, step }, label, sink);
    warn(summary.warnings);
    for (const [w, l] of local) {
      const countsList = [...l.counts.values()];
      for (let k = 0; k < n; k++) {
        let pods = 0;
        for (const counts of countsList) if (counts[k] > pods) pods = counts[k];
        if (pods === 0) continue;
        const t = slice.start + k * step;
        w.totalCpu.add(l.sum[k], t);
        w.replicas.add(pods, t - 1);
        if (t > w.lastPodsTime) { w.lastPodsTime = t; w.lastPods = pods; }
      }
      for (const [c, counts] of l.counts) for (let k = 0; k < n; k++) if (counts[k] > 0) c.present++;
    }
    tick(`usage ${namespace}`);
  };
  const tasks: Array<Promise<unknown>> = [...phase1];
  for (const ns of namespaces) for (const slice of slices) tasks.push(usageSlice(ns, slice));
  // Namespaces whose pods request an accelerator (known once the spec query is in) also get one
  // query per slice for the vendors' exporters and the serving engines.
  const accSink = acceleratorSink(x, (ns, pod, ctr) => {
    const w = podWorkload.get(`${ns}/${pod}`);
    return w ? gpuOf(containerOf(w, ctr)) : undefined;
  });
  const srvSink = servingSink(x, (ns, pod) => {
    const w = podWorkload.get(`${ns}/${pod}`);
    return w ? (w.serving ??= new ServingAcc(reference)) : undefined;
  });
  const bothSink: SeriesSink = (labels, times, values) => (SERVING_TAGS.test(labels[TAG] ?? '') ? srvSink : accSink)(labels, times, values);
  tasks.push(phase1[1].then(() => {
    const acceleratorNamespaces = namespaces.filter(ns => [...requests].some(([key, byContainer]) =>
      key.startsWith(`${ns}/`) && [...byContainer.values()].some(list => list.some(r => acceleratorResource(r.resource)))));
    total += acceleratorNamespaces.length * slices.length;
    return settleAll(acceleratorNamespaces.flatMap(ns => slices.map(slice => {
      const query = `${acceleratorUsageQuery(x, ns, `${rangeWindow}s`)}\nor ${servingQuery(x, ns, `${rangeWindow}s`)}`;
      return client.query('range', { query, start: slice.start, end: slice.end, step }, `accelerators and serving engines of namespace ${ns}`, bothSink)
        .then(s => { warn(s.warnings); tick(`accelerators ${ns}`); });
    })));
  }));
  await settleAll(tasks);
  if (unknownPods.size) warn([`${unknownPods.size} pods with usage but no kube_pod_owner series were skipped: ${[...unknownPods].slice(0, 5).join(', ')}${unknownPods.size > 5 ? ', …' : ''}`]);

  // ---- Events, throttling, GPU inventory onto containers.
  for (const e of events) {
    const w = podWorkload.get(`${e.ns}/${e.pod}`);
    if (!w) continue;
    const c = containerOf(w, e.ctr);
    if (e.kind === 'restart') c.restarts += e.count;
    else if (e.kind === 'oom') c.oom.push({ time: e.time, count: e.count });
  }
  for (const [key, t] of throttling) {
    const i = key.lastIndexOf('/');
    const w = podWorkload.get(key.slice(0, i));
    const c = w?.containers.get(key.slice(i + 1));
    if (c) { c.throttled += t.thr; c.periods += t.per; }
  }
  for (const [key, inv] of gpuInventory) {
    const i = key.lastIndexOf('/');
    const w = podWorkload.get(key.slice(0, i));
    if (!w) continue;
    const g = gpuOf(containerOf(w, key.slice(i + 1)));
    g.gpusPerPod = Math.max(g.gpusPerPod, inv.gpus.size);
    g.model ??= inv.model;
    g.totalBytes = Math.max(g.totalBytes, inv.totalMiB * MIB);
  }

  // ---- Profiles.
  const profiles: UsageProfile[] = [];
  for (const w of [...workloads.values()].sort((a, b) => workloadId(a.ref).localeCompare(workloadId(b.ref)))) {
    const current = currentSpec(w, { requests, limits, replicaSpec, hpaMin, hpaMax, hpaTarget, hpaTargetRef });
    const containers: ContainerUsage[] = [];
    let have = 0;
    for (const c of [...w.containers.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      if (c.cpu.samples === 0 && c.memory.length === 0) continue;
      if (c.cpu.samples > 0) have = Math.max(have, c.last - c.first + step);
      const memLimit = current.containers.find(r => r.container === c.name)?.limits.memoryBytes;
      const oomKills: OomEvent[] = [];
      for (const k of c.oom.sort((a, b) => a.time - b.time)) {
        const peak = peakNear(c.memory, k.time) ?? memLimit ?? 0;
        for (let i = 0; i < k.count; i++) oomKills.push({ time: k.time, memoryBytes: peak });
      }
      const expected = c.cpu.samples > 0 ? Math.round((c.last - c.first) / step) + 1 : 0;
      const usage: ContainerUsage = {
        container: c.name,
        cpu: c.cpu.toState(),
        memoryPeaks: c.memory.toState(),
        oomKills,
        restarts: c.restarts,
        ...(c.periods > 0 ? { throttledRatio: Math.min(1, c.throttled / c.periods) } : {}),
        samples: c.cpu.samples,
        firstSample: Number.isFinite(c.first) ? c.first : 0,
        lastSample: Number.isFinite(c.last) ? c.last : 0,
        coverage: expected > 0 ? Math.min(1, c.present / expected) : 0,
      };
      if (c.gpu && (c.gpu.util.samples > 0 || c.gpu.memory.length > 0)) {
        usage.gpu = {
          gpusPerPod: c.gpu.gpusPerPod || 1,
          ...(c.gpu.model ? { model: c.gpu.model } : {}),
          ...(c.gpu.exporter ? { exporter: c.gpu.exporter } : {}),
          utilisation: c.gpu.util.toState(),
          memoryUsed: c.gpu.memory.toState(),
          memoryTotalBytes: c.gpu.totalBytes,
          ...(c.gpu.power.samples > 0 ? { power: c.gpu.power.toState() } : {}),
        };
        if (c.gpu.model) current.gpuModel ??= c.gpu.model;
      }
      containers.push(usage);
    }
    const profile: UsageProfile = { ref: w.ref, current, containers };
    const serving = w.serving?.toUsage();
    if (serving && containers.length) profile.serving = serving;
    if (containers.length === 0 || have < minHistory) {
      profile.containers = [];
      profile.insufficient = {
        haveSeconds: have, needSeconds: minHistory,
        reason: containers.length === 0 ? 'no usage samples in Prometheus' : 'too little usage history',
      };
    } else {
      profile.replicaHistory = w.replicas.toState();
      profile.totalCpu = w.totalCpu.toState();
      // Jobs and CronJobs run now and then: low coverage is their nature, not a gap.
      const low = w.ref.kind === 'CronJob' || w.ref.kind === 'Job' ? [] : containers.filter(c => c.coverage < 0.5);
      if (low.length) warn([`${workloadId(w.ref)}: samples cover ${Math.round(Math.min(...low.map(c => c.coverage)) * 100)}% of the expected steps`]);
    }
    profiles.push(profile);
  }
  progress(total, total, 'done');
  return {
    profiles, queries: client.queries, warnings, namespaces: namespaces.length,
    ...(options.client?.stats ? { serverSeconds: client.serverSeconds } : {}),
  };
}

/** Waits for every task; the first failure is thrown after the others settle (no stray requests). */
async function settleAll(tasks: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find(r => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

function resolveOwner(
  ns: string, owner: { kind: string; name: string },
  rsOwner: Map<string, { kind: string; name: string }>, jobOwner: Map<string, { kind: string; name: string }>,
): { kind: WorkloadKind; name: string } | undefined {
  if (owner.kind === 'ReplicaSet') {
    const up = rsOwner.get(`${ns}/${owner.name}`);
    if (up && (up.kind === 'Deployment' || up.kind === 'Rollout')) return { kind: up.kind, name: up.name };
    if (up) return undefined;
    // No kube_replicaset_owner series: the ReplicaSet name is <deployment>-<pod-template-hash>.
    const m = /^(.+)-[a-z0-9]{5,10}$/.exec(owner.name);
    return m ? { kind: 'Deployment', name: m[1] } : undefined;
  }
  if (owner.kind === 'Job') {
    const up = jobOwner.get(`${ns}/${owner.name}`);
    if (up?.kind === 'CronJob') return { kind: 'CronJob', name: up.name };
    return { kind: 'Job', name: owner.name };
  }
  const kind = KIND_OF_OWNER[owner.kind];
  return kind ? { kind, name: owner.name } : undefined;
}

/** The highest memory peak of the hour of `time` and the hour before. */
function peakNear(peaks: PeakSeries, time: number): number | undefined {
  const from = Math.floor(time / HOUR) * HOUR - 2 * HOUR;
  let best: number | undefined;
  for (const [s, v] of peaks.entries()) if (s >= from && s <= time && (best === undefined || v > best)) best = v;
  return best;
}

interface SpecTables {
  /** ns/pod → container → values per resource. */
  requests: Map<string, Map<string, Resource[]>>;
  limits: Map<string, Map<string, Resource[]>>;
  replicaSpec: Map<string, number>;
  hpaMin: Map<string, number>;
  hpaMax: Map<string, number>;
  hpaTarget: Map<string, { cpu?: number; memory?: number }>;
  hpaTargetRef: Map<string, { kind: string; name: string }>;
}

function currentSpec(w: WorkloadAcc, s: SpecTables): WorkloadSpec {
  const ns = w.ref.namespace;
  // Per container and resource: the value of the most recently seen pods (the newest ReplicaSet
  // after a rollout), the most common one among them.
  const accelerators = new Map<string, string>();
  const pick = (table: SpecTables['requests'], ctr: string): ContainerResources['requests'] => {
    const byResource = new Map<string, Array<{ t: number; value: number }>>();
    for (const pod of w.pods) {
      for (const r of table.get(`${ns}/${pod}`)?.get(ctr) ?? []) {
        let list = byResource.get(r.resource);
        if (!list) byResource.set(r.resource, list = []);
        list.push({ t: r.t, value: r.value });
      }
    }
    const out: ContainerResources['requests'] = {};
    let accelerator: string | undefined;
    for (const [resource, list] of byResource) {
      const newest = Math.max(...list.map(r => r.t));
      const counts = new Map<number, number>();
      for (const r of list) if (r.t === newest) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
      const value = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
      if (resource === 'cpu') out.cpuCores = value;
      else if (resource === 'memory') out.memoryBytes = value;
      else if ((accelerator = acceleratorResource(resource))) {
        out.gpus = (out.gpus ?? 0) + value;
        if (accelerator !== 'nvidia.com/gpu') accelerators.set(ctr, accelerator);
      }
    }
    return out;
  };
  const names = new Set<string>(w.containers.keys());
  // Containers known to kube-state-metrics (even without usage).
  for (const pod of w.pods) {
    for (const table of [s.requests, s.limits]) for (const ctr of table.get(`${ns}/${pod}`)?.keys() ?? []) names.add(ctr);
  }
  const containers: ContainerResources[] = [...names].filter(Boolean).sort().map(ctr => {
    const c: ContainerResources = { container: ctr, requests: pick(s.requests, ctr), limits: pick(s.limits, ctr) };
    const accelerator = accelerators.get(ctr);
    return accelerator ? { ...c, accelerator } : c;
  });
  const spec: WorkloadSpec = { ref: w.ref, containers };
  const replicas = s.replicaSpec.get(`${w.ref.kind}/${ns}/${w.ref.name}`);
  if (replicas !== undefined) spec.replicas = replicas;
  else if ((w.ref.kind === 'Rollout' || AI_KINDS.has(w.ref.kind)) && w.lastPods > 0) spec.replicas = w.lastPods;
  for (const [key, ref] of [...s.hpaMin.keys()].map(k => [k, s.hpaTargetRef.get(k)] as const)) {
    if (!key.startsWith(`${ns}/`)) continue;
    const hpaName = key.slice(ns.length + 1);
    const targets = ref ? ref.kind === w.ref.kind && ref.name === w.ref.name : hpaName === w.ref.name;
    if (!targets) continue;
    const hpa: HpaSpec = { minReplicas: s.hpaMin.get(key) ?? 1, maxReplicas: s.hpaMax.get(key) ?? s.hpaMin.get(key) ?? 1 };
    const t = s.hpaTarget.get(key);
    if (t?.cpu !== undefined) hpa.targetCPUUtilization = t.cpu;
    if (t?.memory !== undefined) hpa.targetMemoryUtilization = t.memory;
    spec.hpa = hpa;
  }
  return spec;
}
