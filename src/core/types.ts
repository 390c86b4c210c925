// The nouns every stage of the pipeline speaks (see docs/ARCHITECTURE.md).
// Plain data only: everything here survives JSON.stringify/parse unchanged,
// because the snapshot and the plan are JSON documents.

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job' | 'Rollout' | AiWorkloadKind;

/** Custom resources that own AI-serving and training pods (resolved by the collector, see docs/COLLECTOR.md). */
export type AiWorkloadKind = 'InferenceService' | 'LLMInferenceService' | 'RayCluster' | 'RayService' | 'RayJob' | 'LeaderWorkerSet' | 'NIMService';

export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
  'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'Rollout',
  'InferenceService', 'LLMInferenceService', 'RayCluster', 'RayService', 'RayJob', 'LeaderWorkerSet', 'NIMService',
];

export interface WorkloadRef {
  cluster: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

/** A stable text id for a workload: `cluster/namespace/kind/name`. */
export function workloadId(ref: WorkloadRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.kind}/${ref.name}`;
}

/** Requests or limits of one container, in base units (cores, bytes, whole GPUs). */
export interface ResourceAmounts {
  cpuCores?: number;
  memoryBytes?: number;
  gpus?: number;
}

export interface ContainerResources {
  container: string;
  requests: ResourceAmounts;
  limits: ResourceAmounts;
  /** The extended resource `gpus` counts when it is not `nvidia.com/gpu` (e.g. `amd.com/gpu`, `aws.amazon.com/neuron`). */
  accelerator?: string;
}

export interface HpaSpec {
  minReplicas: number;
  maxReplicas: number;
  /** Target average utilisation in percent of the request, when the HPA scales on CPU. */
  targetCPUUtilization?: number;
  targetMemoryUtilization?: number;
}

/** What the cluster runs today (from kube-state-metrics or, in tests, from the repository). */
export interface WorkloadSpec {
  ref: WorkloadRef;
  containers: ContainerResources[];
  replicas?: number;
  hpa?: HpaSpec;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Node pool / instance family the pods ran on, when known; used to pick a unit price. */
  nodePool?: string;
  gpuModel?: string;
}

// ---------------------------------------------------------------------------
// Usage: bounded-size sketches, serialised as plain state objects.

/** State of a decaying, exponentially bucketed histogram (see src/recommend/model/). */
export interface HistogramState {
  /** Upper bound of bucket 0; bucket i covers (first·ratio^(i-1), first·ratio^i]. */
  firstBucket: number;
  ratio: number;
  halfLifeSeconds: number;
  /** Weights are stored relative to this time (seconds since epoch). */
  referenceTime: number;
  /** Sparse buckets: [bucketIndex, weight]. */
  buckets: Array<[number, number]>;
  totalWeight: number;
  /** Raw count of samples added (not decayed). */
  count: number;
  min: number;
  max: number;
}

/** Peaks per fixed interval (e.g. the max memory working set per hour), newest last, bounded count. */
export interface PeakSeriesState {
  intervalSeconds: number;
  maxIntervals: number;
  /** [intervalStart (s), peak] pairs in time order. */
  peaks: Array<[number, number]>;
}

export interface OomEvent {
  /** Seconds since epoch. */
  time: number;
  /** Memory working set just before the kill, bytes (or the limit when unknown). */
  memoryBytes: number;
}

export interface GpuUsage {
  /** GPUs (accelerators) per pod seen (from the exporter's series per pod). */
  gpusPerPod: number;
  model?: string;
  /** The exporter the figures come from, when not DCGM (e.g. "AMD device metrics exporter"). */
  exporter?: string;
  /** Utilisation 0..100 per GPU. */
  utilisation: HistogramState;
  /** Framebuffer used, bytes, peaks per interval. */
  memoryUsed: PeakSeriesState;
  /** Framebuffer total per GPU, bytes. */
  memoryTotalBytes: number;
  /** Power draw per GPU, watts. */
  power?: HistogramState;
}

/**
 * What an inference engine (vLLM, TGI, Triton) says about itself, per pod over the window.
 * Engines that preallocate accelerator memory make framebuffer use meaningless; these are the
 * figures GPU and replica decisions use instead (see docs/ENGINE.md).
 */
export interface ServingUsage {
  engine: 'vllm' | 'tgi' | 'triton';
  /** KV-cache usage, percent of the preallocated cache, per pod (vLLM). */
  kvCache?: HistogramState;
  /** Requests being processed, per pod. */
  running: HistogramState;
  /** Requests waiting in the engine's queue, per pod. */
  waiting: HistogramState;
  /** P95 time to first token (vLLM) or request latency (TGI, Triton) per step, seconds. */
  latencyP95?: HistogramState;
}

export interface ContainerUsage {
  container: string;
  /** CPU usage in cores, recency-weighted (CPU_HISTOGRAM). */
  cpu: HistogramState;
  /** CPU usage in cores over the whole window, unweighted (CPU_WINDOW_HISTOGRAM): the default basis. Absent in older snapshots. */
  cpuWindow?: HistogramState;
  /** The same over the last RECENT_SECONDS of the window only: compared with the rest to detect a level shift. */
  cpuRecent?: HistogramState;
  /** Per pod, CPU usage over the window, unweighted (CPU_POD_HISTOGRAM): whether pods of one workload are alike. */
  cpuPods?: Array<{ pod: string; cpu: HistogramState }>;
  /** Memory working set in bytes, peak per interval. */
  memoryPeaks: PeakSeriesState;
  gpu?: GpuUsage;
  oomKills: OomEvent[];
  restarts: number;
  /** Throttled CFS periods / all periods over the window, 0..1. */
  throttledRatio?: number;
  samples: number;
  /** Seconds since epoch. */
  firstSample: number;
  lastSample: number;
  /** Share of the expected samples that were present, 0..1. */
  coverage: number;
}

export interface UsageProfile {
  ref: WorkloadRef;
  /** What runs today. */
  current: WorkloadSpec;
  containers: ContainerUsage[];
  /** Number of ready pods over time: peaks per interval. */
  replicaHistory?: PeakSeriesState;
  /** Total CPU demand of the workload (sum over pods), cores; used for replica sizing. */
  totalCpu?: HistogramState;
  /** The serving engine's own metrics, where it exports them. */
  serving?: ServingUsage;
  /** Present when collection could not give a number; says how much history there is and how much is needed. */
  insufficient?: { haveSeconds: number; needSeconds: number; reason: string };
}

// ---------------------------------------------------------------------------
// Prices and billing.

export type PriceSource = 'billing-effective' | 'list-price' | 'on-prem-config' | 'demo';

export interface UnitPrice {
  cluster: string;
  nodePool?: string;
  cloud: CloudName;
  region?: string;
  currency: string;
  perVcpuHour: number;
  perGibHour: number;
  /** By GPU model (e.g. "nvidia-l4"); "default" is used when the model is unknown. */
  perGpuHour: Record<string, number>;
  source: PriceSource;
  /** One human sentence: where the figure comes from (billing period, SKU ids, discounts netted). */
  detail: string;
}

export type CloudName = 'aws' | 'gcp' | 'azure' | 'on-prem';

// ---------------------------------------------------------------------------
// Recommendations.

export interface Change<T = number> {
  from?: T;
  to?: T;
}

export interface ContainerRecommendation {
  container: string;
  cpuRequest?: Change;
  cpuLimit?: Change;
  memoryRequest?: Change;
  memoryLimit?: Change;
  gpuRequest?: Change;
  gpuLimit?: Change;
  /**
   * The extended resource the GPU count is in, when the recommendation moves it (today's
   * `nvidia.com/gpu` → a MIG slice `nvidia.com/mig-1g.10gb`). Applied only where a policy's
   * `gpu.migProfiles` allows the profile; otherwise the policy stage drops it with a note.
   */
  gpuResource?: Change<string>;
  evidence: Evidence;
}

export type Confidence = 'high' | 'medium' | 'low';

export type WorkloadClass = 'steady' | 'daily-seasonal' | 'spiky' | 'batch';

export interface Evidence {
  windowSeconds: number;
  samples: number;
  coverage: number;
  workloadClass?: WorkloadClass;
  cpu?: { percentile: number; value: number; peak: number; margin: number; why: string; statistic?: string; throttledRatio?: number };
  memory?: { peak: number; headroom: number; volatility: number; oomKills: number; why: string };
  gpu?: { utilisationP95: number; memoryPeakBytes: number; powerP95Watts?: number; why: string };
  replicas?: { demandP95Cores: number; targetUtilisation: number; why: string };
  serving?: { engine: string; kvCacheP95?: number; runningP95: number; waitingP95: number; latencyP95Seconds?: number; why: string };
  hpa?: { why: string };
  confidence: Confidence;
  /** Why the new value is not smaller (step limit, floor, OOM bump, minimum change…). */
  notSmallerBecause?: string[];
  /** Why a raise of this resource is needed for safety (peak above the request, OOM kills, throttling): never held back by saving thresholds, minimum change or decrease steps. */
  safety?: { cpu?: string; memory?: string };
}

export interface CostDelta {
  /** Money per month (730 h); negative = saving. */
  monthly: number;
  currency: string;
  priceSource: PriceSource;
  priceDetail: string;
  caveat: string;
}

export interface EnergyDelta {
  kwhPerMonthBefore: number;
  kwhPerMonthAfter: number;
  kgCo2ePerMonthBefore: number;
  kgCo2ePerMonthAfter: number;
  model: string;
}

export type VerdictKind = 'accepted' | 'clamped' | 'rejected';

export interface PolicyVerdict {
  verdict: VerdictKind;
  /** One line per rule that acted: "clamped memory.limit to 256Mi by policies/defaults.yaml#min-memory". */
  notes: string[];
  /** Rule ids (file#name) that acted. */
  rules: string[];
  /** Changes beyond the approval threshold: who must approve. */
  approvals?: string[];
  /** Recommend in reports but never edit (protected workload or freeze window). */
  reportOnly?: boolean;
}

export interface Recommendation {
  /** workloadId(ref) */
  id: string;
  ref: WorkloadRef;
  status: 'ok' | 'insufficient-data' | 'no-change';
  containers: ContainerRecommendation[];
  replicas?: Change;
  hpa?: { minReplicas?: Change; maxReplicas?: Change; targetCPUUtilization?: Change; targetMemoryUtilization?: Change };
  confidence: Confidence;
  evidence: { workloadClass?: WorkloadClass; windowSeconds: number; notes: string[] };
  cost?: CostDelta;
  energy?: EnergyDelta;
  policy?: PolicyVerdict;
}

// ---------------------------------------------------------------------------
// Editing.

/** The field names `rightsizer edit --set` takes and `locate` reports. */
export type FieldName =
  | 'cpu.request' | 'cpu.limit' | 'memory.request' | 'memory.limit' | 'gpu.request' | 'gpu.limit'
  | 'replicas' | 'hpa.minReplicas' | 'hpa.maxReplicas' | 'hpa.targetCPUUtilization' | 'hpa.targetMemoryUtilization';

export const FIELD_NAMES: readonly FieldName[] = [
  'cpu.request', 'cpu.limit', 'memory.request', 'memory.limit', 'gpu.request', 'gpu.limit',
  'replicas', 'hpa.minReplicas', 'hpa.maxReplicas', 'hpa.targetCPUUtilization', 'hpa.targetMemoryUtilization',
];

export interface Edit {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  oldText: string;
  newText: string;
  /** Recommendation ids this edit carries. */
  recommendations: string[];
  /** Location ids changed (and the ids of settings bound to a GPU count that changed with it). */
  locations: string[];
  /** Settings changed because they are bound to a GPU count that changed (tensor parallelism…). */
  coupled?: string[];
}

/** A recommendation (or part of one) that could not be written to the repository, and why. */
export interface Unplaced {
  recommendation: string;
  field?: FieldName;
  container?: string;
  reason: string;
}
