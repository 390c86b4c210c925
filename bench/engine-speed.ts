// Engine speed: N containers × D days × 1-minute samples through the sketches (CPU decaying
// histogram, hourly memory peaks) and the estimators, on one core. Samples are synthetic
// (steady, daily-seasonal, spiky and batch-like shapes from a seeded generator); generating
// them is not timed, feeding and estimating is.
//
//   npm run bench:engine [-- --containers 10000 --days 14 --per-sample]

import { parseArgs } from 'node:util';
import { availableParallelism, cpus } from 'node:os';
import type { ContainerUsage } from '../src/core/types.ts';
import { estimateContainer } from '../src/recommend/estimate.ts';
import { CPU_HISTOGRAM, DecayingHistogram } from '../src/recommend/model/decaying-histogram.ts';
import { CpuWindowSketches } from '../src/recommend/model/cpu-window.ts';
import { PeakSeries } from '../src/recommend/model/peak-series.ts';

const { values } = parseArgs({ options: { containers: { type: 'string' }, days: { type: 'string' }, 'per-sample': { type: 'boolean' } } });
// --per-sample feeds one add() per sample (as a streaming collector would) instead of addSeries().
const perSample = values['per-sample'] ?? false;
const containers = Number(values.containers ?? 10000);
const days = Number(values.days ?? 14);
const STEP = 60;
const n = Math.round((days * 86400) / STEP);

// xorshift32: fast, seeded, good enough for synthetic load shapes.
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}

const cpu = new Float64Array(n), mem = new Float64Array(n);
function generate(k: number): void {
  const shape = k % 4, base = 0.05 + random() * 2, memBase = (64 + random() * 4000) * 2 ** 20;
  for (let i = 0; i < n; i++) {
    const day = Math.sin((2 * Math.PI * i * STEP) / 86400);
    let c = base * (1 + 0.1 * (random() - 0.5));
    if (shape === 1) c *= 1 + 0.6 * day;
    else if (shape === 2 && random() < 0.01) c *= 4;
    else if (shape === 3) c = (i % 1440) < 120 ? base * 3 : base * 0.02;
    cpu[i] = c;
    mem[i] = memBase * (1 + 0.05 * random() + (shape === 1 ? 0.2 * day : 0));
  }
}

const start = 1_700_000_000;
const now = start + n * STEP;
let timed = 0;
let checksum = 0;
for (let k = 0; k < containers; k++) {
  generate(k);
  const t0 = performance.now();
  const h = new DecayingHistogram(CPU_HISTOGRAM, start);
  const w = new CpuWindowSketches(now);
  const p = new PeakSeries(3600, 24 * 35);
  if (perSample) {
    let t = start;
    for (let i = 0; i < n; i++, t += STEP) {
      h.add(cpu[i], t);
      w.add(undefined, cpu[i], t);
      p.add(mem[i], t);
    }
  } else {
    h.addSeries(cpu, start, STEP);
    w.addSeries(undefined, cpu, start, STEP);
    p.addSeries(mem, start, STEP);
  }
  const usage: ContainerUsage = {
    container: `c${k}`, cpu: h.toState(), ...w.toUsage(), memoryPeaks: p.toState(), oomKills: [], restarts: 0,
    samples: n, firstSample: start, lastSample: now - STEP, coverage: 1,
  };
  const e = estimateContainer(usage, { historyDays: days, cpuPercentile: 0.95, now, currentMemory: 8 * 2 ** 30 });
  checksum += (e.cpu?.cores ?? 0) + (e.memory?.bytes ?? 0) / 2 ** 30;
  timed += performance.now() - t0;
}
const seconds = timed / 1000;
const samples = containers * n;
console.log(JSON.stringify({
  containers, days, stepSeconds: STEP, samplesPerContainer: n, samples,
  seconds: +seconds.toFixed(2), samplesPerSecond: Math.round(samples / seconds),
  mode: perSample ? 'add() per sample' : 'addSeries() per container', underTenSeconds: seconds < 10, checksum: +checksum.toFixed(3),
  node: process.version, cpu: cpus()[0]?.model, cores: availableParallelism(),
}, null, 1));
