// A real Prometheus for tests, the demo recorder and the benchmark: series are written as
// OpenMetrics text from a small "world" description (workloads, pods, containers, usage
// functions), backfilled with `promtool tsdb create-blocks-from openmetrics`, and served by
// `prometheus` on 127.0.0.1 at a free port with a temporary data directory.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function prometheusBinaries(): { prometheus: string; promtool: string } | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/local/bin']);
  const find = (name: string) => dirs.map(d => path.join(d, name)).find(p => existsSync(p));
  const prometheus = find('prometheus'), promtool = find('promtool');
  return prometheus && promtool ? { prometheus, promtool } : undefined;
}

// ---------------------------------------------------------------------------
// The world.

export interface WorldGpu {
  /** Which exporter reports it (default NVIDIA DCGM; AMD's device metrics exporter otherwise). */
  vendor?: 'nvidia' | 'amd';
  uuid: string;
  model: string;
  totalMiB: number;
  util: (t: number) => number;
  usedMiB: (t: number) => number;
  watts: (t: number) => number;
}

export interface WorldContainer {
  name: string;
  requests?: { cpu?: number; memory?: number; gpu?: number };
  limits?: { cpu?: number; memory?: number; gpu?: number };
  /** Cores at time t (seconds). */
  cpu: (t: number) => number;
  /** Working set bytes at time t. */
  memory: (t: number) => number;
  /** Times of OOM kills (the restart counter rises and the last reason becomes OOMKilled). */
  oomKills?: number[];
  /** Times of other restarts (reason Error). */
  restarts?: number[];
  /** Share of CFS periods throttled. */
  throttled?: number;
  gpus?: WorldGpu[];
  /** Extended resource the `gpu` requests and limits count (default nvidia.com/gpu). */
  accelerator?: string;
}

/** A vLLM server's own gauges per pod (i = pod index). */
export interface WorldServing {
  /** KV-cache usage 0..1. */
  kv: (t: number, i: number) => number;
  running: (t: number, i: number) => number;
  waiting: (t: number, i: number) => number;
  /** Time to first token of the requests of the interval, seconds, and requests per second. */
  ttft: (t: number, i: number) => number;
  requestsPerSecond: number;
}

export interface WorldPod {
  name: string;
  start: number;
  end: number;
  containers: WorldContainer[];
  node?: string;
}

export interface WorldWorkload {
  cluster?: string;
  namespace: string;
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job' | 'Rollout';
  name: string;
  /** Spec replicas (Deployment, StatefulSet). */
  replicas?: number;
  hpa?: { min: number; max: number; cpu?: number; memory?: number };
  pods: WorldPod[];
  /** kube_pod_owner of every pod, when not the kind's usual one (a RayCluster, a LeaderWorkerSet's StatefulSet). */
  owner?: { kind: string; name: string };
  /** Pod labels exported as kube_pod_labels (label_<sanitised key>). */
  podLabels?: Record<string, string>;
  serving?: WorldServing;
  /** When the workload's own series (replicas, HPA) exist; default: from its first pod's start to its last pod's end. */
  span?: { start: number; end: number };
}

export interface WorldOptions {
  start: number;
  end: number;
  /** Scrape interval of cAdvisor and DCGM series, seconds. */
  scrape: number;
  /** Scrape interval of kube-state-metrics series (default: scrape). */
  ksmScrape?: number;
  clusterLabel?: string;
  /** Other gauges, scraped like kube-state-metrics (e.g. Argo CD's argocd_app_info), grouped by metric. */
  gauges?: Array<{ metric: string; labels: Record<string, string>; start: number; end: number; value: number }>;
}

/** Buffered writer of OpenMetrics text. */
export class OpenMetricsWriter {
  private readonly fd: number;
  private buf = '';
  constructor(file: string) {
    this.fd = openSync(file, 'w');
  }
  write(text: string): void {
    this.buf += text;
    if (this.buf.length > 1 << 20) this.flush();
  }
  family(name: string, type: 'gauge' | 'counter'): void {
    this.write(`# TYPE ${type === 'counter' ? name.replace(/_total$/, '') : name} ${type}\n`);
  }
  private flush(): void {
    writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): void {
    this.write('# EOF\n');
    this.flush();
    closeSync(this.fd);
  }
}

function labelText(labels: Record<string, string | undefined>): string {
  return Object.entries(labels).filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',');
}

/** Sample times of a pod at an interval, aligned to multiples of the interval. */
function times(pod: { start: number; end: number }, opts: WorldOptions, every: number): number[] {
  const out: number[] = [];
  const from = Math.max(pod.start, opts.start), to = Math.min(pod.end, opts.end);
  for (let t = Math.ceil(from / every) * every; t < to; t += every) out.push(t);
  return out;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
}

/** Writes every series of the world as OpenMetrics text (families contiguous, samples in time order). */
export function writeWorld(file: string, workloads: WorldWorkload[], opts: WorldOptions): void {
  const w = new OpenMetricsWriter(file);
  const ksm = opts.ksmScrape ?? opts.scrape;
  const cl = (wl: WorldWorkload) => (opts.clusterLabel ? { [opts.clusterLabel]: wl.cluster ?? '' } : {});
  const pods = workloads.flatMap(wl => wl.pods.map(pod => ({ wl, pod })));
  const containers = pods.flatMap(({ wl, pod }) => pod.containers.map(c => ({ wl, pod, c })));
  const series = (name: string, labels: Record<string, string | undefined>, ts: number[], value: (t: number, i: number) => number | undefined) => {
    const l = `${name}{${labelText(labels)}} `;
    let text = '';
    for (let i = 0; i < ts.length; i++) {
      const v = value(ts[i], i);
      if (v === undefined || Number.isNaN(v)) continue;
      text += `${l}${num(v)} ${ts[i]}\n`;
      if (text.length > 1 << 16) { w.write(text); text = ''; }
    }
    w.write(text);
  };
  const podLabels = (wl: WorldWorkload, pod: WorldPod) => ({ ...cl(wl), namespace: wl.namespace, pod: pod.name });

  // cAdvisor
  w.family('container_cpu_usage_seconds_total', 'counter');
  for (const { wl, pod, c } of containers) {
    const ts = times(pod, opts, opts.scrape);
    let acc = 0, prev = ts[0];
    // Each scrape adds the cores of the interval that just ended (piecewise constant usage).
    series('container_cpu_usage_seconds_total', { ...podLabels(wl, pod), container: c.name, image: `example/${c.name}` }, ts, t => {
      const cores = c.cpu(t - (t - prev) / 2 || t);
      const dt = t - prev;
      prev = t;
      if (!Number.isFinite(cores)) return undefined; // a scrape that failed: no sample
      acc += cores * dt;
      return acc;
    });
  }
  w.family('container_memory_working_set_bytes', 'gauge');
  for (const { wl, pod, c } of containers) {
    series('container_memory_working_set_bytes', { ...podLabels(wl, pod), container: c.name, image: `example/${c.name}` }, times(pod, opts, opts.scrape), t => Math.round(c.memory(t)));
  }
  for (const [metric, share] of [['container_cpu_cfs_periods_total', 1], ['container_cpu_cfs_throttled_periods_total', -1]] as const) {
    w.family(metric, 'counter');
    for (const { wl, pod, c } of containers) {
      if (c.throttled === undefined) continue;
      const ts = times(pod, opts, opts.scrape);
      const t0 = ts[0];
      series(metric, { ...podLabels(wl, pod), container: c.name }, ts, t => Math.round(((t - t0) * 10) * (share === 1 ? 1 : c.throttled!)));
    }
  }

  // kube-state-metrics
  w.family('kube_pod_owner', 'gauge');
  for (const { wl, pod } of pods) {
    let kind: string = wl.kind, owner = wl.name;
    if (wl.owner) { kind = wl.owner.kind; owner = wl.owner.name; }
    else if (wl.kind === 'Deployment' || wl.kind === 'Rollout') { kind = 'ReplicaSet'; owner = replicaSetOf(wl, pod); }
    if (wl.kind === 'CronJob') { kind = 'Job'; owner = jobOf(pod); }
    series('kube_pod_owner', { ...podLabels(wl, pod), owner_kind: kind, owner_name: owner, owner_is_controller: 'true' }, times(pod, opts, ksm), () => 1);
  }
  w.family('kube_replicaset_owner', 'gauge');
  for (const wl of workloads.filter(x => (x.kind === 'Deployment' || x.kind === 'Rollout') && !x.owner)) {
    for (const rs of new Set(wl.pods.map(p => replicaSetOf(wl, p)))) {
      const span = spanOf(wl.pods.filter(p => replicaSetOf(wl, p) === rs));
      series('kube_replicaset_owner', { ...cl(wl), namespace: wl.namespace, replicaset: rs, owner_kind: wl.kind, owner_name: wl.name, owner_is_controller: 'true' }, times(span, opts, ksm), () => 1);
    }
  }
  w.family('kube_job_owner', 'gauge');
  for (const wl of workloads.filter(x => x.kind === 'CronJob')) {
    for (const pod of wl.pods) {
      series('kube_job_owner', { ...cl(wl), namespace: wl.namespace, job_name: jobOf(pod), owner_kind: 'CronJob', owner_name: wl.name, owner_is_controller: 'true' }, times(pod, opts, ksm), () => 1);
    }
  }
  for (const which of ['requests', 'limits'] as const) {
    const metric = `kube_pod_container_resource_${which}`;
    w.family(metric, 'gauge');
    for (const { wl, pod, c } of containers) {
      const r = c[which] ?? {};
      const ts = times(pod, opts, ksm);
      if (r.cpu !== undefined) series(metric, { ...podLabels(wl, pod), container: c.name, node: pod.node, resource: 'cpu', unit: 'core' }, ts, () => r.cpu);
      if (r.memory !== undefined) series(metric, { ...podLabels(wl, pod), container: c.name, node: pod.node, resource: 'memory', unit: 'byte' }, ts, () => r.memory);
      const gpuResource = (c.accelerator ?? 'nvidia.com/gpu').replace(/[^a-zA-Z0-9_]/g, '_');
      if (r.gpu !== undefined) series(metric, { ...podLabels(wl, pod), container: c.name, node: pod.node, resource: gpuResource, unit: 'integer' }, ts, () => r.gpu);
    }
  }
  w.family('kube_pod_container_status_restarts_total', 'counter');
  for (const { wl, pod, c } of containers) {
    const all = [...(c.oomKills ?? []), ...(c.restarts ?? [])].sort((a, b) => a - b);
    series('kube_pod_container_status_restarts_total', { ...podLabels(wl, pod), container: c.name }, times(pod, opts, ksm), t => all.filter(k => k <= t).length);
  }
  w.family('kube_pod_container_status_last_terminated_reason', 'gauge');
  for (const { wl, pod, c } of containers) {
    const all = [...(c.oomKills ?? []).map(t => ({ t, reason: 'OOMKilled' })), ...(c.restarts ?? []).map(t => ({ t, reason: 'Error' }))].sort((a, b) => a.t - b.t);
    for (const reason of ['OOMKilled', 'Error']) {
      // Only the current reason is exported, as kube-state-metrics does.
      const ts = times(pod, opts, ksm).filter(t => {
        const last = all.filter(e => e.t <= t).at(-1);
        return last?.reason === reason;
      });
      if (ts.length) series('kube_pod_container_status_last_terminated_reason', { ...podLabels(wl, pod), container: c.name, reason }, ts, () => 1);
    }
  }
  const workloadSpan = (wl: WorldWorkload) => wl.span ?? spanOf(wl.pods);
  w.family('kube_deployment_spec_replicas', 'gauge');
  for (const wl of workloads.filter(x => x.kind === 'Deployment' && x.replicas !== undefined)) {
    series('kube_deployment_spec_replicas', { ...cl(wl), namespace: wl.namespace, deployment: wl.name }, times(workloadSpan(wl), opts, ksm), () => wl.replicas);
  }
  w.family('kube_statefulset_replicas', 'gauge');
  for (const wl of workloads.filter(x => x.kind === 'StatefulSet' && x.replicas !== undefined)) {
    series('kube_statefulset_replicas', { ...cl(wl), namespace: wl.namespace, statefulset: wl.name }, times(workloadSpan(wl), opts, ksm), () => wl.replicas);
  }
  const hpas = workloads.filter(x => x.hpa);
  const hpaLabels = (wl: WorldWorkload) => ({ ...cl(wl), namespace: wl.namespace, horizontalpodautoscaler: wl.name });
  w.family('kube_horizontalpodautoscaler_info', 'gauge');
  for (const wl of hpas) series('kube_horizontalpodautoscaler_info', { ...hpaLabels(wl), scaletargetref_api_version: 'apps/v1', scaletargetref_kind: wl.kind, scaletargetref_name: wl.name }, times(workloadSpan(wl), opts, ksm), () => 1);
  w.family('kube_horizontalpodautoscaler_spec_min_replicas', 'gauge');
  for (const wl of hpas) series('kube_horizontalpodautoscaler_spec_min_replicas', hpaLabels(wl), times(workloadSpan(wl), opts, ksm), () => wl.hpa!.min);
  w.family('kube_horizontalpodautoscaler_spec_max_replicas', 'gauge');
  for (const wl of hpas) series('kube_horizontalpodautoscaler_spec_max_replicas', hpaLabels(wl), times(workloadSpan(wl), opts, ksm), () => wl.hpa!.max);
  w.family('kube_horizontalpodautoscaler_spec_target_metric', 'gauge');
  for (const wl of hpas) {
    for (const metric of ['cpu', 'memory'] as const) {
      const v = wl.hpa![metric];
      if (v !== undefined) series('kube_horizontalpodautoscaler_spec_target_metric', { ...hpaLabels(wl), metric_name: metric, metric_target_type: 'utilization' }, times(workloadSpan(wl), opts, ksm), () => v);
    }
  }

  // Pod labels (kube-state-metrics with --metric-labels-allowlist)
  w.family('kube_pod_labels', 'gauge');
  for (const { wl, pod } of pods.filter(p => p.wl.podLabels)) {
    const labels = Object.fromEntries(Object.entries(wl.podLabels!).map(([k, v]) => [`label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`, v]));
    series('kube_pod_labels', { ...podLabels(wl, pod), ...labels }, times(pod, opts, ksm), () => 1);
  }

  // vLLM's own metrics
  const servingPods = pods.flatMap(({ wl, pod }) => (wl.serving ? [{ wl, pod, s: wl.serving, i: wl.pods.indexOf(pod) }] : []));
  const vllmLabels = (wl: WorldWorkload, pod: WorldPod) => ({ ...podLabels(wl, pod), model_name: 'demo-model', engine: '0' });
  for (const [metric, f] of [
    ['vllm:kv_cache_usage_perc', (s: WorldServing, t: number, i: number) => Math.round(s.kv(t, i) * 10000) / 10000],
    ['vllm:num_requests_running', (s: WorldServing, t: number, i: number) => Math.round(s.running(t, i))],
    ['vllm:num_requests_waiting', (s: WorldServing, t: number, i: number) => Math.round(s.waiting(t, i))],
  ] as const) {
    w.family(metric, 'gauge');
    for (const { wl, pod, s, i } of servingPods) series(metric, vllmLabels(wl, pod), times(pod, opts, opts.scrape), t => f(s, t, i));
  }
  // TTFT histogram buckets as cumulative counts (each interval's requests land at its TTFT).
  const LE = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'];
  w.family('vllm:time_to_first_token_seconds_bucket', 'gauge');
  for (const { wl, pod, s, i } of servingPods) {
    const ts = times(pod, opts, opts.scrape);
    for (const le of LE) {
      let acc = 0, prev = ts[0];
      series('vllm:time_to_first_token_seconds_bucket', { ...vllmLabels(wl, pod), le }, ts, t => {
        const n = s.requestsPerSecond * (t - prev);
        prev = t;
        if (le === '+Inf' || s.ttft(t, i) <= Number(le)) acc += n;
        return Math.round(acc);
      });
    }
  }

  // Other gauges (Argo CD…), one family per metric.
  for (const metric of [...new Set((opts.gauges ?? []).map(g => g.metric))]) {
    w.family(metric, 'gauge');
    for (const g of (opts.gauges ?? []).filter(x => x.metric === metric)) series(metric, g.labels, times(g, opts, ksm), () => g.value);
  }

  // AMD device metrics exporter
  const amdSeries = containers.flatMap(({ wl, pod, c }) => (c.gpus ?? []).map((g, i) => ({ wl, pod, c, g, i }))).filter(x => x.g.vendor === 'amd');
  const amd: Array<[string, (g: WorldGpu, t: number) => number]> = [
    ['gpu_gfx_activity', (g, t) => Math.round(g.util(t))],
    ['gpu_used_vram', (g, t) => Math.round(g.usedMiB(t))],
    ['gpu_total_vram', g => g.totalMiB],
    ['gpu_package_power', (g, t) => Math.round(g.watts(t))],
  ];
  for (const [metric, f] of amd) {
    w.family(metric, 'gauge');
    for (const { wl, pod, c, g, i } of amdSeries) {
      series(metric, { ...cl(wl), gpu_id: String(i), serial_number: g.uuid, card_series: g.model, hostname: pod.node ?? 'node-gpu', namespace: wl.namespace, pod: pod.name, container: c.name }, times(pod, opts, opts.scrape), t => f(g, t));
    }
  }

  // NVIDIA DCGM exporter
  const gpuSeries = containers.flatMap(({ wl, pod, c }) => (c.gpus ?? []).map((g, i) => ({ wl, pod, c, g, i }))).filter(x => (x.g.vendor ?? 'nvidia') === 'nvidia');
  const dcgm: Array<[string, (g: WorldGpu, t: number) => number]> = [
    ['DCGM_FI_DEV_GPU_UTIL', (g, t) => Math.round(g.util(t))],
    ['DCGM_FI_DEV_FB_USED', (g, t) => Math.round(g.usedMiB(t))],
    ['DCGM_FI_DEV_FB_FREE', (g, t) => g.totalMiB - Math.round(g.usedMiB(t))],
    ['DCGM_FI_DEV_POWER_USAGE', (g, t) => Math.round(g.watts(t) * 1000) / 1000],
  ];
  for (const [metric, f] of dcgm) {
    w.family(metric, 'gauge');
    for (const { wl, pod, c, g, i } of gpuSeries) {
      series(metric, {
        ...cl(wl), gpu: String(i), UUID: g.uuid, device: `nvidia${i}`, modelName: g.model, Hostname: pod.node ?? 'node-gpu',
        namespace: wl.namespace, pod: pod.name, container: c.name,
      }, times(pod, opts, opts.scrape), t => f(g, t));
    }
  }
  w.close();
}

function spanOf(pods: Array<{ start: number; end: number }>): { start: number; end: number } {
  return { start: Math.min(...pods.map(p => p.start)), end: Math.max(...pods.map(p => p.end)) };
}

/** Pod names of Deployments are <rs>-<5 chars>, with <rs> = <name>-<hash>. */
export function replicaSetOf(wl: WorldWorkload, pod: WorldPod): string {
  if (pod.name.startsWith(`${wl.name}-`)) {
    const rest = pod.name.slice(wl.name.length + 1).split('-');
    if (rest.length >= 2) return `${wl.name}-${rest[0]}`;
  }
  return `${wl.name}-5d8f7c9b4`;
}

/** Pod names of CronJob runs are <job>-<5 chars>. */
function jobOf(pod: WorldPod): string {
  return pod.name.replace(/-[a-z0-9]{5}$/, '');
}

// ---------------------------------------------------------------------------
// Backfill and serve.

/** Writes TSDB blocks for the OpenMetrics file into dataDir. */
export async function backfill(openMetricsFile: string, dataDir: string, options: { maxBlockDuration?: string } = {}): Promise<void> {
  const bins = prometheusBinaries();
  if (!bins) throw new Error('promtool not found (apt-get install prometheus)');
  mkdirSync(dataDir, { recursive: true });
  await run(bins.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', `--max-block-duration=${options.maxBlockDuration ?? '2400h'}`, openMetricsFile, dataDir], { maxBuffer: 64 * 2 ** 20 });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface PrometheusServer {
  url: string;
  dataDir: string;
  process: ChildProcess;
  close(): Promise<void>;
}

/** Starts Prometheus on a prepared data dir and waits until it answers queries. */
export async function startPrometheus(dataDir: string, options: { extraArgs?: string[]; removeDataDir?: boolean } = {}): Promise<PrometheusServer> {
  const bins = prometheusBinaries();
  if (!bins) throw new Error('prometheus not found (apt-get install prometheus)');
  const port = await freePort();
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-prom-config-'));
  const configFile = path.join(configDir, 'prometheus.yml');
  writeFileSync(configFile, 'global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n');
  const child = spawn(bins.prometheus, [
    `--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=100y', '--log.level=warn', ...(options.extraArgs ?? []),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`prometheus did not become ready: ${stderr}`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return {
    url, dataDir, process: child,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve));
        child.kill('SIGTERM');
        // The grace timer is cleared once Prometheus exits: a pending timer would keep the test
        // process alive for its full 10 s after the last test.
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise(r => { grace = setTimeout(r, 10_000); })]);
        clearTimeout(grace);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(configDir, { recursive: true, force: true });
      if (options.removeDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Writes the world, backfills a fresh data dir and starts Prometheus on it (removed on close). */
export async function prometheusWithWorld(workloads: WorldWorkload[], opts: WorldOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-prom-'));
  const file = path.join(dir, 'series.om');
  writeWorld(file, workloads, opts);
  const dataDir = path.join(dir, 'data');
  await backfill(file, dataDir);
  rmSync(file);
  const server = await startPrometheus(dataDir);
  return { ...server, close: async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); } };
}
