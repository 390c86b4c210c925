// Replay benchmark: runs the engine's estimators over Bitbrains-format traces, following the
// protocol of shared/bench/replay-score.mjs, and writes one JSON line per entity and week.
//
//   npm run bench:replay -- --traces DIR --out FILE.jsonl
//   node ../shared/bench/replay-score.mjs DIR --recs FILE.jsonl
//
// For each entity (CSV) and each week starting 14 and 21 days after its first sample, only the
// previous 14 days are fed into the same sketches the collector fills (DecayingHistogram with
// CPU_HISTOGRAM, hourly PeakSeries) and the same estimateContainer() that recommendWorkload()
// calls. The VM's provisioned cores and memory stand in for today's request and limit.
// What is emitted is the estimate (the value the bot converges to); the bot's calm rules (step
// limits, minimum change) act on top of it in recommendWorkload and are not part of this score.

import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ContainerUsage } from '../src/core/types.ts';
import { estimateContainer } from '../src/recommend/estimate.ts';
import { CPU_HISTOGRAM, DecayingHistogram } from '../src/recommend/model/decaying-histogram.ts';
import { PeakSeries } from '../src/recommend/model/peak-series.ts';
import { readBitbrainsCsv } from './lib/bitbrains.ts';

const DAY = 86400;
const HISTORY_DAYS = 14;
const WEEKS = [14, 21];
const SAMPLE_SECONDS = 300;

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
    const trace = readBitbrainsCsv(path.join(values.traces, file));
    if (!trace.time.length) continue;
    for (const week of WEEKS) {
      const ref = trace.time[0] + week * DAY, from = ref - HISTORY_DAYS * DAY;
      const cpu = new DecayingHistogram(CPU_HISTOGRAM, from);
      const memory = new PeakSeries(3600, 24 * 35);
      let n = 0, first = Infinity, last = -Infinity;
      for (let i = 0; i < trace.time.length; i++) {
        const t = trace.time[i];
        if (t < from || t >= ref) continue;
        cpu.add(trace.cpuCores[i], t);
        memory.add(trace.memoryBytes[i], t);
        n++;
        if (t < first) first = t;
        if (t > last) last = t;
      }
      if (n === 0) continue;
      samples += n;
      const usage: ContainerUsage = {
        container: entity, cpu: cpu.toState(), memoryPeaks: memory.toState(), oomKills: [], restarts: 0,
        samples: n, firstSample: first, lastSample: last, coverage: Math.min(1, n / ((HISTORY_DAYS * DAY) / SAMPLE_SECONDS)),
      };
      const e = estimateContainer(usage, { historyDays: HISTORY_DAYS, cpuPercentile, now: ref, kind: 'Deployment', currentMemory: trace.memoryCapacityBytes });
      if (!e.sufficient || !e.cpu || !e.memory) {
        console.error(`${entity} week ${week}: no estimate (${e.insufficientBecause ?? 'no memory data'})`);
        continue;
      }
      classes[e.workloadClass] = (classes[e.workloadClass] ?? 0) + 1;
      lines.push(JSON.stringify({ entity, week, cpu_cores: e.cpu.cores, memory_bytes: e.memory.bytes }));
    }
  }
  writeFileSync(values.out, lines.length ? lines.join('\n') + '\n' : '');
  const seconds = (performance.now() - started) / 1000;
  console.error(`${lines.length} recommendations for ${files.length} traces (${samples} samples) in ${seconds.toFixed(2)} s → ${values.out}; classes ${JSON.stringify(classes)}`);
}

main();
