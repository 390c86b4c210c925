// Energy and carbon of what a workload reserves, before and after. Measured GPU power (DCGM)
// where it exists; otherwise a linear CPU power model (watts per requested core) and a small
// per-GiB figure for memory. Carbon = kWh × the region's intensity from config.

import type { EnergyDelta } from '../../core/types.ts';

export const HOURS_PER_MONTH = 730;
/** Default CPU power per requested core, watts (server CPUs draw roughly 5-15 W per core under load). */
export const DEFAULT_WATTS_PER_CORE = 10;
/** DRAM power per GiB reserved, watts (~0.375 W/GB is the figure commonly used in carbon calculators). */
export const WATTS_PER_GIB = 0.4;

export interface Reservation {
  cpuCores: number;
  memoryBytes: number;
  gpus: number;
  replicas: number;
}

export interface PowerModel {
  wattsPerCore: number;
  wattsPerGib: number;
  /** Measured watts per GPU (median draw), when DCGM power exists. */
  wattsPerGpu?: number;
}

export function watts(r: Reservation, model: PowerModel): number {
  const perPod = r.cpuCores * model.wattsPerCore + (r.memoryBytes / 2 ** 30) * model.wattsPerGib + r.gpus * (model.wattsPerGpu ?? 0);
  return perPod * Math.max(1, r.replicas);
}

export function energyDelta(before: Reservation, after: Reservation, model: PowerModel, carbonIntensity?: number): EnergyDelta {
  const kwh = (r: Reservation) => (watts(r, model) * HOURS_PER_MONTH) / 1000;
  const k0 = kwh(before), k1 = kwh(after);
  const ci = carbonIntensity ?? 0;
  const parts = [`${model.wattsPerCore} W per requested core`, `${model.wattsPerGib} W per GiB`];
  if (model.wattsPerGpu !== undefined) parts.push(`${model.wattsPerGpu.toFixed(0)} W per GPU (median DCGM power)`);
  return {
    kwhPerMonthBefore: round3(k0), kwhPerMonthAfter: round3(k1),
    kgCo2ePerMonthBefore: round3(k0 * ci), kgCo2ePerMonthAfter: round3(k1 * ci),
    model: `${parts.join(', ')}, ${HOURS_PER_MONTH} h/month` + (carbonIntensity !== undefined ? `, ${carbonIntensity} kg CO2e/kWh` : ', no carbon intensity configured'),
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
