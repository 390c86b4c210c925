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
import { CpuWindowSketches } from '../../recommend/model/cpu-window.ts';
import { PeakSeries } from '../../recommend/model/peak-series.ts';
import { budgetSlices, DEFAULT_SAMPLE_BUDGET, podBatches, splitOnTooManySamples, type Piece } from './budget.ts';
import { PrometheusClient, PrometheusQueryError, type ClientOptions, type QueryParams } from './client.ts';
import { progressReporter } from './progress.ts';
import {
  cpuQuery, eventsQuery, gpuInventoryQuery, gpuMemoryQuery, gpuUsageQuery, memoryQuery, ownerCountQuery, ownersQuery, podSpecQuery, queryContext,
  specQuery, stepWindow, TAG, throttlingQuery, type QueryContext,
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
  /** Prometheus's own query time, summed (from `stats`). */
  serverSeconds?: number;
  /** Samples read and peak samples of every query (from `stats`). */
  costs: Array<{ query: string; samplesRead: number; peakSamples: number }>;
  namespaces?: number;
}

const DAY = 86400;
/** The usage step by default (`prometheus.stepSeconds`), and the least: a step's rate needs two scrapes of its own. */
const DEFAULT_STEP = 180;
const MIN_STEP = 120;
/** The shortest scrape interval assumed for kube-state-metrics when planning the spec query under the budget. */
const KSM_LEAST_SCRAPE = 15;
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
  /** Unweighted window, last days and per-pod CPU (the engine's default basis). */
  window: CpuWindowSketches;
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
  /** Pods, with the last time their owner series was seen. */
  pods: Map<string, number>;
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

interface Resource { resource: string; value: number }

const KIND_OF_OWNER: Record<string, WorkloadKind | undefined> = {
  StatefulSet: 'StatefulSet', DaemonSet: 'DaemonSet', Job: 'Job', CronJob: 'CronJob', Deployment: 'Deployment', Rollout: 'Rollout',
};

export async function collectUsage(
  cluster: ClusterConfig,
  window: { start: number; end: number },
  options: CollectOptions = {},
): Promise<CollectResult> {
  const config = cluster.prometheus;
  // Each CPU step's rate reads the samples of that step alone, so a step must span two scrapes.
  const step = Math.max(config.stepSeconds ?? DEFAULT_STEP, MIN_STEP);
  const budget = config.maxQuerySamples ?? DEFAULT_SAMPLE_BUDGET;
  const x: QueryContext = queryContext(config, cluster.name);
  const client = new PrometheusClient(config, cluster.name, { fetch: options.fetch, ...options.client });
  const minHistory = options.minHistorySeconds ?? DAY;
  const cpuLayout = options.cpuHistogram ?? CPU_HISTOGRAM;
  const warnings: string[] = [];
  const start = Math.floor(window.start / step) * step;
  const end = Math.floor(window.end / step) * step;
  if (!(end > start)) throw new PrometheusQueryError(`empty usage window for cluster ${cluster.name}`, { status: 0, errorType: 'config', serverMessage: '', retryable: false });
  const reference = end;

  // Daily and hourly grids for the kube-state-metrics, event and memory queries.
  const dayEnd = end, dayStart = end - Math.max(1, Math.floor((end - start) / DAY)) * DAY + DAY;
  const hourEnd = Math.floor(end / HOUR) * HOUR, hourStart = Math.ceil((start + HOUR) / HOUR) * HOUR;

  let done = 0, total = 3 - 1;
  const progress = progressReporter({ quiet: options.quiet, onProgress: options.onProgress, cluster: cluster.name });
  const warn = (w: string[]) => { for (const m of w) if (!warnings.includes(m)) warnings.push(m); };
  /** One query, streamed into `sink`; its cost (from `stats`) goes to the progress line. */
  const run = async (kind: 'range' | 'instant', params: QueryParams, label: string, sink: SeriesSink): Promise<void> => {
    const s = await client.query(kind, params, label, sink);
    warn(s.warnings);
    const cost = s.samplesRead !== undefined ? ` (${s.samplesRead} samples read, peak ${s.peakSamples ?? 0})` : '';
    progress(++done, total, `${label}${cost}`);
  };
  /** A range query cut by the sample budget; halved again when the server's --query.max-samples refuses it. */
  const runRange = async (range: { start: number; end: number; step: number }, series: number, label: string, query: (step: number) => string, sink: (piece: Piece) => SeriesSink, after?: (piece: Piece) => void) => {
    if (range.end < range.start) return;
    for (const slice of budgetSlices(range.start - range.step, range.end, range.step, series, budget)) {
      await splitOnTooManySamples(slice, range.step, async piece => {
        const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
        await run('range', { query: query(range.step), start: piece.start, end: piece.end, step: range.step }, `${label} (${day(piece.start)}…${day(piece.end)})`, sink(piece));
        after?.(piece);
      }, () => {
        total++;
        warn([`Prometheus refused a query for loading too many samples (--query.max-samples): ${label} was split in time`]);
      });
    }
  };

  // ---- Phase 1: owners (which pods make which workload) and the current specs.
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
        else if (p[0] > prev.t && prev.kind === owner.kind && prev.name === owner.name) prev.t = p[0];
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
  // The spec query may come in pieces of the window, newest first: a series' newest value wins.
  const specSeen = new Set<string>();
  const specSink: SeriesSink = (labels, times, values) => {
    const p = lastPoint(times, values);
    if (!p) return;
    const signature = JSON.stringify(labels);
    if (specSeen.has(signature)) return;
    specSeen.add(signature);
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
        list.push({ resource: labels.resource ?? '', value: p[1] });
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

  /**
   * The specs: instant queries of the last value in a piece of the window, newest piece first (a
   * series' newest value wins). The pieces are short enough that one series' samples stay within
   * the budget; a piece Prometheus refuses for too many samples is halved.
   */
  const runSpec = async (from: number, to: number, label: string, query: (seconds: number) => string) => {
    const span = Math.max(HOUR, Math.floor(budget / 2) * KSM_LEAST_SCRAPE);
    const pieces: Array<{ time: number; seconds: number }> = [];
    for (let t = to; t > from; t -= span) pieces.push({ time: t, seconds: Math.min(span, t - from) });
    total += pieces.length;
    const one = async (piece: { time: number; seconds: number }): Promise<void> => {
      try {
        await run('instant', { query: query(piece.seconds), time: piece.time }, label, specSink);
      } catch (err) {
        if (!(err instanceof PrometheusQueryError && err.tooManySamples) || piece.seconds < 2 * MIN_STEP) throw err;
        total++;
        warn([`Prometheus refused a query for loading too many samples (--query.max-samples): ${label} was split in time`]);
        const half = Math.floor(piece.seconds / 2);
        await one({ time: piece.time, seconds: half });
        await one({ time: piece.time - half, seconds: piece.seconds - half });
      }
    };
    for (const piece of pieces) await one(piece);
  };

  // How many owner series there are decides how the owners query is cut: one cheap instant
  // query (a sample per live series) counts them.
  let ownerSeries = 0;
  await run('instant', { query: ownerCountQuery(x), time: end }, 'owner series count', (_l, _t, values) => { ownerSeries += values[0] > 0 ? values[0] : 0; });
  const dayRange = { start: dayStart, end: dayEnd, step: DAY };
  const phase1: Array<Promise<unknown>> = [
    // Pods come and go over the window: twice the live count leaves room for the churn.
    runRange(dayRange, 2 * ownerSeries + 1, 'owners (kube_pod_owner, kube_replicaset_owner, kube_job_owner)', s => ownersQuery(x, s), () => ownersSink),
    // The AI controllers' pod labels name the custom resource a pod belongs to (ai-owners.ts).
    runRange(dayRange, 2 * ownerSeries + 1, 'AI workload owners (kube_pod_labels)', s => aiPodLabelsQuery(x, stepWindow(s)), () => podLabelsSink),
    // Specs of everything alive in the window's last day; pods that ended earlier are asked for below.
    runSpec(Math.max(start, end - DAY), end, 'requests, limits, replicas and HPAs (kube-state-metrics)', seconds => specQuery(x, seconds)),
    runRange(dayRange, 2 * ownerSeries + 1, 'GPU inventory (DCGM)', s => gpuInventoryQuery(x, s), () => gpuSink),
  ];
  total += Math.max(0, budgetSlices(dayRange.start - DAY, dayRange.end, DAY, 2 * ownerSeries + 1, budget).length - 1) * 2;
  await settleAll(phase1);
  // Requests and limits of pods that ended before the last day (old ReplicaSets, Job runs): only theirs, over the rest of the window.
  const ended = [...podOwner.keys()].filter(key => !requests.has(key) && !limits.has(key)).sort();
  const endedByNamespace = new Map<string, string[]>();
  for (const key of ended) {
    const slash = key.indexOf('/');
    const list = endedByNamespace.get(key.slice(0, slash)) ?? [];
    list.push(key.slice(slash + 1));
    endedByNamespace.set(key.slice(0, slash), list);
  }
  for (const [ns, pods] of [...endedByNamespace].sort((a, b) => a[0].localeCompare(b[0]))) {
    for (let i = 0; i < pods.length; i += 500) {
      const batch = pods.slice(i, i + 500);
      await runSpec(start, Math.max(start, end - DAY), `requests and limits of ${batch.length} pods of ${ns} that ended before the last day`, seconds => podSpecQuery(x, ns, seconds, batch));
    }
  }

  // ---- Workloads from owners.
  const workloads = new Map<string, WorkloadAcc>();
  const podWorkload = new Map<string, WorkloadAcc>();
  const unowned: string[] = [];
  // Deployments and StatefulSets that have pods, even when an AI custom resource owns them.
  const controllers = new Set<string>();
  for (const [key, owner] of podOwner) {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash), pod = key.slice(slash + 1);
    const labels = podLabels.get(key);
    const controller = resolveOwner(ns, owner, rsOwner, jobOwner);
    if (controller) controllers.add(`${controller.kind}/${ns}/${controller.name}`);
    const resolved = (labels && aiOwnerFromLabels(labels)) || aiOwnerFromNames(owner, controller);
    if (!resolved) { unowned.push(`${key} (${owner.kind || 'no owner'})`); continue; }
    const ref: WorkloadRef = { cluster: cluster.name, namespace: ns, kind: resolved.kind, name: resolved.name };
    const id = workloadId(ref);
    let w = workloads.get(id);
    if (!w) {
      w = {
        ref, containers: new Map(), totalCpu: new DecayingHistogram(cpuLayout, reference), replicas: new PeakSeries(HOUR, 24 * 35),
        pods: new Map(), lastPods: 0, lastPodsTime: -Infinity,
      };
      workloads.set(id, w);
    }
    w.pods.set(pod, owner.t);
    podWorkload.set(key, w);
  }
  if (unowned.length) warn([`${unowned.length} pods without a workload owner were skipped (bare pods, static pods): ${unowned.slice(0, 5).join(', ')}${unowned.length > 5 ? ', …' : ''}`]);
  if (podOwner.size === 0) warn([`no kube_pod_owner series for cluster ${cluster.name}${x.clusterMatcher ? ` (${x.clusterMatcher})` : ''} in the window: is kube-state-metrics scraped?`]);

  const containerOf = (w: WorkloadAcc, name: string): ContainerAcc => {
    let c = w.containers.get(name);
    if (!c) {
      c = {
        name, cpu: new DecayingHistogram(cpuLayout, reference), window: new CpuWindowSketches(reference), memory: new PeakSeries(HOUR, 24 * 35),
        first: Infinity, last: -Infinity, present: 0, restarts: 0, oom: [], throttled: 0, periods: 0,
      };
      w.containers.set(name, c);
    }
    return c;
  };
  const gpuOf = (c: ContainerAcc): GpuAcc => c.gpu ??= {
    util: new DecayingHistogram(GPU_UTIL_HISTOGRAM, reference), memory: new PeakSeries(HOUR, 24 * 35),
    power: new DecayingHistogram(POWER_HISTOGRAM, reference), gpusPerPod: 0, totalBytes: 0,
  };
  const gpusOfPod = new Map<string, number>();
  for (const [key, inv] of gpuInventory) {
    const i = key.lastIndexOf('/');
    gpusOfPod.set(key.slice(0, i), (gpusOfPod.get(key.slice(0, i)) ?? 0) + inv.gpus.size);
    const w = podWorkload.get(key.slice(0, i));
    if (!w) continue;
    const g = gpuOf(containerOf(w, key.slice(i + 1)));
    g.gpusPerPod = Math.max(g.gpusPerPod, inv.gpus.size);
    g.model ??= inv.model;
    g.totalBytes = Math.max(g.totalBytes, inv.totalMiB * MIB);
  }

  // ---- Phase 2: per namespace (or batch of its workloads), its queries one after the other
  // (so that sums are always made in the same order), namespaces in parallel.
  const byNamespace = new Map<string, WorkloadAcc[]>();
  for (const w of [...workloads.values()].sort((a, b) => workloadId(a.ref).localeCompare(workloadId(b.ref)))) {
    const list = byNamespace.get(w.ref.namespace) ?? [];
    list.push(w);
    byNamespace.set(w.ref.namespace, list);
  }
  const namespaces = [...byNamespace.keys()].sort();
  const unknownPods = new Set<string>();
  /** Series a workload brings to a per-container query: its pods × containers (from the specs), and two per GPU (utilisation, power). */
  const seriesOf = (w: WorkloadAcc): number => {
    let n = 0;
    for (const pod of w.pods.keys()) {
      const key = `${w.ref.namespace}/${pod}`;
      n += Math.max(1, requests.get(key)?.size ?? 0, limits.get(key)?.size ?? 0) + 2 * (gpusOfPod.get(key) ?? 0);
    }
    return n;
  };
  const resolve = (labels: Record<string, string>): ContainerAcc | undefined => {
    const podKey = `${labels[x.ns]}/${labels[x.pod]}`;
    const w = podWorkload.get(podKey);
    if (!w) { unknownPods.add(podKey); return undefined; }
    return containerOf(w, labels[x.ctr] ?? '');
  };

  /** Restart counter readings per step: a rise between consecutive readings is a restart (or several). */
  const eventsSinkFor = (state: Map<string, number>, rises: Array<{ key: string; c: ContainerAcc; time: number; count: number }>, ooms: Set<string>): SeriesSink => (labels, times, values) => {
    const key = `${labels[x.ns]}/${labels[x.pod]}/${labels[x.ctr] ?? ''}`;
    if (labels[TAG] === 'oom') {
      for (let i = 0; i < times.length; i++) if (values[i] > 0) ooms.add(`${key}@${times[i]}`);
      return;
    }
    const c = resolve(labels);
    if (!c) return;
    let prev = state.get(key);
    for (let i = 0; i < times.length; i++) {
      const v = values[i];
      if (!(v >= 0)) continue;
      if (prev !== undefined && v > prev) rises.push({ key, c, time: times[i], count: Math.round(v - prev) });
      prev = v;
    }
    if (prev !== undefined) state.set(key, prev);
  };

  const throttlingSink: SeriesSink = (labels, _times, values) => {
    const c = resolve(labels);
    if (!c) return;
    let sum = 0;
    for (let i = 0; i < values.length; i++) if (values[i] >= 0 && values[i] < Infinity) sum += values[i];
    if (labels[TAG] === 'thr') c.throttled += sum; else c.periods += sum;
  };

  // Hourly peaks, stamped a second before the step: max_over_time's window ends at the step.
  const memorySink: SeriesSink = (labels, times, values) => {
    const c = resolve(labels);
    if (c) addPeaks(c.memory, times, values, 1);
  };
  const gpuMemorySink: SeriesSink = (labels, times, values) => {
    const c = resolve(labels);
    if (c) addPeaks(gpuOf(c).memory, times, values, MIB);
  };

  /** CPU and GPU at the usage step; per workload and step the summed CPU and pods seen, for replica history and total demand. */
  const cpuRun = () => {
    const local = new Map<WorkloadAcc, SliceSums>();
    let slice: Piece = { start: 0, end: 0, points: 0 };
    // One sink for all the slices (a closure per slice would be compiled once per slice).
    const seriesSink: SeriesSink = (labels, times, values) => {
      const c = resolve(labels);
      if (!c) return;
      const w = podWorkload.get(`${labels[x.ns]}/${labels[x.pod]}`)!;
      const n = slice.points, len = times.length;
      switch (labels[TAG] ?? 'cpu') {
        case 'cpu': {
          let l = local.get(w);
          if (!l) local.set(w, l = { sum: new Float64Array(n), pods: new Uint16Array(n), counts: new Map() });
          addCpuSeries(c, l, labels[x.pod], times, values, slice, step);
          break;
        }
        case 'gutil': { const g = gpuOf(c); for (let i = 0; i < len; i++) g.util.add(values[i], times[i]); break; }
        case 'gpow': { const g = gpuOf(c); for (let i = 0; i < len; i++) g.power.add(values[i], times[i]); break; }
      }
    };
    const sink = (piece: Piece): SeriesSink => {
      slice = piece;
      local.clear();
      return seriesSink;
    };
    const after = () => {
      for (const [w, sums] of local) addSliceSums(w, sums, slice, step);
      local.clear();
    };
    return { sink, after };
  };

  // Vendors' exporters and serving engines (accelerators.ts): one query at the usage step per
  // namespace whose pods request an accelerator.
  const accSink = acceleratorSink(x, (ns, pod, ctr) => {
    const w = podWorkload.get(`${ns}/${pod}`);
    return w ? gpuOf(containerOf(w, ctr)) : undefined;
  });
  const srvSink = servingSink(x, (ns, pod) => {
    const w = podWorkload.get(`${ns}/${pod}`);
    return w ? (w.serving ??= new ServingAcc(reference)) : undefined;
  });
  const bothSink: SeriesSink = (labels, times, values) => (SERVING_TAGS.test(labels[TAG] ?? '') ? srvSink : accSink)(labels, times, values);
  const acceleratorNamespaces = new Set<string>();
  for (const [key, byContainer] of requests) {
    if ([...byContainer.values()].some(list => list.some(r => acceleratorResource(r.resource)))) acceleratorNamespaces.add(key.slice(0, key.indexOf('/')));
  }

  const namespaceTasks: Array<() => Promise<void>> = [];
  for (const ns of namespaces) {
    const list = byNamespace.get(ns)!;
    const batches = podBatches(list.map(w => ({ pods: [...w.pods.keys()].sort(), series: seriesOf(w) })), budget);
    const accelerators = acceleratorNamespaces.has(ns);
    for (const batch of batches) {
      const which = batch.pods ? ` (${batch.pods.length} pods)` : '';
      const series = batch.series;
      // Restarts and OOM kills: hourly; throttling: daily; CPU: the usage step; memory: hourly.
      const gpus = (batch.pods ?? list.flatMap(w => [...w.pods.keys()])).some(pod => gpusOfPod.has(`${ns}/${pod}`));
      const hours = budgetSlices(hourStart - HOUR, hourEnd, HOUR, series, budget).length;
      const usageSteps = budgetSlices(start, end, step, series, budget).length;
      total += (gpus ? 3 : 2) * hours + budgetSlices(dayStart - DAY, dayEnd, DAY, series, budget).length + (gpus ? 2 : 1) * usageSteps + (accelerators && batch === batches[0] ? usageSteps : 0);
      namespaceTasks.push(async () => {
        const restarts = new Map<string, number>(), ooms = new Set<string>();
        const rises: Array<{ key: string; c: ContainerAcc; time: number; count: number }> = [];
        const events = eventsSinkFor(restarts, rises, ooms);
        await runRange({ start: hourStart, end: hourEnd, step: HOUR }, series, `restarts and OOM kills of ${ns}${which}`, () => eventsQuery(x, ns, batch.pods), () => events);
        // A rise is an OOM kill when the last termination reason was OOMKilled in that hour.
        for (const r of rises) {
          r.c.restarts += r.count;
          if (ooms.has(`${r.key}@${r.time}`)) r.c.oom.push({ time: r.time, count: r.count });
        }
        await runRange(dayRange, series, `CPU throttling of ${ns}${which}`, s => throttlingQuery(x, ns, s, batch.pods), () => throttlingSink);
        const cpu = cpuRun();
        await runRange({ start: start + step, end, step }, series, `CPU usage of ${ns}${which}`, s => cpuQuery(x, ns, s, batch.pods), cpu.sink, cpu.after);
        await runRange({ start: hourStart, end: hourEnd, step: HOUR }, series, `memory usage of ${ns}${which}`, s => memoryQuery(x, ns, s, batch.pods), () => memorySink);
        if (gpus) {
          await runRange({ start: start + step, end, step }, series, `GPU usage of ${ns}${which}`, s => gpuUsageQuery(x, ns, s, batch.pods), cpu.sink, cpu.after);
          await runRange({ start: hourStart, end: hourEnd, step: HOUR }, series, `GPU memory of ${ns}${which}`, s => gpuMemoryQuery(x, ns, s, batch.pods), () => gpuMemorySink);
        }
        // Namespace-wide (not per pod batch): once, with the first batch.
        if (accelerators && batch === batches[0]) {
          await runRange({ start: start + step, end, step }, series, `accelerators and serving engines of ${ns}`, s => `${acceleratorUsageQuery(x, ns, stepWindow(s))}\nor ${servingQuery(x, ns, stepWindow(s))}`, () => bothSink);
        }
      });
    }
  }
  progress(done, total, 'usage');
  await settleAll(namespaceTasks.map(t => t()));
  if (unknownPods.size) warn([`${unknownPods.size} pods with usage but no kube_pod_owner series were skipped: ${[...unknownPods].slice(0, 5).join(', ')}${unknownPods.size > 5 ? ', …' : ''}`]);

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
        ...c.window.toUsage(),
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
    // A standalone Job runs once, often for less than a day: it is sized from its own runs.
    const needed = w.ref.kind === 'Job' ? 0 : minHistory;
    if (containers.length === 0 || have < needed) {
      profile.containers = [];
      profile.insufficient = {
        haveSeconds: have, needSeconds: needed,
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
  // Deployments and StatefulSets without a pod in the window (scaled to 0): listed, never silently absent.
  for (const [key, replicas] of replicaSpec) {
    const [kind, ns, ...rest] = key.split('/');
    const ref: WorkloadRef = { cluster: cluster.name, namespace: ns, kind: kind as WorkloadKind, name: rest.join('/') };
    if (workloads.has(workloadId(ref)) || controllers.has(key)) continue;
    profiles.push({
      ref, current: { ref, containers: [], replicas }, containers: [],
      insufficient: { haveSeconds: 0, needSeconds: minHistory, reason: 'no pods in the window' },
    });
  }
  profiles.sort((a, b) => workloadId(a.ref).localeCompare(workloadId(b.ref)));
  progress(total, total, 'done');
  return {
    profiles, queries: client.queries, warnings, namespaces: namespaces.length, costs: client.costs,
    ...(client.serverSeconds > 0 ? { serverSeconds: client.serverSeconds } : {}),
  };
}

/** Per workload and step of one CPU slice: summed CPU and pods seen (the most pods any of its containers had a sample from). */
interface SliceSums { sum: Float64Array; pods: Uint16Array; counts: Map<ContainerAcc, Uint16Array> }

// The per-sample loops below are module functions, not closures made per query: V8 compiles
// each closure instance on its own, so a closure per CPU slice was compiled some 140 times a run.

/** One CPU series of a slice into its container's sketches and its workload's per-step sums. */
function addCpuSeries(c: ContainerAcc, l: SliceSums, pod: string | undefined, times: Float64Array, values: Float64Array, slice: Piece, step: number): void {
  const n = slice.points, len = times.length, first = slice.start;
  let counts = l.counts.get(c);
  if (!counts) l.counts.set(c, counts = new Uint16Array(n));
  const { sum, pods } = l;
  let runStart = 0, present = 0, firstSeen = Infinity, lastSeen = -Infinity;
  for (let i = 0; i < len; i++) {
    const v = values[i], t = times[i];
    if (i > runStart && t - times[i - 1] !== step) {
      c.window.addSeries(pod, values.subarray(runStart, i), times[runStart], step, c.cpu);
      runStart = i;
    }
    if (!(v >= 0) || v === Infinity) continue;
    const k = Math.round((t - first) / step);
    if (k >= 0 && k < n) {
      sum[k] += v;
      const count = ++counts[k];
      if (count === 1) present++; // the first pod of this container at this step
      if (count > pods[k]) pods[k] = count;
    }
    if (t < firstSeen) firstSeen = t;
    if (t > lastSeen) lastSeen = t;
  }
  if (len > runStart) c.window.addSeries(pod, values.subarray(runStart, len), times[runStart], step, c.cpu);
  c.present += present;
  if (firstSeen < c.first) c.first = firstSeen;
  if (lastSeen > c.last) c.last = lastSeen;
}

/** A slice's per-step sums into the workload's total CPU and replica history. */
function addSliceSums(w: WorkloadAcc, { sum, pods }: SliceSums, slice: Piece, step: number): void {
  for (let k = 0; k < slice.points; k++) {
    if (pods[k] === 0) continue;
    const t = slice.start + k * step;
    w.totalCpu.add(sum[k], t);
    w.replicas.add(pods[k], t - 1);
    if (t > w.lastPodsTime) { w.lastPodsTime = t; w.lastPods = pods[k]; }
  }
}

/** Peaks at the end of each step (× scale), a second before it: the step's window ends there. */
function addPeaks(peaks: PeakSeries, times: Float64Array, values: Float64Array, scale: number): void {
  for (let i = 0; i < times.length; i++) if (values[i] >= 0) peaks.add(values[i] * scale, times[i] - 1);
}

/** Waits for every task; the first failure is thrown after the others settle (no stray requests). */
async function settleAll(tasks: Array<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find(r => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

export function resolveOwner(
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
    for (const [pod, t] of w.pods) {
      for (const r of table.get(`${ns}/${pod}`)?.get(ctr) ?? []) {
        let list = byResource.get(r.resource);
        if (!list) byResource.set(r.resource, list = []);
        list.push({ t, value: r.value });
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
  for (const pod of w.pods.keys()) {
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
