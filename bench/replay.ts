// Replay benchmark: runs the engine's estimators over Bitbrains-format traces, following the
// protocol of shared/bench/replay-score.mjs, and writes one JSON line per entity and week.
//
//   npm run bench:replay -- --traces DIR --out FILE.jsonl
//   node ../shared/bench/replay-score.mjs DIR --recs FILE.jsonl
//
// For each entity (CSV) and each week starting 14 and 21 days after its first sample, only the
// previous 14 days are fed into the same sketches the collector fills (DecayingHistogram with
// CPU_HISTOGRAM, CpuWindowSketches, hourly PeakSeries) and the same estimateContainer() that
// recommendWorkload() calls. The VM's provisioned cores and memory stand in for today's request and limit.
// What is emitted is the estimate (the value the bot converges to); the bot's calm rules (step
// limits, minimum change) act on top of it in recommendWorkload and are not part of this score.

import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ContainerUsage } from '../src/core/types.ts';
import { estimateContainer, type EstimateOptions } from '../src/recommend/estimate.ts';
import { CPU_HISTOGRAM, DecayingHistogram, type HistogramOptions } from '../src/recommend/model/decaying-histogram.ts';
import { CpuWindowSketches } from '../src/recommend/model/cpu-window.ts';
import { PeakSeries } from '../src/recommend/model/peak-series.ts';
import { readBitbrainsCsv, type Trace } from './lib/bitbrains.ts';

const DAY = 86400;
const HISTORY_DAYS = 14;
const WEEKS = [14, 21];
const SAMPLE_SECONDS = 300;

export interface ReplayOptions {
  cpuPercentile?: number;
  /** CPU sketch layout; the collector's CPU_HISTOGRAM unless a variant is being compared. */
  cpuHistogram?: HistogramOptions;
  rules?: EstimateOptions['rules'];
  /** Feed only the recency-weighted CPU sketch (the engine before the window basis; an older snapshot). */
  recencyOnly?: boolean;
}

export interface ReplayLine { entity: string; week: number; cpu_cores: number; memory_bytes: number; workloadClass: string }

/** The engine's estimate for one trace and each evaluation week (only history before the week is fed). */
export function replayTrace(entity: string, trace: Trace, options: ReplayOptions = {}, onSkip?: (why: string) => void): { lines: ReplayLine[]; samples: number } {
  const lines: ReplayLine[] = [];
  let samples = 0;
  if (!trace.time.length) return { lines, samples };
  for (const week of WEEKS) {
    const ref = trace.time[0] + week * DAY, from = ref - HISTORY_DAYS * DAY;
    const cpu = new DecayingHistogram(options.cpuHistogram ?? CPU_HISTOGRAM, from);
    const window = new CpuWindowSketches(ref);
    const memory = new PeakSeries(3600, 24 * 35);
    let n = 0, first = Infinity, last = -Infinity;
    for (let i = 0; i < trace.time.length; i++) {
      const t = trace.time[i];
      if (t < from || t >= ref) continue;
      cpu.add(trace.cpuCores[i], t);
      window.add(undefined, trace.cpuCores[i], t);
      memory.add(trace.memoryBytes[i], t);
      n++;
      if (t < first) first = t;
      if (t > last) last = t;
    }
    if (n === 0) continue;
    samples += n;
    const usage: ContainerUsage = {
      container: entity, cpu: cpu.toState(), ...(options.recencyOnly ? {} : window.toUsage()), memoryPeaks: memory.toState(), oomKills: [], restarts: 0,
      samples: n, firstSample: first, lastSample: last, coverage: Math.min(1, n / ((HISTORY_DAYS * DAY) / SAMPLE_SECONDS)),
    };
    const e = estimateContainer(usage, {
      historyDays: HISTORY_DAYS, cpuPercentile: options.cpuPercentile ?? 0.95, now: ref, kind: 'Deployment',
      currentMemory: trace.memoryCapacityBytes, rules: options.rules,
    });
    if (!e.sufficient || !e.cpu || !e.memory) {
      onSkip?.(`${entity} week ${week}: no estimate (${e.insufficientBecause ?? 'no memory data'})`);
      continue;
    }
    lines.push({ entity, week, cpu_cores: e.cpu.cores, memory_bytes: e.memory.bytes, workloadClass: e.workloadClass });
  }
  return { lines, samples };
}

function main(): void {
  const { values } = parseArgs({ options: { traces: { type: 'string' }, out: { type: 'string' }, percentile: { type: 'string' } } });
  if (!values.traces || !values.out) {
    console.error('usage: npm run bench:replay -- --traces DIR --out FILE.jsonl [--percentile 0.95]');
    process.exit(2);
  }
  const cpuPercentile = values.percentile ? Number(values.percentile) : 0.95;
  const files = readdirSync(values.traces).filter(f => f.endsWith('.csv')).sort();
  const lines: string[] = [];
  const classes: Record<string, number> = {};
  const started = performance.now();
  let samples = 0;
  for (const file of files) {
    const entity = path.basename(file, '.csv');
    const r = replayTrace(entity, readBitbrainsCsv(path.join(values.traces, file)), { cpuPercentile }, why => console.error(why));
    samples += r.samples;
    for (const l of r.lines) {
      classes[l.workloadClass] = (classes[l.workloadClass] ?? 0) + 1;
      lines.push(JSON.stringify({ entity: l.entity, week: l.week, cpu_cores: l.cpu_cores, memory_bytes: l.memory_bytes }));
    }
  }
  writeFileSync(values.out, lines.length ? lines.join('\n') + '\n' : '');
  const seconds = (performance.now() - started) / 1000;
  console.error(`${lines.length} recommendations for ${files.length} traces (${samples} samples) in ${seconds.toFixed(2)} s → ${values.out}; classes ${JSON.stringify(classes)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
