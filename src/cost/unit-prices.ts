// Unit prices per cluster (and node pool where billing tags name it): money per vCPU-hour,
// GiB-hour and GPU-hour, from what the organisation actually pays.
//
// Method (also in docs/PRICING.md):
// 1. Take the cluster's rows from the cost table by its cost-allocation tag / label.
// 2. Google Cloud bills cores, RAM and GPUs as separate SKUs, so each price is
//    Σ effective cost / Σ usage over the SKUs of that resource (committed-use and sustained-use
//    credits netted, promotions not).
// 3. AWS and Azure bill whole instances. For each instance type we take its effective cost
//    (net amortised: reservations, savings plans and discounts netted) and its instance-hours,
//    and split the cost into vCPU, memory and GPU in proportion to the list-price weight of each
//    part of the instance shape: weight = vCPUs × p_cpu + GiB × p_mem + GPUs × p_gpu(model).
//    The discount therefore lands on every part evenly. Prices are the sums of those parts over
//    all instance types divided by the vCPU-, GiB- and GPU-hours they provided.
// 4. No usable billing rows: list prices (the Cloud Billing Catalog for Google Cloud, the
//    built-in reference table below for AWS and Azure), marked source 'list-price'.
// 5. On-prem clusters: the price table in the cluster's config (amortised hardware), plus energy
//    at `perKwh` for the power a vCPU, GiB or GPU draws.
// Every price carries its source and a sentence saying how it was made.
//
// Accelerators are priced per accelerator-hour by model key: NVIDIA GPUs (`nvidia-h100`), AMD
// Instinct (`amd-mi300x`), Intel Gaudi (`intel-gaudi2`), AWS Inferentia and Trainium devices
// (`aws-inferentia2`, `aws-trainium`) and Cloud TPU chips (`google-tpu-v5e`). The instance
// tables below know the accelerator instance types of AWS (p4d/p4de/p5, g4dn/g5/g6/g6e, inf2,
// trn1/trn1n, dl1) and Azure (ND A100 v4, ND H100 v5, ND MI300X v5, NC A100 v4, NC H100 v5,
// NCasT4 v3); Google bills GPUs and TPU chips as their own SKUs.

import type { ClusterConfig } from '../config/types.ts';
import type { CloudName, UnitPrice } from '../core/types.ts';
import type { FocusRow } from './focus.ts';

/** List prices of one machine family in one region (Cloud Billing Catalog, or a reference table). */
export interface ListPrices {
  cloud: CloudName;
  region: string;
  family: string;
  currency: string;
  perVcpuHour: number;
  perGibHour: number;
  perGpuHour: Record<string, number>;
  detail: string;
}

/**
 * Reference on-demand component prices, USD, used as split weights (step 3) and as the last-resort
 * list price. vCPU and GiB come from a least-squares fit of the Linux on-demand prices of the
 * c6i/m6i/r6i `large` sizes in us-east-1 (2 vCPU with 4, 8 and 16 GiB); the Azure Dsv5/Fsv2/Esv5
 * pay-as-you-go prices in East US give the same fit. GPU prices are the on-demand price of the
 * smallest instance carrying the GPU minus its vCPU and memory at these rates, per GPU.
 */
export const REFERENCE_PRICES = {
  perVcpuHour: 0.035,
  perGibHour: 0.00346,
  perGpuHour: {
    'nvidia-t4': 0.33, 'nvidia-l4': 0.61, 'nvidia-a10g': 0.81, 'nvidia-l40s': 1.45, 'nvidia-a100': 3.18, 'nvidia-h100': 10.56,
    'amd-mi300x': 5.2, 'intel-gaudi': 1.22, 'aws-inferentia2': 0.56, 'aws-trainium': 0.95, 'google-tpu-v5e': 1.2, 'google-tpu-v5p': 4.2, 'google-tpu-v6e': 2.7,
    default: 1.0,
  } as Record<string, number>,
};

/** Typical power draw for the on-prem energy term (W): Cloud Carbon Footprint's average-cloud vCPU
 * coefficients at 50% utilisation (0.74 W idle, 3.5 W busy), its 0.392 W/GB memory coefficient,
 * and GPU board power at 60% of TDP. */
export const POWER_WATTS = {
  perVcpu: 0.74 + 0.5 * (3.5 - 0.74),
  perGib: 0.392,
  perGpu: { 'nvidia-t4': 42, 'nvidia-l4': 43, 'nvidia-a10g': 90, 'nvidia-a100': 240, 'nvidia-h100': 420, 'amd-mi300x': 450, default: 180 } as Record<string, number>,
};

const KNOWN_GPUS = ['h100', 'h200', 'a100', 'l40s', 'l4', 'a10g', 'a10', 't4', 'v100', 'p100', 'p4', 'k80'];

/** Accelerators other than NVIDIA GPUs, by what their exporters, SKUs and instance types call them. */
const OTHER_ACCELERATORS: Array<[RegExp, string]> = [
  [/\bmi\s?300x?\b|mi300/i, 'amd-mi300x'], [/\bmi\s?250/i, 'amd-mi250'], [/\bmi\s?210/i, 'amd-mi210'],
  [/gaudi\s?3|hl-325/i, 'intel-gaudi3'], [/gaudi\s?2|hl-225/i, 'intel-gaudi2'], [/gaudi|hl-205|^dl1\./i, 'intel-gaudi'],
  [/inferentia\s?2|^inf2\./i, 'aws-inferentia2'], [/trainium\s?2|^trn2\./i, 'aws-trainium2'], [/trainium|^trn1n?\./i, 'aws-trainium'],
  [/tpu[\s-]*v5\s*(e|lite)|v5litepod|tpu-v5-lite/i, 'google-tpu-v5e'], [/tpu[\s-]*v5p/i, 'google-tpu-v5p'], [/tpu[\s-]*v6e|trillium/i, 'google-tpu-v6e'], [/tpu[\s-]*v4/i, 'google-tpu-v4'],
];

/**
 * An accelerator model's price key: "NVIDIA L4", "nvidia-tesla-t4", "Nvidia Tesla A100" →
 * "nvidia-l4", "nvidia-t4", "nvidia-a100"; "AMD Instinct MI300X OAM" → "amd-mi300x";
 * "inf2.24xlarge" (Neuron Monitor's instance type) → "aws-inferentia2"; "tpu-v5-lite-podslice" → "google-tpu-v5e".
 */
export function gpuModelKey(name: string): string {
  const other = OTHER_ACCELERATORS.find(([re]) => re.test(name));
  if (other) return other[1];
  const tokens = name.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  const known = tokens.find(t => KNOWN_GPUS.includes(t));
  if (known) return `nvidia-${known}`;
  return tokens.filter(t => t !== 'tesla').join('-') || 'default';
}

// ---------------------------------------------------------------------------
// Instance shapes.

export interface InstanceShape {
  vcpus: number;
  gib: number;
  gpus: number;
  gpuModel?: string;
  family: string;
  /** On-demand / pay-as-you-go price per hour where the built-in table knows it (USD). */
  onDemandHourly?: number;
}

const AWS_SIZE: Record<string, number> = { nano: 2, micro: 2, small: 2, medium: 2, large: 2, xlarge: 4 };
const AWS_GIB_PER_VCPU: Record<string, number> = { m: 4, c: 2, r: 8, t: 4, x: 16, z: 8, i: 8, g: 4 };
/** On-demand USD per vCPU-hour, us-east-1 Linux (the families the price table knows). */
const AWS_ON_DEMAND_PER_VCPU: Record<string, number> = { m6i: 0.048, m7i: 0.0504, m6a: 0.0432, c6i: 0.0425, c7i: 0.044625, r6i: 0.063, r7i: 0.06615 };
const AWS_GPU: Record<string, { model: string; hourlyXlarge: number }> = {
  g4dn: { model: 'nvidia-t4', hourlyXlarge: 0.526 },
  g5: { model: 'nvidia-a10g', hourlyXlarge: 1.006 },
  g6: { model: 'nvidia-l4', hourlyXlarge: 0.8048 },
  g6e: { model: 'nvidia-l40s', hourlyXlarge: 1.861 },
};
/** Accelerator instances whose shape does not follow the size name (us-east-1 on-demand, Linux). */
const AWS_FIXED: Record<string, InstanceShape> = {
  'p4d.24xlarge': { vcpus: 96, gib: 1152, gpus: 8, gpuModel: 'nvidia-a100', family: 'p4d', onDemandHourly: 32.7726 },
  'p4de.24xlarge': { vcpus: 96, gib: 1152, gpus: 8, gpuModel: 'nvidia-a100', family: 'p4de', onDemandHourly: 40.9657 },
  'g5.12xlarge': { vcpus: 48, gib: 192, gpus: 4, gpuModel: 'nvidia-a10g', family: 'g5', onDemandHourly: 5.672 },
  'p5.48xlarge': { vcpus: 192, gib: 2048, gpus: 8, gpuModel: 'nvidia-h100', family: 'p5', onDemandHourly: 98.32 },
  'inf2.xlarge': { vcpus: 4, gib: 16, gpus: 1, gpuModel: 'aws-inferentia2', family: 'inf2', onDemandHourly: 0.7582 },
  'inf2.8xlarge': { vcpus: 32, gib: 128, gpus: 1, gpuModel: 'aws-inferentia2', family: 'inf2', onDemandHourly: 1.9679 },
  'inf2.24xlarge': { vcpus: 96, gib: 384, gpus: 6, gpuModel: 'aws-inferentia2', family: 'inf2', onDemandHourly: 6.4906 },
  'inf2.48xlarge': { vcpus: 192, gib: 768, gpus: 12, gpuModel: 'aws-inferentia2', family: 'inf2', onDemandHourly: 12.9813 },
  'trn1.2xlarge': { vcpus: 8, gib: 32, gpus: 1, gpuModel: 'aws-trainium', family: 'trn1', onDemandHourly: 1.3438 },
  'trn1.32xlarge': { vcpus: 128, gib: 512, gpus: 16, gpuModel: 'aws-trainium', family: 'trn1', onDemandHourly: 21.5 },
  'trn1n.32xlarge': { vcpus: 128, gib: 512, gpus: 16, gpuModel: 'aws-trainium', family: 'trn1n', onDemandHourly: 24.78 },
  'dl1.24xlarge': { vcpus: 96, gib: 768, gpus: 8, gpuModel: 'intel-gaudi', family: 'dl1', onDemandHourly: 13.1090 },
};

function awsShape(type: string): InstanceShape | undefined {
  if (AWS_FIXED[type]) return AWS_FIXED[type];
  const m = /^([a-z]+)(\d+)([a-z-]*)\.(\d*)(nano|micro|small|medium|large|xlarge)$/.exec(type);
  if (!m) return undefined;
  const [, letters, generation, suffix, mult, size] = m;
  const family = `${letters}${generation}${suffix}`;
  const vcpus = mult ? Number(mult) * 4 : AWS_SIZE[size];
  const gpu = AWS_GPU[family];
  if (gpu) {
    const gpus = !mult || Number(mult) <= 8 || Number(mult) === 16 ? 1 : Number(mult) >= 48 ? 8 : 4;
    return { vcpus, gib: vcpus * 4, gpus, gpuModel: gpu.model, family, ...(vcpus === 4 ? { onDemandHourly: gpu.hourlyXlarge } : {}) };
  }
  const perVcpu = AWS_GIB_PER_VCPU[letters[0]];
  if (perVcpu === undefined) return undefined;
  const od = AWS_ON_DEMAND_PER_VCPU[family];
  return { vcpus, gib: vcpus * perVcpu, gpus: 0, family, ...(od ? { onDemandHourly: od * vcpus } : {}) };
}

const AZURE_GIB_PER_VCPU: Record<string, number> = { D: 4, E: 8, F: 2, B: 4, A: 2 };
/** Pay-as-you-go USD per vCPU-hour, Linux, West Europe (the series the table knows). */
const AZURE_PAYG_PER_VCPU: Record<string, number> = { Dsv5: 0.0575, Ddsv5: 0.0665, Dasv5: 0.0518, Esv5: 0.0755, Fsv2: 0.0485 };

/** Azure GPU sizes: ND (8 accelerators, InfiniBand) and NC (1–4) series; pay-as-you-go where the table knows it (approximate, USD/h). */
const AZURE_ACCELERATOR: Record<string, InstanceShape> = {
  Standard_ND96asr_v4: { vcpus: 96, gib: 900, gpus: 8, gpuModel: 'nvidia-a100', family: 'NDasrA100_v4' },
  Standard_ND96amsr_A100_v4: { vcpus: 96, gib: 1900, gpus: 8, gpuModel: 'nvidia-a100', family: 'NDamsrA100_v4' },
  Standard_ND96isr_H100_v5: { vcpus: 96, gib: 1900, gpus: 8, gpuModel: 'nvidia-h100', family: 'NDisrH100_v5' },
  Standard_ND96isr_MI300X_v5: { vcpus: 96, gib: 1850, gpus: 8, gpuModel: 'amd-mi300x', family: 'NDisrMI300X_v5', onDemandHourly: 48 },
  Standard_NC24ads_A100_v4: { vcpus: 24, gib: 220, gpus: 1, gpuModel: 'nvidia-a100', family: 'NCadsA100_v4' },
  Standard_NC48ads_A100_v4: { vcpus: 48, gib: 440, gpus: 2, gpuModel: 'nvidia-a100', family: 'NCadsA100_v4' },
  Standard_NC96ads_A100_v4: { vcpus: 96, gib: 880, gpus: 4, gpuModel: 'nvidia-a100', family: 'NCadsA100_v4' },
  Standard_NC40ads_H100_v5: { vcpus: 40, gib: 320, gpus: 1, gpuModel: 'nvidia-h100', family: 'NCadsH100_v5' },
  Standard_NC80adis_H100_v5: { vcpus: 80, gib: 640, gpus: 2, gpuModel: 'nvidia-h100', family: 'NCadsH100_v5' },
};

function azureShape(size: string): InstanceShape | undefined {
  if (AZURE_ACCELERATOR[size]) return { ...AZURE_ACCELERATOR[size] };
  const t4 = /^Standard_NC(\d+)as_T4_v3$/.exec(size);
  if (t4) {
    const vcpus = Number(t4[1]);
    return { vcpus, gib: vcpus * 7 - (vcpus >= 16 ? 2 : 0), gpus: vcpus >= 64 ? 4 : 1, gpuModel: 'nvidia-t4', family: 'NCasT4_v3' };
  }
  const m = /^Standard_([A-Z])(\d+)([a-z]*)_v(\d+)$/.exec(size);
  if (!m) return undefined;
  const [, series, n, features, version] = m;
  const perVcpu = AZURE_GIB_PER_VCPU[series];
  if (perVcpu === undefined) return undefined;
  const vcpus = Number(n);
  const family = `${series}${features}v${version}`;
  const payg = AZURE_PAYG_PER_VCPU[family];
  return { vcpus, gib: vcpus * perVcpu, gpus: 0, family, ...(payg ? { onDemandHourly: payg * vcpus } : {}) };
}

export function instanceShape(cloud: CloudName, type: string): InstanceShape | undefined {
  if (cloud === 'aws') return awsShape(type);
  if (cloud === 'azure') return azureShape(type);
  return undefined;
}

/** Google Cloud machine SKUs: "N2 Instance Core running in Belgium", "Nvidia L4 GPU running in …". */
export function classifyGcpSku(description: string): { kind: 'cpu' | 'ram'; family: string } | { kind: 'gpu'; model: string } | undefined {
  if (/^(Spot|Preemptible|Commitment|Licensing|Extended)\b/i.test(description) || /Custom|Sole Tenancy|Reserved|Commitment/i.test(description)) return undefined;
  const machine = /^([A-Z][A-Z0-9]*)\s+(?:AMD\s+|Arm\s+)?Instance\s+(Core|Ram)\b/i.exec(description);
  if (machine) return { kind: machine[2].toLowerCase() === 'core' ? 'cpu' : 'ram', family: machine[1].toLowerCase() };
  const gpu = /^(Nvidia\s+.+?)\s+GPU\b/i.exec(description);
  if (gpu) return { kind: 'gpu', model: gpuModelKey(gpu[1]) };
  // Cloud TPU chips: "TPU v5 Lite PodSlice chip running in …", "TPU v5p chip-hour …".
  const tpu = /^(?:Cloud\s+)?TPU[\s-]*(v\d+\w*(?:\s+Lite)?)/i.exec(description);
  if (tpu) {
    const key = gpuModelKey(`tpu ${tpu[1]}`);
    return { kind: 'gpu', model: key.startsWith('google-tpu') ? key : `google-tpu-${tpu[1].toLowerCase().replace(/\s+/g, '-')}` };
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Derivation.

export interface UnitPriceOptions {
  window?: { start: string; end: string };
  /** List prices from the Cloud Billing Catalog (Google Cloud). */
  listPrices?: ListPrices[];
  /** Tag / label key that marks a cluster's spend when the cluster has no billingTag. */
  clusterTagKeys?: Partial<Record<CloudName, string>>;
}

const PROVIDER: Record<Exclude<CloudName, 'on-prem'>, FocusRow['ProviderName']> = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Microsoft Azure' };
const DEFAULT_CLUSTER_TAG: Record<Exclude<CloudName, 'on-prem'>, string> = { aws: 'eks:cluster-name', gcp: 'goog-k8s-cluster-name', azure: 'aks-cluster' };
export const NODE_POOL_TAG: Record<Exclude<CloudName, 'on-prem'>, string> = { aws: 'eks:nodegroup-name', gcp: 'goog-k8s-node-pool-name', azure: 'aks-managed-poolName' };

/** Unit prices for every cluster: per cluster, plus per node pool where the billing tags name pools. */
export function unitPrices(rows: FocusRow[], clusters: ClusterConfig[], options: UnitPriceOptions = {}): UnitPrice[] {
  const out: UnitPrice[] = [];
  for (const cluster of clusters) {
    if (cluster.cloud === 'on-prem') {
      const p = onPremPrice(cluster);
      if (p) out.push(p);
      continue;
    }
    const cloud = cluster.cloud;
    const key = cluster.billingTag?.key ?? options.clusterTagKeys?.[cloud] ?? DEFAULT_CLUSTER_TAG[cloud];
    const value = cluster.billingTag?.value ?? cluster.name;
    const mine = rows.filter(r => r.ProviderName === PROVIDER[cloud] && r.Tags[key] === value);
    const scope = `tagged ${key}=${value}`;
    const all = rows.filter(r => r.ProviderName === PROVIDER[cloud]);
    const derived = derive(cloud, mine, all, scope, options.window);
    const base = { cluster: cluster.name, cloud, ...(cluster.region ? { region: cluster.region } : {}) };
    if (derived) {
      out.push({ ...base, ...derived });
      const poolTag = NODE_POOL_TAG[cloud];
      const pools = [...new Set(mine.map(r => r.Tags[poolTag]).filter((p): p is string => Boolean(p)))].sort();
      for (const pool of pools) {
        const d = derive(cloud, mine.filter(r => r.Tags[poolTag] === pool), all, `${scope}, ${poolTag}=${pool}`, options.window);
        if (d) out.push({ ...base, nodePool: pool, ...d });
      }
      continue;
    }
    const fallback = listPriceFor(cluster, mine, options.listPrices ?? [], `no instance usage ${scope} in the billing data${options.window ? ` for ${options.window.start}..${options.window.end}` : ''}`);
    out.push({ ...base, ...fallback });
  }
  return out;
}

type Derived = Pick<UnitPrice, 'currency' | 'perVcpuHour' | 'perGibHour' | 'perGpuHour' | 'source' | 'detail'>;

function derive(cloud: Exclude<CloudName, 'on-prem'>, rows: FocusRow[], all: FocusRow[], scope: string, window?: { start: string; end: string }): Derived | undefined {
  return cloud === 'gcp' ? deriveFromSkus(rows, all, scope, window) : deriveFromInstances(cloud, rows, scope, window);
}

/**
 * Google's resource-based commitments bill a monthly fee on their own SKU ("Commitment v1: N2 Cpu
 * in Belgium for 1 Year"), without cluster labels, and credit the covered usage. The fee is the
 * real price of that usage, so it is handed back to the rows in proportion to the credits they
 * received for the same family, resource and region.
 */
function commitmentShare(all: FocusRow[]): (row: FocusRow, kind: 'cpu' | 'ram', family: string) => number {
  const fees = new Map<string, number>();
  const credits = new Map<string, number>();
  for (const r of all) {
    const fee = /^Commitment v1:\s+([A-Z0-9]+)\s+(Cpu|Ram)\b/i.exec(r.x_UsageType ?? '');
    if (fee) {
      const k = `${r.RegionId ?? ''}|${fee[2].toLowerCase() === 'cpu' ? 'cpu' : 'ram'}|${fee[1].toLowerCase()}`;
      fees.set(k, (fees.get(k) ?? 0) + r.EffectiveCost);
      continue;
    }
    const kind = classifyGcpSku(r.x_UsageType ?? '');
    if (!kind || kind.kind === 'gpu' || !r.x_Credits) continue;
    const k = `${r.RegionId ?? ''}|${kind.kind}|${kind.family}`;
    credits.set(k, (credits.get(k) ?? 0) + r.x_Credits);
  }
  return (row, kind, family) => {
    const k = `${row.RegionId ?? ''}|${kind}|${family}`;
    const total = credits.get(k);
    return total && row.x_Credits ? (fees.get(k) ?? 0) * (row.x_Credits / total) : 0;
  };
}

const round = (n: number, digits = 6) => Number(n.toFixed(digits));
const hours = (n: number) => Math.round(n).toLocaleString('en-US');
const period = (w?: { start: string; end: string }) => (w ? `${w.start}..${w.end}` : 'the billing window');

/** AWS / Azure: split each instance type's effective cost by list-price weights (see the header). */
function deriveFromInstances(cloud: 'aws' | 'azure', rows: FocusRow[], scope: string, window?: { start: string; end: string }): Derived | undefined {
  const p = REFERENCE_PRICES;
  let cpuCost = 0, cpuHours = 0, ramCost = 0, ramHours = 0, effective = 0, onDemand = 0, onDemandKnown = true;
  const gpuCost: Record<string, number> = {};
  const gpuHours: Record<string, number> = {};
  const byType = new Map<string, { hours: number; cost: number }>();
  let currency = 'USD';
  for (const r of rows) {
    if (!r.x_InstanceType || !r.ConsumedQuantity || r.ConsumedQuantity <= 0) continue;
    if (cloud === 'aws' && !/(BoxUsage|SpotUsage|DedicatedUsage|HostUsage)/.test(r.x_UsageType ?? '')) continue;
    const e = byType.get(r.x_InstanceType) ?? { hours: 0, cost: 0 };
    e.hours += r.ConsumedQuantity;
    e.cost += r.EffectiveCost;
    byType.set(r.x_InstanceType, e);
    currency = r.BillingCurrency;
  }
  const used: string[] = [];
  for (const [type, { hours: h, cost }] of [...byType].sort()) {
    const shape = instanceShape(cloud, type);
    if (!shape) continue;
    const gpuList = shape.gpus > 0 ? (p.perGpuHour[shape.gpuModel ?? 'default'] ?? p.perGpuHour.default) : 0;
    const wCpu = shape.vcpus * p.perVcpuHour;
    const wRam = shape.gib * p.perGibHour;
    const wGpu = shape.gpus * gpuList;
    const k = cost / (h * (wCpu + wRam + wGpu));
    cpuCost += k * wCpu * h;
    cpuHours += shape.vcpus * h;
    ramCost += k * wRam * h;
    ramHours += shape.gib * h;
    if (shape.gpus > 0) {
      const model = shape.gpuModel ?? 'default';
      gpuCost[model] = (gpuCost[model] ?? 0) + k * wGpu * h;
      gpuHours[model] = (gpuHours[model] ?? 0) + shape.gpus * h;
    }
    effective += cost;
    if (shape.onDemandHourly !== undefined) onDemand += shape.onDemandHourly * h;
    else onDemandKnown = false;
    used.push(`${type} ${hours(h)} h`);
  }
  if (cpuHours === 0 || ramHours === 0) return undefined;
  const perGpuHour = gpuPrices(gpuCost, gpuHours);
  const vsList = onDemandKnown && onDemand > 0
    ? `; ${Math.round((1 - effective / onDemand) * 100)}% below ${cloud === 'aws' ? 'on-demand' : 'pay-as-you-go'} list`
    : '';
  const what = cloud === 'aws'
    ? 'net amortised cost (reservations, savings plans and discounts netted)'
    : 'amortised cost (reservations and savings plans spread, discounts netted)';
  return {
    currency,
    perVcpuHour: round(cpuCost / cpuHours),
    perGibHour: round(ramCost / ramHours),
    perGpuHour,
    source: 'billing-effective',
    detail: `${cloud === 'aws' ? 'AWS Cost Explorer' : 'Azure Cost Management'} ${what} of instances ${scope}, ${period(window)} (${used.join(', ')}), split into vCPU, memory and GPU by list-price weights${vsList}`,
  };
}

/** Google Cloud: per-resource SKUs, effective cost (credits netted) over usage. */
function deriveFromSkus(rows: FocusRow[], all: FocusRow[], scope: string, window?: { start: string; end: string }): Derived | undefined {
  let cpuCost = 0, cpuHours = 0, ramCost = 0, ramHours = 0, list = 0, effective = 0, credits = 0, fees = 0;
  const feeOf = commitmentShare(all);
  const gpuCost: Record<string, number> = {};
  const gpuHours: Record<string, number> = {};
  const skus = new Set<string>();
  const families = new Set<string>();
  let currency = 'USD';
  for (const r of rows) {
    const kind = classifyGcpSku(r.x_UsageType ?? '');
    const q = r.ConsumedQuantity ?? 0;
    if (!kind || q <= 0) continue;
    const unit = (r.PricingUnit ?? '').toLowerCase();
    const fee = kind.kind === 'gpu' ? 0 : feeOf(r, kind.kind, kind.family);
    const cost = r.EffectiveCost + fee;
    if (kind.kind === 'cpu' && unit === 'hour') { cpuCost += cost; cpuHours += q; families.add(kind.family); }
    else if (kind.kind === 'ram' && unit === 'gibibyte hour') { ramCost += cost; ramHours += q; families.add(kind.family); }
    else if (kind.kind === 'gpu' && unit === 'hour') { gpuCost[kind.model] = (gpuCost[kind.model] ?? 0) + cost; gpuHours[kind.model] = (gpuHours[kind.model] ?? 0) + q; }
    else continue;
    list += r.ListCost ?? r.BilledCost;
    effective += cost;
    fees += fee;
    credits += r.x_Credits ?? 0;
    if (r.SkuId) skus.add(r.SkuId);
    currency = r.BillingCurrency;
  }
  if (cpuHours === 0 || ramHours === 0) return undefined;
  const vsList = list > 0 ? `; ${Math.round((1 - effective / list) * 100)}% below list` : '';
  return {
    currency,
    perVcpuHour: round(cpuCost / cpuHours),
    perGibHour: round(ramCost / ramHours),
    perGpuHour: gpuPrices(gpuCost, gpuHours),
    source: 'billing-effective',
    detail: `Google Cloud billing export (BigQuery) cost net of committed-use and sustained-use credits (${credits.toFixed(2)} ${currency}, commitment fees ${fees.toFixed(2)} ${currency} added back) of ${[...families].sort().join('/').toUpperCase()} core, RAM and GPU SKUs ${scope}, ${period(window)} (${hours(cpuHours)} vCPU-h, ${hours(ramHours)} GiB-h; SKUs ${[...skus].sort().join(', ')})${vsList}`,
  };
}

/** Per-model prices plus "default" = the hour-weighted average over models. */
function gpuPrices(cost: Record<string, number>, hrs: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  let c = 0, h = 0;
  for (const model of Object.keys(hrs).sort()) {
    if (hrs[model] <= 0) continue;
    out[model] = round(cost[model] / hrs[model]);
    c += cost[model];
    h += hrs[model];
  }
  if (h > 0) out.default = round(c / h);
  return out;
}

function listPriceFor(cluster: ClusterConfig, rows: FocusRow[], listPrices: ListPrices[], why: string): Derived {
  if (cluster.cloud === 'gcp') {
    const candidates = listPrices.filter(l => l.cloud === 'gcp' && l.region === cluster.region);
    const seen = rows.map(r => classifyGcpSku(r.x_UsageType ?? '')).flatMap(k => (k && k.kind !== 'gpu' ? [k.family] : []));
    const pick = candidates.find(l => seen.includes(l.family)) ?? candidates.find(l => l.family === 'n2') ?? candidates[0];
    if (pick) {
      return {
        currency: pick.currency,
        perVcpuHour: pick.perVcpuHour,
        perGibHour: pick.perGibHour,
        perGpuHour: { ...pick.perGpuHour, ...(Object.keys(pick.perGpuHour).length > 0 && pick.perGpuHour.default === undefined ? { default: Math.max(...Object.values(pick.perGpuHour)) } : {}) },
        source: 'list-price',
        detail: `list price, ${pick.family.toUpperCase()} machines: ${pick.detail}; ${why}, so committed-use discounts are not reflected`,
      };
    }
  }
  return {
    currency: 'USD',
    perVcpuHour: REFERENCE_PRICES.perVcpuHour,
    perGibHour: REFERENCE_PRICES.perGibHour,
    perGpuHour: { ...REFERENCE_PRICES.perGpuHour },
    source: 'list-price',
    detail: `rightsizer's reference on-demand prices (us-east-1 general-purpose instances; see docs/PRICING.md), not this cluster's region or discounts: ${why}`,
  };
}

function onPremPrice(cluster: ClusterConfig): UnitPrice | undefined {
  const prices = cluster.prices;
  if (!prices) return undefined;
  const kwh = prices.perKwh ?? 0;
  const energy = (watts: number) => (watts / 1000) * kwh;
  const gpu: Record<string, number> = {};
  for (const [model, price] of Object.entries(prices.perGpuHour ?? {})) {
    const key = model === 'default' ? 'default' : gpuModelKey(model);
    gpu[key] = round(price + energy(POWER_WATTS.perGpu[key] ?? POWER_WATTS.perGpu.default));
  }
  return {
    cluster: cluster.name,
    cloud: 'on-prem',
    ...(cluster.region ? { region: cluster.region } : {}),
    currency: prices.currency,
    perVcpuHour: round(prices.perVcpuHour + energy(POWER_WATTS.perVcpu)),
    perGibHour: round(prices.perGibHour + energy(POWER_WATTS.perGib)),
    perGpuHour: gpu,
    source: 'on-prem-config',
    detail: kwh > 0
      ? `amortised hardware from clusters[${cluster.name}].prices plus energy at ${kwh} ${prices.currency}/kWh (${POWER_WATTS.perVcpu.toFixed(2)} W per vCPU, ${POWER_WATTS.perGib} W per GiB, GPU at 60% of board power)`
      : `amortised hardware from clusters[${cluster.name}].prices (no energy price configured)`,
  };
}
