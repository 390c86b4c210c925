// Benchmark of the Prometheus collector against a real Prometheus.
//
//   npm run bench:collect -- [--containers 1000] [--days 14] [--repeat 2] [--no-warmup] [--concurrency 4] [--json]
//
// Loads W containers × D days at 1-minute resolution (cAdvisor CPU and memory, kube-state-metrics
// owners, requests, limits, replicas) into a real Prometheus (built once with promtool and cached
// under .cache/bench-collect/, keyed by size), then measures:
//   - the collector (in a child process, so its peak RSS is its own): wall time, peak RSS,
//     queries, Prometheus's own summed query time (the `stats` parameter),
//   - the floor: a plain HTTP client sending the same requests with the same concurrency and
//     discarding the bytes,
//   - the CPU seconds of each client (user + system of its process while it runs): on a shared
//     machine they hold up where wall times and the ratio do not,
//   - the load on the Prometheus server it starts: its CPU seconds during the collection (from
//     /proc/<pid>/stat), samples read and the largest query's peak samples (from `stats`), and
//     the raw samples stored in the window for the series the collector reads (count_over_time),
//   - a reference client sending, in the same run against the same server, the PromQL KRR's
//     `simple` strategy sends at its defaults: per workload the pod discovery queries
//     (kube_replicaset_owner, kube_pod_owner, kube_pod_status_phase), then per container and
//     batch of 50 pods the CPU P95 of 75 s rates and the memory peak over [days:75s] subqueries,
//     each with its count_over_time point count.
// The figure of merit is collector time / floor time. With --json the last line is one JSON object.

import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { collectUsage } from '../src/collect/prometheus/index.ts';
import type { ClusterConfig } from '../src/config/types.ts';
import { containersOf, cpuAt, memAt, PODS_PER_WORKLOAD, type Container } from './lib/collect-data.ts';
import { OpenMetricsWriter, prometheusBinaries, startPrometheus } from '../test/helpers/prometheus-server.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86400;
const SCRAPE = 60;
const KSM_SCRAPE = 300;
/** The collector's default usage step (prometheus.stepSeconds). */
const STEP = 180;
/** Fixed end of the data, so a cached TSDB stays valid. */
const END = Date.parse('2026-06-01T00:00:00Z') / 1000;
/** Slab length: one promtool run per slab, blocks never overlap (a compaction range of Prometheus). */
const SLAB = 54 * 3600;
const FORMAT_VERSION = 2;
/** Metrics the collector reads from this data set (for the raw samples stored in the window). */
const COLLECTOR_METRICS = [
  'container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'kube_pod_owner', 'kube_replicaset_owner',
  'kube_deployment_spec_replicas', 'kube_pod_container_resource_requests', 'kube_pod_container_resource_limits',
  'kube_pod_container_status_restarts_total',
];

interface Args { containers: number; days: number; repeat: number; warmup: boolean; json: boolean; concurrency: number; child?: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { containers: 1000, days: 14, repeat: 2, warmup: true, json: false, concurrency: 4 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--containers': a.containers = Number(v); i++; break;
      case '--days': a.days = Number(v); i++; break;
      case '--repeat': a.repeat = Number(v); i++; break;
      case '--concurrency': a.concurrency = Number(v); i++; break;
      case '--json': a.json = true; break;
      case '--no-warmup': a.warmup = false; break;
      case '--child': a.child = v; i++; break;
      default: throw new Error(`unknown argument ${argv[i]} (use --containers N --days D --repeat R --concurrency C --no-warmup --json)`);
    }
  }
  if (!(a.containers > 0) || !(a.days > 0)) throw new Error('--containers and --days must be positive');
  return a;
}

// ---------------------------------------------------------------------------
// The data set.

async function buildTsdb(dataDir: string, containers: number, days: number, log: (s: string) => void): Promise<void> {
  const bins = prometheusBinaries();
  if (!bins) throw new Error('promtool not found (apt-get install prometheus)');
  const tmp = `${dataDir}.building`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const all = containersOf(containers);
  const start = END - days * DAY - DAY; // a day of history before the window
  const acc = new Float64Array(all.length);
  const firstSlab = Math.floor(start / SLAB) * SLAB;
  for (let slab = firstSlab; slab < END; slab += SLAB) {
    const from = Math.max(start, slab), to = Math.min(END + 1, slab + SLAB);
    const file = path.join(tmp, 'slab.om');
    const w = new OpenMetricsWriter(file);
    const t0 = Math.ceil(from / SCRAPE) * SCRAPE;
    w.family('container_cpu_usage_seconds_total', 'counter');
    for (const c of all) {
      const prefix = `container_cpu_usage_seconds_total{namespace="${c.ns}",pod="${c.pod}",container="app"} `;
      let text = '';
      for (let t = t0; t < to; t += SCRAPE) {
        acc[c.index] += cpuAt(c, t) * SCRAPE;
        text += `${prefix}${acc[c.index].toFixed(3)} ${t}\n`;
      }
      w.write(text);
    }
    w.family('container_memory_working_set_bytes', 'gauge');
    for (const c of all) {
      const prefix = `container_memory_working_set_bytes{namespace="${c.ns}",pod="${c.pod}",container="app"} `;
      let text = '';
      for (let t = t0; t < to; t += SCRAPE) text += `${prefix}${memAt(c, t)} ${t}\n`;
      w.write(text);
    }
    const k0 = Math.ceil(from / KSM_SCRAPE) * KSM_SCRAPE;
    const ksm = (name: string, labels: (c: Container) => string | undefined, value: (c: Container) => number, list: Container[] = all) => {
      w.family(name, 'gauge');
      for (const c of list) {
        const l = labels(c);
        if (l === undefined) continue;
        let text = '';
        for (let t = k0; t < to; t += KSM_SCRAPE) text += `${name}{${l}} ${value(c)} ${t}\n`;
        w.write(text);
      }
    };
    ksm('kube_pod_owner', c => `namespace="${c.ns}",pod="${c.pod}",owner_kind="ReplicaSet",owner_name="${c.rs}",owner_is_controller="true"`, () => 1);
    const firstOfWorkload = all.filter(c => c.index % PODS_PER_WORKLOAD === 0);
    ksm('kube_replicaset_owner', c => `namespace="${c.ns}",replicaset="${c.rs}",owner_kind="Deployment",owner_name="${c.workload}",owner_is_controller="true"`, () => 1, firstOfWorkload);
    ksm('kube_deployment_spec_replicas', c => `namespace="${c.ns}",deployment="${c.workload}"`, () => PODS_PER_WORKLOAD, firstOfWorkload);
    w.family('kube_pod_container_resource_requests', 'gauge');
    for (const c of all) {
      let text = '';
      for (let t = k0; t < to; t += KSM_SCRAPE) {
        text += `kube_pod_container_resource_requests{namespace="${c.ns}",pod="${c.pod}",container="app",resource="cpu",unit="core"} 2 ${t}\n`;
        text += `kube_pod_container_resource_requests{namespace="${c.ns}",pod="${c.pod}",container="app",resource="memory",unit="byte"} 4294967296 ${t}\n`;
      }
      w.write(text);
    }
    ksm('kube_pod_container_resource_limits', c => `namespace="${c.ns}",pod="${c.pod}",container="app",resource="memory",unit="byte"`, () => 4294967296);
    ksm('kube_pod_container_status_restarts_total', c => `namespace="${c.ns}",pod="${c.pod}",container="app"`, () => 0);
    ksm('kube_pod_status_phase', c => `namespace="${c.ns}",pod="${c.pod}",phase="Running"`, () => 1);
    w.close();
    // Samples must be sorted per series; OpenMetrics families contiguous. Each slab makes its own blocks.
    await run(bins.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=54h', file, tmp], { maxBuffer: 64 * 2 ** 20 });
    rmSync(file);
    log(`  backfilled ${new Date(from * 1000).toISOString().slice(0, 16)} … ${new Date(to * 1000).toISOString().slice(0, 16)}`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(tmp, dataDir);
}

// ---------------------------------------------------------------------------
// Measurements.

interface ChildResult {
  wall_s: number; cpu_s: number; peak_rss_mb: number; queries: number; server_s: number; profiles: number; namespaces: number;
  samples_read: number; peak_samples: number; requests: Array<{ url: string; body: string }>;
}

async function child(spec: string): Promise<void> {
  const { url, containers, days, concurrency } = JSON.parse(spec) as { url: string; containers: number; days: number; concurrency: number };
  const requests: Array<{ url: string; body: string }> = [];
  const recording: typeof fetch = (input, init) => {
    requests.push({ url: String(input), body: String(init?.body ?? '') });
    return fetch(input, init);
  };
  const cluster: ClusterConfig = { name: 'bench', cloud: 'on-prem', prometheus: { url, auth: { type: 'none' }, stepSeconds: STEP, concurrency, timeoutSeconds: 600 } };
  const started = performance.now(), cpu0 = process.cpuUsage();
  const result = await collectUsage(cluster, { start: END - days * DAY, end: END }, { quiet: true, fetch: recording, client: { stats: true } });
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const out: ChildResult = {
    wall_s: wall, cpu_s: (cpu.user + cpu.system) / 1e6, peak_rss_mb: process.resourceUsage().maxRSS / 1024, queries: result.queries, server_s: result.serverSeconds ?? 0,
    profiles: result.profiles.length, namespaces: result.namespaces ?? 0, requests,
    samples_read: result.costs.reduce((n, c) => n + c.samplesRead, 0), peak_samples: Math.max(...result.costs.map(c => c.peakSamples)),
  };
  if (result.profiles.length !== containers / PODS_PER_WORKLOAD) throw new Error(`expected ${containers / PODS_PER_WORKLOAD} workloads, got ${result.profiles.length}`);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function runChild(url: string, args: Args): Promise<ChildResult> {
  const node = process.execPath;
  const spec = JSON.stringify({ url, containers: args.containers, days: args.days, concurrency: args.concurrency });
  return new Promise((resolve, reject) => {
    const p = spawn(node, [fileURLToPath(import.meta.url), '--child', spec], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', d => { out += d; });
    p.on('exit', code => {
      if (code !== 0) return reject(new Error(`collector child exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

/** The same requests, same concurrency, bytes discarded: what downloading alone costs. */
async function floor(requests: ChildResult['requests'], concurrency: number): Promise<{ seconds: number; cpuSeconds: number; bytes: number }> {
  const started = performance.now(), cpu0 = process.cpuUsage();
  let next = 0, bytes = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++];
      const res = await fetch(r.url, { method: 'POST', body: r.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      if (!res.ok) throw new Error(`floor request failed: HTTP ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
let clockTicks: number | undefined;
function cpuSeconds(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": state is field 3 of the full line; utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** One instant query with stats: samples read and peak samples; the body is read and discarded. */
async function statsQuery(url: string, query: string, time: number): Promise<{ read: number; peak: number; bytes: number; text?: string }> {
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: String(time), stats: 'all' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`query failed: HTTP ${res.status} ${text.slice(0, 300)} — ${query.slice(0, 200)}`);
  const read = Number(/"totalQueryableSamples":(\d+)/.exec(text)?.[1] ?? 0), peak = Number(/"peakSamples":(\d+)/.exec(text)?.[1] ?? 0);
  return { read, peak, bytes: Buffer.byteLength(text), text };
}

/**
 * The PromQL KRR's `simple` strategy sends at its defaults (history 14 days, 75 s timeframe,
 * CPU P95, memory peak, pods in batches of 50), for every workload of the data set: the
 * reference the collector's load on Prometheus is measured against.
 */
function krrQueries(containers: number, days: number): string[] {
  const all = containersOf(containers);
  const byWorkload = new Map<string, Container[]>();
  for (const c of all) {
    const key = `${c.ns}/${c.workload}`;
    byWorkload.set(key, [...(byWorkload.get(key) ?? []), c]);
  }
  const out: string[] = [];
  const range = `${days}d`;
  for (const pods of byWorkload.values()) {
    const { ns, workload, rs } = pods[0];
    // Pod discovery from kube-state-metrics.
    out.push(`last_over_time(kube_replicaset_owner{namespace="${ns}",owner_kind="Deployment",owner_name="${workload}"}[${range}])`);
    out.push(`last_over_time(kube_pod_owner{namespace="${ns}",owner_kind="ReplicaSet",owner_name=~"${rs}"}[${range}])`);
    for (let i = 0; i < pods.length; i += 50) {
      const batch = pods.slice(i, i + 50).map(p => p.pod).join('|');
      out.push(`kube_pod_status_phase{namespace="${ns}",pod=~"${batch}",phase="Running"} == 1`);
      const sel = `namespace="${ns}",pod=~"${batch}",container="app"`;
      out.push(`quantile_over_time(0.95, max(rate(container_cpu_usage_seconds_total{${sel}}[75s])) by (container, pod, job)[${range}:75s])`);
      out.push(`count_over_time(max(container_cpu_usage_seconds_total{${sel}}) by (container, pod, job)[${range}:75s])`);
      out.push(`max_over_time(max(container_memory_working_set_bytes{${sel}}) by (container, pod, job)[${range}:75s])`);
      out.push(`count_over_time(max(container_memory_working_set_bytes{${sel}}) by (container, pod, job)[${range}:75s])`);
    }
  }
  return out;
}

async function krrReference(url: string, args: Args): Promise<{ seconds: number; read: number; peak: number; bytes: number; queries: number }> {
  const queries = krrQueries(args.containers, args.days);
  const started = performance.now();
  let next = 0, read = 0, peak = 0, bytes = 0;
  const worker = async () => {
    while (next < queries.length) {
      const r = await statsQuery(url, queries[next++], END);
      read += r.read; peak = Math.max(peak, r.peak); bytes += r.bytes;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, read, peak, bytes, queries: queries.length };
}

/** Raw samples stored in the window for the series the collector reads, per metric. */
async function rawSamples(url: string, days: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const metric of COLLECTOR_METRICS) {
    const r = await statsQuery(url, `sum(count_over_time(${metric}[${days}d]))`, END);
    out[metric] = Number(/"value":\[[^,]+,"([^"]+)"\]/.exec(r.text ?? '')?.[1] ?? 0);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) return child(args.child);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const cacheDir = path.join(root, '.cache/bench-collect');
  const dataDir = path.join(cacheDir, `tsdb-v${FORMAT_VERSION}-c${args.containers}-d${args.days}`);
  if (!existsSync(dataDir)) {
    log(`building the TSDB for ${args.containers} containers × ${args.days} days at ${SCRAPE} s (cached in ${path.relative(root, dataDir)})…`);
    const t = performance.now();
    await buildTsdb(dataDir, args.containers, args.days, log);
    log(`  built in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  // Prometheus's own blocks stay as backfilled (max block 54h): no compaction during the run.
  const prom = await startPrometheus(dataDir, { extraArgs: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=54h', '--query.max-samples=200000000'] });
  try {
    if (args.warmup) {
      // One untimed pass of each, so neither side pays for a cold page cache.
      log(`Prometheus ${prom.url}; warming up…`);
      const warm = await runChild(prom.url, args);
      await floor(warm.requests, args.concurrency);
    }
    const pid = prom.process.pid!;
    const collector: ChildResult[] = [], floors: number[] = [], floorCpu: number[] = [], promCpu: number[] = [], krrCpu: number[] = [];
    let bytes = 0;
    let krr: Awaited<ReturnType<typeof krrReference>> | undefined;
    for (let i = 0; i < args.repeat; i++) {
      const cpu0 = cpuSeconds(pid);
      const c = await runChild(prom.url, args);
      promCpu.push(cpuSeconds(pid) - cpu0);
      collector.push(c);
      const k0 = cpuSeconds(pid);
      krr = await krrReference(prom.url, args);
      krrCpu.push(cpuSeconds(pid) - k0);
      log(`  run ${i + 1}: Prometheus CPU ${promCpu[i].toFixed(1)} s for the collector, ${krrCpu[i].toFixed(1)} s for the KRR-query reference (${krr.queries} queries, ${krr.seconds.toFixed(1)} s)`);
      const f = await floor(c.requests, args.concurrency);
      floors.push(f.seconds);
      floorCpu.push(f.cpuSeconds);
      bytes = f.bytes;
      log(`  run ${i + 1}: collector ${c.wall_s.toFixed(2)} s (${c.cpu_s.toFixed(2)} CPU s, peak RSS ${c.peak_rss_mb.toFixed(0)} MB), floor ${f.seconds.toFixed(2)} s (${f.cpuSeconds.toFixed(2)} CPU s): ratio ${(c.wall_s / f.seconds).toFixed(2)}`);
    }
    const wall = median(collector.map(c => c.wall_s)), floorS = median(floors);
    const c0 = collector[0];
    const raw = await rawSamples(prom.url, args.days);
    const rawTotal = Object.values(raw).reduce((a, b) => a + b, 0);
    const result = {
      containers: args.containers, days: args.days, wall_s: round(wall), floor_s: round(floorS), ratio: round(wall / floorS),
      ratios: collector.map((c, i) => round(c.wall_s / floors[i])),
      collector_cpu_s: round(median(collector.map(c => c.cpu_s))), floor_cpu_s: round(median(floorCpu)),
      peak_rss_mb: round(Math.max(...collector.map(c => c.peak_rss_mb))), queries: c0.queries, namespaces: c0.namespaces,
      queries_per_namespace: round(c0.queries / c0.namespaces), prometheus_query_s: round(median(collector.map(c => c.server_s))),
      response_mb: round(bytes / 2 ** 20), step_s: STEP, concurrency: args.concurrency, repeat: args.repeat, warmup: args.warmup,
      prometheus_cpu_seconds: round(median(promCpu)), krr_reference_prometheus_cpu_seconds: round(median(krrCpu)),
      samples_read: c0.samples_read, krr_reference_samples_read: krr!.read, raw_samples: rawTotal, peak_query_samples: c0.peak_samples,
      krr_reference_peak_query_samples: krr!.peak, krr_reference_response_mb: round(krr!.bytes / 2 ** 20), krr_reference_queries: krr!.queries,
      sample_budget: 100_000, load_average: os.loadavg().map(x => round(x)),
      machine: `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    };
    log('');
    log(`containers ${result.containers} × ${result.days} days @ ${STEP} s, ${result.namespaces} namespaces`);
    log(`collector wall      ${result.wall_s} s   (median of ${args.repeat})`);
    log(`download floor      ${result.floor_s} s   (same ${result.queries} requests, concurrency ${args.concurrency}, ${result.response_mb} MiB)`);
    log(`ratio               ${result.ratio}   (runs ${result.ratios.join(', ')})`);
    log(`client CPU          collector ${result.collector_cpu_s} s, floor ${result.floor_cpu_s} s (user + system of the client process, medians)`);
    log(`peak RSS            ${result.peak_rss_mb} MB`);
    log(`queries             ${result.queries} (${result.queries_per_namespace} per namespace)`);
    log(`Prometheus query time ${result.prometheus_query_s} s (summed execTotalTime)`);
    log(`Prometheus CPU      ${result.prometheus_cpu_seconds} s; KRR-query reference ${result.krr_reference_prometheus_cpu_seconds} s (ratio ${round(result.prometheus_cpu_seconds / result.krr_reference_prometheus_cpu_seconds)})`);
    log(`samples read        ${result.samples_read}; KRR-query reference ${result.krr_reference_samples_read}; raw samples stored for the series used ${rawTotal} (ratio ${round(result.samples_read / rawTotal)})`);
    log(`largest query       ${result.peak_query_samples} peak samples (budget ${result.sample_budget}); KRR-query reference ${result.krr_reference_peak_query_samples}`);
    log(`raw samples         ${Object.entries(raw).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else writeFileSync(path.join(cacheDir, `last-c${args.containers}-d${args.days}.json`), JSON.stringify(result));
  } finally {
    await prom.close();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch(err => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});


