// The collector benchmark's data set: W containers in namespaces of 50, workloads of 5 pods,
// CPU with a daily cycle and per-minute noise, memory breathing every 10 minutes. Shared by
// bench/collect.ts and the collector's accuracy test, so both measure the same data.

const DAY = 86400;
export const PER_NAMESPACE = 50;
export const PODS_PER_WORKLOAD = 5;

export function hash(a: number, b: number): number {
  let h = (Math.imul(a, 2654435761) ^ Math.imul(b + 0x9e3779b9, 40503)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

export interface Container { ns: string; workload: string; rs: string; pod: string; index: number; base: number; memBase: number }

export function containersOf(count: number): Container[] {
  const out: Container[] = [];
  for (let i = 0; i < count; i++) {
    const nsIndex = Math.floor(i / PER_NAMESPACE);
    const w = Math.floor((i % PER_NAMESPACE) / PODS_PER_WORKLOAD);
    const ns = `team-${String(nsIndex).padStart(3, '0')}`;
    const workload = `svc-${String(w).padStart(2, '0')}`;
    const rs = `${workload}-6d${String(nsIndex % 100).padStart(2, '0')}f7c9b`;
    out.push({ ns, workload, rs, pod: `${rs}-p${i % PODS_PER_WORKLOAD}x${String(i).padStart(4, '0')}`, index: i, base: 0.05 + 1.5 * hash(i, 1), memBase: (200 + 1800 * hash(i, 2)) * 2 ** 20 });
  }
  return out;
}

export function cpuAt(c: Container, t: number): number {
  const daily = 0.5 + 0.5 * Math.sin((t % DAY) / DAY * 2 * Math.PI);
  return c.base * (0.4 + 0.6 * daily) * (0.8 + 0.4 * hash(c.index, Math.floor(t / 60)));
}

export function memAt(c: Container, t: number): number {
  return Math.round(c.memBase * (0.9 + 0.1 * hash(c.index + 7, Math.floor(t / 600))));
}

