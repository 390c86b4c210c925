// Accelerators beyond DCGM's GPU utilisation, and what serving engines say about their load.
//
// - Which extended resources are accelerators (kube-state-metrics writes `amd.com/gpu` as the
//   label value `amd_com_gpu`).
// - One range query per namespace that runs accelerator pods, alongside the usage query: the
//   vendors' exporters (AMD device metrics exporter, AWS Neuron Monitor, Intel Gaudi's metric
//   exporter, the GKE TPU device plugin) and DCGM's profiling engine activity where the plain
//   utilisation field is not exported, each normalised to utilisation 0..100, memory bytes and
//   watts per device.
// - One range query per such namespace for the serving engines' own gauges (vLLM, TGI,
//   Triton): KV-cache usage, running and waiting requests, P95 latency, per pod.
// Metric names and their sources: docs/COLLECTOR.md, "Accelerators and serving engines".

import type { ServingUsage } from '../../core/types.ts';
import { DecayingHistogram, GPU_UTIL_HISTOGRAM, LATENCY_HISTOGRAM, REQUESTS_HISTOGRAM } from '../../recommend/model/decaying-histogram.ts';
import type { PeakSeries } from '../../recommend/model/peak-series.ts';
import { promString, TAG, type QueryContext } from './queries.ts';
import type { SeriesSink } from './stream-parse.ts';

/** Accelerator resource keys as Kubernetes names them; kube-state-metrics' sanitised form maps back here. */
const ACCELERATOR_PREFIXES = ['nvidia.com/', 'amd.com/', 'habana.ai/', 'aws.amazon.com/', 'google.com/', 'gpu.intel.com/'];

/**
 * The accelerator resource a kube-state-metrics `resource` label names, or undefined for
 * anything else (cpu, memory, ephemeral-storage, hugepages…). `nvidia_com_gpu` → `nvidia.com/gpu`,
 * `nvidia_com_mig_1g_10gb` → `nvidia.com/mig-1g.10gb`, `aws_amazon_com_neuroncore` → `aws.amazon.com/neuroncore`.
 */
export function acceleratorResource(label: string): string | undefined {
  if (label === 'gpu') return 'nvidia.com/gpu';
  for (const prefix of ACCELERATOR_PREFIXES) {
    const sanitised = prefix.replace(/[./]/g, '_');
    if (label.startsWith(prefix)) return ACCELERATOR_NAMES.has(label) || /^nvidia\.com\/mig-/.test(label) ? label : undefined;
    if (!label.startsWith(sanitised)) continue;
    const rest = label.slice(sanitised.length);
    const mig = /^mig_(\d+g)_(\d+gb)$/.exec(rest);
    const name = mig ? `${prefix}mig-${mig[1]}.${mig[2]}` : `${prefix}${rest}`;
    if (ACCELERATOR_NAMES.has(name) || mig) return name;
  }
  return undefined;
}

const ACCELERATOR_NAMES = new Set([
  'nvidia.com/gpu', 'amd.com/gpu', 'habana.ai/gaudi', 'aws.amazon.com/neuron', 'aws.amazon.com/neuroncore', 'aws.amazon.com/neurondevice',
  'google.com/tpu', 'gpu.intel.com/i915', 'gpu.intel.com/xe',
]);

const by = (x: QueryContext, ...extra: string[]) => [x.ns, x.pod, x.ctr, ...extra].join(', ');

function sel(x: QueryContext, metric: string, ...matchers: string[]): string {
  return `${metric}{${[x.clusterMatcher, ...matchers].filter(Boolean).join(',')}}`;
}

/** Tags a part with the kind of figure and the exporter, and copies the device label to `rs_dev`. */
function part(expr: string, figure: 'util' | 'mem' | 'total' | 'pow', exporter: string, device: string, model?: string): string {
  let e = `label_replace(${expr}, "rs_dev", "$1", "${device}", "(.*)")`;
  if (model) e = `label_replace(${e}, "rs_model", "$1", "${model}", "(.*)")`;
  return `label_replace(${e}, "${TAG}", "${figure}:${exporter}", "", "")`;
}

/** Exporter ids used in the tags, and how the plan names them. */
export const EXPORTERS: Record<string, string> = {
  dcgmprof: 'NVIDIA DCGM exporter (profiling)',
  amd: 'AMD device metrics exporter',
  neuron: 'AWS Neuron Monitor',
  gaudi: 'Intel Gaudi metric exporter',
  tpu: 'GKE TPU device plugin',
};

/**
 * Accelerator usage of one namespace over a range, per pod, container and device. Utilisation
 * is the mean over the window (0..100), memory the peak (bytes), power the mean (W).
 */
export function acceleratorUsageQuery(x: QueryContext, namespace: string, window: string): string {
  const ns = `${x.ns}=${promString(namespace)}`;
  const pod = `${x.pod}!=""`;
  const avg = (metric: string, ...m: string[]) => `avg_over_time(${sel(x, metric, ns, pod, ...m)}[${window}])`;
  const max = (metric: string, ...m: string[]) => `max_over_time(${sel(x, metric, ns, pod, ...m)}[${window}])`;
  const b = (...extra: string[]) => by(x, ...extra);
  return [
    // DCGM: graphics-engine activity (0..1) only where DCGM_FI_DEV_GPU_UTIL is not exported (the usage query reads that one).
    part(`max by (${b('UUID', 'modelName')}) (${avg('DCGM_FI_PROF_GR_ENGINE_ACTIVE')} * 100 unless on (${b('UUID')}) ${sel(x, 'DCGM_FI_DEV_GPU_UTIL', ns)})`, 'util', 'dcgmprof', 'UUID', 'modelName'),
    // AMD device metrics exporter: GPU_GFX_ACTIVITY (%), GPU_USED_VRAM / GPU_TOTAL_VRAM (MB), GPU_PACKAGE_POWER (W).
    part(`max by (${b('gpu_id', 'card_series')}) (${avg('gpu_gfx_activity')})`, 'util', 'amd', 'gpu_id', 'card_series'),
    part(`max by (${b('gpu_id')}) (${max('gpu_used_vram')}) * 1048576`, 'mem', 'amd', 'gpu_id'),
    part(`max by (${b('gpu_id')}) (${max('gpu_total_vram')}) * 1048576`, 'total', 'amd', 'gpu_id'),
    part(`max by (${b('gpu_id')}) (${avg('gpu_package_power')})`, 'pow', 'amd', 'gpu_id'),
    // AWS Neuron Monitor: neuroncore_utilization_ratio (0..1) per NeuronCore.
    part(`max by (${b('neuroncore', 'instance_type')}) (${avg('neuroncore_utilization_ratio')}) * 100`, 'util', 'neuron', 'neuroncore', 'instance_type'),
    // Intel Gaudi metric exporter: habanalabs_utilization (%), habanalabs_memory_used/total_bytes, habanalabs_power_mW.
    part(`max by (${b('uuid', 'device_type')}) (${avg('habanalabs_utilization')})`, 'util', 'gaudi', 'uuid', 'device_type'),
    part(`max by (${b('uuid')}) (${max('habanalabs_memory_used_bytes')})`, 'mem', 'gaudi', 'uuid'),
    part(`max by (${b('uuid')}) (${max('habanalabs_memory_total_bytes')})`, 'total', 'gaudi', 'uuid'),
    part(`max by (${b('uuid')}) (${avg('habanalabs_power_mW')}) / 1000`, 'pow', 'gaudi', 'uuid'),
    // GKE TPU device plugin: duty_cycle (%), memory_used / memory_total (bytes), make="cloud-tpu".
    part(`max by (${b('accelerator_id', 'model')}) (${avg('duty_cycle', 'make="cloud-tpu"')})`, 'util', 'tpu', 'accelerator_id', 'model'),
    part(`max by (${b('accelerator_id')}) (${max('memory_used', 'make="cloud-tpu"')})`, 'mem', 'tpu', 'accelerator_id'),
    part(`max by (${b('accelerator_id')}) (${max('memory_total', 'make="cloud-tpu"')})`, 'total', 'tpu', 'accelerator_id'),
  ].join('\nor ');
}

/**
 * Serving engines' gauges of one namespace over a range, per pod: vLLM (`vllm:` metrics; the
 * KV-cache gauge is `vllm:kv_cache_usage_perc` since v0.10, `vllm:gpu_cache_usage_perc` before),
 * Hugging Face TGI (`tgi_`), NVIDIA Triton (`nv_inference_`).
 */
export function servingQuery(x: QueryContext, namespace: string, window: string): string {
  const ns = `${x.ns}=${promString(namespace)}`;
  const pod = `${x.pod}!=""`;
  const p = `${x.ns}, ${x.pod}`;
  const s = (metric: string) => sel(x, metric, ns, pod);
  const tag = (expr: string, v: string) => `label_replace(${expr}, "${TAG}", "${v}", "", "")`;
  const kv = `{${[x.clusterMatcher, '__name__=~"vllm:kv_cache_usage_perc|vllm:gpu_cache_usage_perc"', ns, pod].filter(Boolean).join(',')}}`;
  const p95 = (bucket: string) => `histogram_quantile(0.95, sum by (${p}, le) (rate(${s(bucket)}[${window}])))`;
  return [
    tag(`max by (${p}) (max_over_time(${kv}[${window}])) * 100`, 'kv:vllm'),
    tag(`sum by (${p}) (avg_over_time(${s('vllm:num_requests_running')}[${window}]))`, 'run:vllm'),
    tag(`sum by (${p}) (avg_over_time(${s('vllm:num_requests_waiting')}[${window}]))`, 'wait:vllm'),
    tag(p95('vllm:time_to_first_token_seconds_bucket'), 'lat:vllm'),
    tag(`sum by (${p}) (avg_over_time(${s('tgi_batch_current_size')}[${window}]))`, 'run:tgi'),
    tag(`sum by (${p}) (avg_over_time(${s('tgi_queue_size')}[${window}]))`, 'wait:tgi'),
    tag(p95('tgi_request_duration_bucket'), 'lat:tgi'),
    tag(`sum by (${p}) (avg_over_time(${s('nv_inference_pending_request_count')}[${window}]))`, 'wait:triton'),
    tag(`sum by (${p}) (rate(${s('nv_inference_request_duration_us')}[${window}])) / sum by (${p}) (rate(${s('nv_inference_request_success')}[${window}])) / 1e6`, 'lat:triton'),
  ].join('\nor ');
}

// ---------------------------------------------------------------------------
// Accumulation.

/** The per-container GPU accumulator of the collector (same shape). */
export interface AcceleratorAcc {
  util: DecayingHistogram;
  memory: PeakSeries;
  power: DecayingHistogram;
  gpusPerPod: number;
  model?: string;
  totalBytes: number;
  exporter?: string;
}

/**
 * A sink for acceleratorUsageQuery: `target` finds the container's accumulator (undefined for
 * pods of no workload). Devices seen per pod are counted for gpusPerPod.
 */
export function acceleratorSink(x: QueryContext, target: (ns: string, pod: string, ctr: string) => AcceleratorAcc | undefined): SeriesSink {
  const devices = new Map<AcceleratorAcc, Map<string, Set<string>>>();
  return (labels, times, values) => {
    const acc = target(labels[x.ns] ?? '', labels[x.pod] ?? '', labels[x.ctr] ?? '');
    if (!acc) return;
    const [figure, exporter] = (labels[TAG] ?? '').split(':');
    const len = times.length;
    switch (figure) {
      case 'util': for (let i = 0; i < len; i++) acc.util.add(values[i], times[i]); break;
      case 'mem': for (let i = 0; i < len; i++) if (values[i] >= 0) acc.memory.add(values[i], times[i] - 1); break;
      case 'pow': for (let i = 0; i < len; i++) acc.power.add(values[i], times[i]); break;
      case 'total': for (let i = 0; i < len; i++) if (values[i] > acc.totalBytes) acc.totalBytes = values[i]; break;
    }
    if (figure === 'util') {
      if (EXPORTERS[exporter]) acc.exporter ??= EXPORTERS[exporter];
      if (labels.rs_model) acc.model ??= labels.rs_model;
      let byPod = devices.get(acc);
      if (!byPod) devices.set(acc, byPod = new Map());
      let set = byPod.get(labels[x.pod] ?? '');
      if (!set) byPod.set(labels[x.pod] ?? '', set = new Set());
      set.add(labels.rs_dev ?? String(set.size));
      if (set.size > acc.gpusPerPod) acc.gpusPerPod = set.size;
    }
  };
}

/** Serving figures of one workload, filled per pod and step. */
export class ServingAcc {
  engine?: ServingUsage['engine'];
  readonly kv: DecayingHistogram;
  readonly running: DecayingHistogram;
  readonly waiting: DecayingHistogram;
  readonly latency: DecayingHistogram;
  constructor(reference: number) {
    this.kv = new DecayingHistogram(GPU_UTIL_HISTOGRAM, reference);
    this.running = new DecayingHistogram(REQUESTS_HISTOGRAM, reference);
    this.waiting = new DecayingHistogram(REQUESTS_HISTOGRAM, reference);
    this.latency = new DecayingHistogram(LATENCY_HISTOGRAM, reference);
  }

  toUsage(): ServingUsage | undefined {
    if (!this.engine || (this.running.isEmpty() && this.waiting.isEmpty() && this.kv.isEmpty())) return undefined;
    return {
      engine: this.engine,
      ...(this.kv.isEmpty() ? {} : { kvCache: this.kv.toState() }),
      running: this.running.toState(), waiting: this.waiting.toState(),
      ...(this.latency.isEmpty() ? {} : { latencyP95: this.latency.toState() }),
    };
  }
}

/** Tags of servingQuery's parts (the others are acceleratorUsageQuery's). */
export const SERVING_TAGS = /^(kv|run|wait|lat):/;

/** A sink for servingQuery; `target` finds the workload's accumulator. */
export function servingSink(x: QueryContext, target: (ns: string, pod: string) => ServingAcc | undefined): SeriesSink {
  return (labels, times, values) => {
    const acc = target(labels[x.ns] ?? '', labels[x.pod] ?? '');
    if (!acc) return;
    const [figure, engine] = (labels[TAG] ?? '').split(':') as [string, ServingUsage['engine']];
    acc.engine ??= engine;
    const h = figure === 'kv' ? acc.kv : figure === 'run' ? acc.running : figure === 'wait' ? acc.waiting : figure === 'lat' ? acc.latency : undefined;
    if (!h) return;
    for (let i = 0; i < times.length; i++) if (Number.isFinite(values[i])) h.add(values[i], times[i]);
  };
}
