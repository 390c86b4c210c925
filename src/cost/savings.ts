// Money on every recommendation: the monthly change in what the workload reserves, priced at
// the cluster's (or node pool's) unit prices.
//
//   monthly delta = Σ over CPU, memory, GPU of
//                   (new per-pod request × new replicas − old per-pod request × old replicas)
//                   × unit price per hour × 730 h
//
// This prices requests, because requests are what the scheduler reserves and what decides how
// many nodes run. It is only realised when nodes go away (cluster autoscaler, Karpenter, or
// buying fewer machines): freed requests on nodes that keep running cost the same. The caveat
// says so on every figure.

import { workloadId, type CostDelta, type Recommendation, type ResourceAmounts, type UnitPrice, type UsageProfile, type WorkloadSpec } from '../core/types.ts';
import { gpuModelKey } from './unit-prices.ts';

export const HOURS_PER_MONTH = 730;
/** The first sentence of every cost caveat; what follows it is particular to the workload. */
export const SAVINGS_CAVEAT = 'Savings are realised only when nodes scale down (cluster autoscaler / Karpenter) or fewer machines are bought; freed requests on nodes that keep running cost the same.';
const GIB = 1024 ** 3;

export function priceRecommendation(rec: Recommendation, spec: WorkloadSpec, price: UnitPrice | undefined): CostDelta | undefined {
  if (!price || rec.status === 'insufficient-data') return undefined;
  const notes: string[] = [];

  // Replicas before and after. An HPA owns the count: price at today's replicas when known,
  // else at minReplicas, and say which.
  let before: number;
  let after: number;
  if (spec.hpa) {
    if (spec.replicas !== undefined) {
      before = spec.replicas;
      after = spec.replicas;
      notes.push(`HPA workload priced at its current ${spec.replicas} replicas`);
    } else {
      before = rec.hpa?.minReplicas?.from ?? spec.hpa.minReplicas;
      after = rec.hpa?.minReplicas?.to ?? before;
      notes.push(before === after ? `HPA workload priced at minReplicas ${before}` : `HPA workload priced at minReplicas ${before} → ${after}`);
    }
  } else {
    before = rec.replicas?.from ?? spec.replicas ?? 1;
    after = rec.replicas?.to ?? before;
    if (spec.replicas === undefined && rec.replicas?.from === undefined) notes.push('replica count unknown, priced as 1');
  }

  // Per-pod requests before (the spec) and after (the spec with the recommended changes).
  const podBefore: Required<ResourceAmounts> = { cpuCores: 0, memoryBytes: 0, gpus: 0 };
  const podAfter: Required<ResourceAmounts> = { cpuCores: 0, memoryBytes: 0, gpus: 0 };
  for (const c of spec.containers) {
    const change = rec.containers.find(x => x.container === c.container);
    const cpu = c.requests.cpuCores ?? change?.cpuRequest?.from ?? 0;
    const mem = c.requests.memoryBytes ?? change?.memoryRequest?.from ?? 0;
    // A GPU is requested through limits (nvidia.com/gpu); requests equal limits.
    const gpu = c.requests.gpus ?? c.limits.gpus ?? change?.gpuRequest?.from ?? change?.gpuLimit?.from ?? 0;
    podBefore.cpuCores += cpu;
    podBefore.memoryBytes += mem;
    podBefore.gpus += gpu;
    podAfter.cpuCores += change?.cpuRequest?.to ?? cpu;
    podAfter.memoryBytes += change?.memoryRequest?.to ?? mem;
    podAfter.gpus += change?.gpuRequest?.to ?? change?.gpuLimit?.to ?? gpu;
  }
  // Containers only in the recommendation (not in the spec) count with their from/to values.
  for (const change of rec.containers) {
    if (spec.containers.some(c => c.container === change.container)) continue;
    podBefore.cpuCores += change.cpuRequest?.from ?? 0;
    podAfter.cpuCores += change.cpuRequest?.to ?? change.cpuRequest?.from ?? 0;
    podBefore.memoryBytes += change.memoryRequest?.from ?? 0;
    podAfter.memoryBytes += change.memoryRequest?.to ?? change.memoryRequest?.from ?? 0;
  }

  const cpuDelta = podAfter.cpuCores * after - podBefore.cpuCores * before;
  const gibDelta = (podAfter.memoryBytes * after - podBefore.memoryBytes * before) / GIB;
  const gpuDelta = podAfter.gpus * after - podBefore.gpus * before;
  let perHour = cpuDelta * price.perVcpuHour + gibDelta * price.perGibHour;
  if (gpuDelta !== 0) {
    const model = spec.gpuModel ? gpuModelKey(spec.gpuModel) : 'default';
    // Prices are per device; a NeuronCore is half of an Inferentia2 or Trainium device.
    const perUnit = spec.containers.some(c => c.accelerator === 'aws.amazon.com/neuroncore') ? 0.5 : 1;
    const devicePrice = price.perGpuHour[model] ?? price.perGpuHour.default;
    const gpuPrice = devicePrice === undefined ? undefined : devicePrice * perUnit;
    if (gpuPrice === undefined) notes.push(`GPU change (${gpuDelta > 0 ? '+' : ''}${gpuDelta}) not priced: no GPU price for ${price.cluster}`);
    else {
      perHour += gpuDelta * gpuPrice;
      if (price.perGpuHour[model] === undefined && model !== 'default') notes.push(`no price for GPU model ${model}, used the cluster's average GPU price`);
    }
  }
  const monthly = Math.round(perHour * HOURS_PER_MONTH * 100) / 100;
  return {
    monthly: Object.is(monthly, -0) ? 0 : monthly,
    currency: price.currency,
    priceSource: price.source,
    priceDetail: `${price.nodePool ? `node pool ${price.nodePool} of ` : ''}${price.cluster}: ${price.detail}`,
    caveat: [SAVINGS_CAVEAT, ...notes.map(n => `${n}.`)].join(' '),
  };
}

/** Copies of `recs` with `cost` set, priced at the workload's cluster (its node pool when known). */
export function priceRecommendations(recs: Recommendation[], profiles: UsageProfile[], prices: UnitPrice[]): Recommendation[] {
  const byId = new Map(profiles.map(p => [workloadId(p.ref), p]));
  return recs.map(rec => {
    const profile = byId.get(rec.id);
    const spec: WorkloadSpec | undefined = profile?.current;
    if (!spec) return { ...rec };
    const gpuModel = spec.gpuModel ?? profile?.containers.find(c => c.gpu?.model)?.gpu?.model;
    const price = pickPrice(prices, rec.ref.cluster, spec.nodePool);
    const cost = priceRecommendation(rec, gpuModel ? { ...spec, gpuModel } : spec, price);
    return cost ? { ...rec, cost } : { ...rec };
  });
}

export function pickPrice(prices: UnitPrice[], cluster: string, nodePool?: string): UnitPrice | undefined {
  const mine = prices.filter(p => p.cluster === cluster);
  return (nodePool ? mine.find(p => p.nodePool === nodePool) : undefined) ?? mine.find(p => p.nodePool === undefined) ?? mine[0];
}
