// What a Kubernetes value can sensibly be: the one place that says how large a pod's CPU,
// memory, GPUs or replica count may be. Input sanity (src/snapshot/sanity.ts) rejects usage
// beyond it, the editor refuses to write values beyond it, and the scope guard refuses to push
// them. Figures: the largest cloud machines have 896 vCPUs and 32 TiB of memory
// (AWS u7in-32tb, 2024), 16 GPUs or Neuron devices, and 128 NeuronCores (trn2.48xlarge: 16
// devices of 8 cores, counted as `aws.amazon.com/neuroncore`); Kubernetes is tested up to
// 150,000 pods per cluster.

import { parseQuantity } from './quantity.ts';
import type { FieldName } from './types.ts';

export const BOUNDS = {
  /** Cores of one container. */
  cpuCores: { min: 0.001, max: 1024 },
  /** Bytes of one container. */
  memoryBytes: { min: 2 ** 20, max: 32 * 2 ** 40 },
  /** Accelerators of one container: GPUs, TPU chips, Neuron devices or NeuronCores (the most numerous). */
  gpus: { min: 0, max: 128 },
  /** Replicas of one workload (0 only where a policy explicitly allows scale to zero). */
  replicas: { min: 1, max: 10_000 },
  /** HPA utilisation targets, percent of the request. */
  utilisationPercent: { min: 1, max: 1000 },
} as const;

function range(field: FieldName): { min: number; max: number; unit: string } {
  if (field.startsWith('cpu.')) return { ...BOUNDS.cpuCores, unit: 'cores' };
  if (field.startsWith('memory.')) return { ...BOUNDS.memoryBytes, unit: 'bytes' };
  if (field.startsWith('gpu.')) return { ...BOUNDS.gpus, unit: 'GPUs' };
  if (field === 'hpa.targetCPUUtilization' || field === 'hpa.targetMemoryUtilization') return { ...BOUNDS.utilisationPercent, unit: '%' };
  return { ...BOUNDS.replicas, unit: 'replicas' };
}

const INTEGER_FIELDS = new Set<FieldName>(['replicas', 'hpa.minReplicas', 'hpa.maxReplicas', 'hpa.targetCPUUtilization', 'hpa.targetMemoryUtilization', 'gpu.request', 'gpu.limit']);

/**
 * Why `text` (a value as written in YAML, quotes removed) may not be written to `field`, or
 * undefined when it is a valid Kubernetes value within BOUNDS. `allowZero`: the editor may write
 * 0 (a file that scales a workload to zero is undone exactly); a plan may not.
 */
export function valueProblem(field: FieldName, text: string | number, options: { allowZero?: boolean } = {}): string | undefined {
  const raw = String(text).trim();
  if (INTEGER_FIELDS.has(field) && !/^\d+$/.test(raw)) return `${field} ${JSON.stringify(raw)} is not a whole number`;
  if (!INTEGER_FIELDS.has(field) && !/^(\d+(\.\d+)?)(m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(raw)) return `${field} ${JSON.stringify(raw)} is not a Kubernetes quantity rightsizer writes (e.g. 250m, 512Mi)`;
  const value = parseQuantity(raw)?.value;
  if (value === undefined || !Number.isFinite(value)) return `${field} ${JSON.stringify(raw)} is not a number`;
  const { min, max, unit } = range(field);
  if (value === 0 && options.allowZero) return undefined;
  if (value < min || value > max) return `${field} ${raw} is outside the sane range ${min}–${max} ${unit}`;
  return undefined;
}
