// Robustness of the replay verdict: does the engine beat KRR (and hold against VPA) on traces
// it has not seen? The public traces are one sample of VMs; this re-scores the engine and the
// scorer's baselines on many random halves and bootstrap resamples of the entities, with the
// shared scorer itself (imported at run time, not copied), each subset a temporary directory of
// symbolic links. The scorer's protocol (14 days of history, weeks at days 14 and 21) is fixed,
// so other history lengths or week offsets are not evaluated.
//
//   ./node_modules/.bin/node bench/replay-robustness.ts --traces DIR --scorer ../shared/bench/replay-score.mjs \
//     [--halves 200] [--bootstraps 200] [--seed 1] [--variants engine,memory-flat-10,...] [--json FILE]
//
// Prints, for each variant: the full-set figures and verdict, then for halves and bootstraps the
// share of resamples where each verdict entry holds, and the mean and 5th percentile of each
// margin over KRR (positive = the engine is better).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CPU_HISTOGRAM } from '../src/recommend/model/decaying-histogram.ts';
import { readBitbrainsCsv } from './lib/bitbrains.ts';
import { replayTrace, type ReplayLine, type ReplayOptions } from './replay.ts';
import { seededRandom } from './seeded-random.ts';

// Variants compared with the engine's defaults. Each changes one principle, not a tuned number.
const VARIANTS: Record<string, { about: string; options: ReplayOptions; saved?: Map<string, ReplayLine[]> }> = {
  engine: { about: 'the engine as shipped', options: {} },
  'cpu-recency-weighted': { about: 'CPU from the recency-weighted histogram only (the engine before the window basis)', options: { recencyOnly: true } },
  'cpu-no-level-shift': { about: 'CPU from the window percentile, level shifts ignored', options: { rules: { cpu: { levelShift: false } } } },
  'cpu-half-life-1.5d': { about: 'CPU histogram half-life 1.5 days', options: { cpuHistogram: { ...CPU_HISTOGRAM, halfLifeSeconds: 1.5 * 86400 } } },
  'cpu-half-life-3d': { about: 'CPU histogram half-life 3 days', options: { cpuHistogram: { ...CPU_HISTOGRAM, halfLifeSeconds: 3 * 86400 } } },
  'cpu-no-decay': { about: 'CPU histogram without recency weighting (KRR-like window)', options: { cpuHistogram: { ...CPU_HISTOGRAM, halfLifeSeconds: 1e6 * 86400 } } },
  'cpu-p96': { about: 'CPU percentile 0.96', options: { cpuPercentile: 0.96 } },
  'memory-krr-headroom': { about: 'memory headroom 15% on every peak, recent or not', options: { rules: { memory: { recentHeadroom: 0.15, olderHeadroom: 0.15 } } } },
  'memory-flat-10': { about: 'memory headroom 10% on every peak', options: { rules: { memory: { recentHeadroom: 0.1, olderHeadroom: 0.1 } } } },
  'memory-recent-only': { about: 'memory from the last 7 days only (older peaks forgotten)', options: { rules: { memory: { olderHeadroom: -1 } } } },
};

const VERDICT = ['cpu_dominates_krr', 'memory_dominates_krr', 'cpu_not_dominated_by_vpa', 'memory_not_dominated_by_vpa', 'no_missing'] as const;
// Not scorer verdicts: no worse than KRR on either axis (ties count), CPU and memory separately.
const NOT_WORSE = ['cpu_not_worse_than_krr', 'memory_not_worse_than_krr'] as const;

function notWorse(r: ScoreResult): Record<(typeof NOT_WORSE)[number], boolean> {
  const c = r.strategies.candidate, k = r.strategies.krr_simple;
  return {
    cpu_not_worse_than_krr: c.cpu_request_pct_of_current <= k.cpu_request_pct_of_current && c.cpu_shortfall_pct_of_usage <= k.cpu_shortfall_pct_of_usage,
    memory_not_worse_than_krr: c.memory_request_pct_of_current <= k.memory_request_pct_of_current && c.oom_weeks <= k.oom_weeks,
  };
}

interface Figures {
  cpu_request_pct_of_current: number; cpu_shortfall_pct_of_usage: number;
  memory_request_pct_of_current: number; oom_weeks: number; missing: number;
  verdict?: Record<string, boolean>; memory_request_pct_of_krr?: number;
}
interface ScoreResult { strategies: Record<string, Figures> }
type ScoreFn = (dir: string, recs: Map<string, { cpu: number; mem: number }> | null) => ScoreResult;

// Margins over KRR, positive when the engine is better.
function margins(r: ScoreResult): Record<string, number> {
  const c = r.strategies.candidate, k = r.strategies.krr_simple;
  return {
    cpu_request_pp: k.cpu_request_pct_of_current - c.cpu_request_pct_of_current,
    cpu_shortfall_pp: k.cpu_shortfall_pct_of_usage - c.cpu_shortfall_pct_of_usage,
    memory_request_pp: k.memory_request_pct_of_current - c.memory_request_pct_of_current,
    oom_weeks: k.oom_weeks - c.oom_weeks,
  };
}

const rng = seededRandom;

interface Tally { n: number; holds: Record<string, number>; all: number; margins: Record<string, number[]> }
const newTally = (): Tally => ({ n: 0, holds: Object.fromEntries([...VERDICT, ...NOT_WORSE].map(v => [v, 0])), all: 0, margins: {} });

function record(t: Tally, r: ScoreResult): void {
  const v = r.strategies.candidate.verdict!;
  t.n++;
  for (const k of VERDICT) if (v[k]) t.holds[k]++;
  const w = notWorse(r);
  for (const k of NOT_WORSE) if (w[k]) t.holds[k]++;
  if (VERDICT.every(k => v[k])) t.all++;
  for (const [k, m] of Object.entries(margins(r))) (t.margins[k] ??= []).push(m);
}

function summary(t: Tally) {
  const pct = (x: number) => +(100 * x / t.n).toFixed(1);
  const q = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(p * (s.length - 1))]; };
  return {
    resamples: t.n,
    holds_pct: Object.fromEntries([...VERDICT, ...NOT_WORSE].map(k => [k, pct(t.holds[k])])),
    all_true_pct: pct(t.all),
    margin_mean: Object.fromEntries(Object.entries(t.margins).map(([k, a]) => [k, +(a.reduce((x, y) => x + y, 0) / a.length).toFixed(3)])),
    margin_p05: Object.fromEntries(Object.entries(t.margins).map(([k, a]) => [k, +q(a, 0.05).toFixed(3)])),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      traces: { type: 'string' }, scorer: { type: 'string' }, halves: { type: 'string' }, bootstraps: { type: 'string' },
      seed: { type: 'string' }, variants: { type: 'string' }, json: { type: 'string' }, recs: { type: 'string' },
    },
  });
  if (!values.traces || !values.scorer) {
    console.error('usage: node bench/replay-robustness.ts --traces DIR --scorer PATH/replay-score.mjs [--halves N] [--bootstraps N] [--seed S] [--variants a,b] [--json FILE]');
    console.error(`variants: ${Object.entries(VARIANTS).map(([k, v]) => `${k} (${v.about})`).join('; ')}`);
    process.exit(2);
  }
  const traces = path.resolve(values.traces);
  const { score } = (await import(pathToFileURL(path.resolve(values.scorer)).href)) as { score: ScoreFn };
  const halves = Number(values.halves ?? 200), bootstraps = Number(values.bootstraps ?? 200), seed = Number(values.seed ?? 1);
  const names = (values.variants ?? 'engine').split(',').map(s => s.trim()).filter(Boolean);
  // --recs FILE.jsonl: also score saved recommendations (e.g. an earlier engine's bench:replay output).
  if (values.recs) {
    const byEntity = new Map<string, ReplayLine[]>();
    for (const line of readFileSync(values.recs, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const l = JSON.parse(line) as ReplayLine;
      byEntity.set(l.entity, [...(byEntity.get(l.entity) ?? []), l]);
    }
    VARIANTS[`recs:${values.recs}`] = { about: `recommendations read from ${values.recs}`, options: {}, saved: byEntity };
    names.push(`recs:${values.recs}`);
  }
  for (const n of names) if (!VARIANTS[n]) throw new Error(`unknown variant "${n}"; known: ${Object.keys(VARIANTS).join(', ')}`);

  const started = performance.now();
  const entities = readdirSync(traces).filter(f => f.endsWith('.csv')).sort().map(f => path.basename(f, '.csv'));
  const loaded = entities.map(e => ({ entity: e, trace: readBitbrainsCsv(path.join(traces, `${e}.csv`)) }));
  // The engine's estimate of an entity does not depend on the other entities: compute once per variant.
  const recsOf: Record<string, Map<string, ReplayLine[]>> = {};
  for (const n of names) {
    if (VARIANTS[n].saved) { recsOf[n] = VARIANTS[n].saved!; continue; }
    const byEntity = new Map<string, ReplayLine[]>();
    for (const { entity, trace } of loaded) byEntity.set(entity, replayTrace(entity, trace, VARIANTS[n].options).lines);
    recsOf[n] = byEntity;
  }
  // recs for a subset: the file linked as `alias.csv` is scored under the entity name `alias`.
  const recsFor = (variant: string, picks: Array<{ entity: string; alias: string }>) => {
    const m = new Map<string, { cpu: number; mem: number }>();
    for (const { entity, alias } of picks) for (const l of recsOf[variant].get(entity) ?? []) m.set(`${alias}@${l.week}`, { cpu: l.cpu_cores, mem: l.memory_bytes });
    return m;
  };

  const out: Record<string, unknown> = {};
  const full: Record<string, ScoreResult> = {};
  for (const n of names) {
    full[n] = score(traces, recsFor(n, entities.map(e => ({ entity: e, alias: e }))));
  }
  const baselines = Object.fromEntries(Object.entries(full[names[0]].strategies).filter(([k]) => k !== 'candidate'));

  const random = rng(seed);
  const tallies: Record<string, { halves: Tally; bootstraps: Tally }> = {};
  for (const n of names) tallies[n] = { halves: newTally(), bootstraps: newTally() };
  const root = mkdtempSync(path.join(tmpdir(), 'replay-robustness-'));
  try {
    const runs: Array<['halves' | 'bootstraps', number]> = [['halves', halves], ['bootstraps', bootstraps]];
    for (const [mode, count] of runs) {
      for (let r = 0; r < count; r++) {
        let picks: Array<{ entity: string; alias: string }>;
        if (mode === 'halves') {
          const a = [...entities];
          for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
          picks = a.slice(0, Math.floor(a.length / 2)).map(e => ({ entity: e, alias: e }));
        } else {
          const seen = new Map<string, number>();
          picks = entities.map(() => {
            const e = entities[Math.floor(random() * entities.length)];
            const k = (seen.get(e) ?? 0) + 1;
            seen.set(e, k);
            return { entity: e, alias: k === 1 ? e : `${e}~${k}` };
          });
        }
        // One directory of links per resample, inside our own fresh temporary directory.
        const dir = path.join(root, `${mode}-${r}`);
        mkdirSync(dir);
        for (const p of picks) symlinkSync(path.join(traces, `${p.entity}.csv`), path.join(dir, `${p.alias}.csv`));
        for (const n of names) record(tallies[n][mode], score(dir, recsFor(n, picks)));
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  for (const n of names) {
    const c = full[n].strategies.candidate;
    out[n] = {
      about: VARIANTS[n].about,
      full_set: {
        cpu_request_pct_of_current: c.cpu_request_pct_of_current, cpu_shortfall_pct_of_usage: c.cpu_shortfall_pct_of_usage,
        memory_request_pct_of_current: c.memory_request_pct_of_current, oom_weeks: c.oom_weeks,
        memory_request_pct_of_krr: c.memory_request_pct_of_krr, verdict: c.verdict,
        margins_over_krr: Object.fromEntries(Object.entries(margins(full[n])).map(([k, m]) => [k, +m.toFixed(3)])),
      },
      halves: summary(tallies[n].halves),
      bootstraps: summary(tallies[n].bootstraps),
    };
  }
  const report = {
    traces, entities: entities.length, halves, bootstraps, seed,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length },
    baselines_full_set: baselines, variants: out,
  };
  console.log(JSON.stringify(report, null, 1));
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 1) + '\n');
}

await main();
