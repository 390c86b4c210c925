// Anomaly detection quality: synthetic daily cost series with injected anomalies of known dates,
// scored against what detectAnomalies reports.
//
//   npm run bench:anomalies            # a summary table
//   npm run bench:anomalies -- --json  # … ending with one JSON line
//   options: --series N (default 240) --days N (default 182) --seed N (default 20251101)
//
// The series (fixed seed, so every run scores the same data):
//   - scales from about $3 to $50,000 per day (log-uniform);
//   - a weekly pattern: "business" series (45 %) spend 15–55 % less at weekends and dip on
//     holidays; "batch" series (15 %) have a heavy weekly job day; the rest are flat infrastructure
//     with a small day-of-week wobble;
//   - a trend of −0.2 %…+0.3 % per day;
//   - multiplicative noise with heavy tails (Student t, 5 degrees of freedom) of 2–12 % per day,
//     larger for small bills, and autocorrelated (AR(1), φ 0–0.4);
//   - business series dip on the holiday calendar (×0.4–0.8) and spend a little less (×0.85–0.95)
//     in the days between Christmas and New Year, which is not in the calendar.
// Injected anomalies, 0–3 per series, at least 30 days apart, starting between day 42 (six weeks of
// history; no baseline can judge earlier days) and 5 days before the end:
//   - spike: ×1.6–4 for 1 day (70 %), 2 days (20 %) or 3 days (10 %); 15 % of them are dips ×0.1–0.5
//     (an outage or a stopped job);
//   - level shift: a lasting step, ×1.3–2.5 up (60 %) or ×0.4–0.75 down;
//   - drift: a ramp over 14–35 days to ×1.4–2.5 (85 %) or down to ×0.5–0.7, then a plateau.
//
// What counts (also in BENCHMARKS.md, "Cost anomalies"):
//   - an alarm hits a spike or dip when its date is within 2 days of the spike's days
//     ([first − 2, last + 2]); a level shift when its date is within ±2 days of the step; a drift when
//     the alarm's span [date, endDate] overlaps [ramp start − 2, ramp end + 2]. Any kind of alarm
//     counts as a hit (a long spike called a level shift is still found); kind agreement is reported
//     separately.
//   - recall = injected anomalies with at least one hit / injected anomalies.
//   - precision = alarms that hit some injected anomaly / all alarms. An alarm on a calendar
//     holiday, or in the unlisted post-Christmas lull, is a false alarm.
//   - false_alarms_per_series_quarter = false alarms / (series × days / 91.3).
// The detector is given the holiday calendar, as a user would configure it.

import { detectInSeries, type Anomaly, type AnomalyKind } from '../src/cost/anomalies.ts';
import { addDay, type DailySeries } from '../src/cost/daily-series.ts';
import { seededRandom } from './seeded-random.ts';

interface Injected {
  kind: 'spike' | 'dip' | 'level-shift' | 'drift';
  start: number;
  /** Last day of a spike or of a drift's ramp (inclusive). */
  end: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const SERIES = arg('series', 240);
const DAYS = arg('days', 182);
const SEED = arg('seed', 20251101);
const JSON_OUT = process.argv.includes('--json');
const START = '2025-09-01';

/** US-style holiday calendar inside the window: Thanksgiving and the day after, Christmas, New Year. */
const HOLIDAYS = ['2025-11-27', '2025-11-28', '2025-12-24', '2025-12-25', '2025-12-26', '2025-12-31', '2026-01-01'];
const LULL = ['2025-12-27', '2025-12-28', '2025-12-29', '2025-12-30'];

const rng = seededRandom;

function generate(index: number, random: () => number): { series: DailySeries; injected: Injected[] } {
  const u = (lo: number, hi: number) => lo + (hi - lo) * random();
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const studentT5 = () => {
    let chi = 0;
    for (let k = 0; k < 5; k++) chi += gauss() ** 2;
    return gauss() / Math.sqrt(chi / 5);
  };

  const dates: string[] = [];
  for (let i = 0, d = START; i < DAYS; i++, d = addDay(d, 1)) dates.push(d);
  const dow = dates.map(d => new Date(`${d}T00:00:00Z`).getUTCDay());

  const scale = 10 ** u(0.5, 4.7);
  const type = random() < 0.45 ? 'business' : random() < 0.27 ? 'batch' : 'flat';
  const weekly = new Array<number>(7).fill(1);
  if (type === 'business') {
    const weekend = u(0.45, 0.85);
    weekly[0] = weekend; weekly[6] = weekend * u(0.95, 1.1);
    weekly[1] = u(1.0, 1.1);
  } else if (type === 'batch') {
    weekly[Math.floor(u(0, 7))] = u(1.3, 2.0);
  } else {
    for (let d = 0; d < 7; d++) weekly[d] = u(0.97, 1.03);
  }
  const trend = u(-0.002, 0.003);
  const sigma = u(0.02, 0.06) + 0.06 * Math.max(0, 2 - Math.log10(scale)) / 1.5;
  const phi = u(0, 0.4);
  const holidayFactor = u(0.4, 0.8);
  const lullFactor = u(0.85, 0.95);

  // Anomalies: 0–3, at least 30 days apart.
  const injected: Injected[] = [];
  const wanted = Math.floor(u(0, 4));
  const effect = new Float64Array(DAYS).fill(0); // log multiplier
  let earliest = 42;
  for (let k = 0; k < wanted; k++) {
    const latest = DAYS - 5 - (wanted - k - 1) * 30;
    if (latest <= earliest) break;
    const start = Math.floor(u(earliest, Math.min(latest, earliest + 50)));
    const pick = random();
    if (pick < 0.4) {
      const dip = random() < 0.15;
      const r = random();
      const len = r < 0.7 ? 1 : r < 0.9 ? 2 : 3;
      if (dip && dates.slice(start, start + len).some(d => HOLIDAYS.includes(d))) continue;
      const m = Math.log(dip ? u(0.1, 0.5) : u(1.6, 4));
      for (let j = start; j < start + len; j++) effect[j] += m;
      injected.push({ kind: dip ? 'dip' : 'spike', start, end: start + len - 1 });
      earliest = start + 30;
    } else if (pick < 0.7) {
      const m = Math.log(random() < 0.6 ? u(1.3, 2.5) : u(0.4, 0.75));
      for (let j = start; j < DAYS; j++) effect[j] += m;
      injected.push({ kind: 'level-shift', start, end: start });
      earliest = start + 30;
    } else {
      const len = Math.floor(u(14, 36));
      const m = Math.log(random() < 0.85 ? u(1.4, 2.5) : u(0.5, 0.7));
      for (let j = start; j < DAYS; j++) effect[j] += m * Math.min(1, (j - start + 1) / len);
      injected.push({ kind: 'drift', start, end: Math.min(DAYS - 1, start + len - 1) });
      earliest = start + len + 30;
    }
  }

  const values = new Float64Array(DAYS);
  let noise = 0;
  for (let i = 0; i < DAYS; i++) {
    noise = phi * noise + Math.sqrt(1 - phi * phi) * studentT5() * sigma / Math.sqrt(5 / 3);
    let v = scale * Math.exp(trend * i) * weekly[dow[i]] * Math.exp(noise + effect[i]);
    if (type === 'business' && HOLIDAYS.includes(dates[i])) v *= holidayFactor;
    if (type === 'business' && LULL.includes(dates[i])) v *= lullFactor;
    values[i] = Math.round(v * 100) / 100;
  }
  return {
    series: { key: `series-${index}`, dimension: 'service', dates, values, currency: 'USD' },
    injected,
  };
}

function hitWindow(a: Injected): [number, number] {
  if (a.kind === 'level-shift') return [a.start - 2, a.start + 2];
  return [a.start - 2, a.end + 2];
}

const random = rng(SEED);
const dayIndex = (dates: string[], d: string | undefined) => (d === undefined ? -1 : dates.indexOf(d));
let injectedTotal = 0, found = 0, alarms = 0, trueAlarms = 0, falseAlarms = 0, kindAgree = 0, duplicates = 0;
const byKind = new Map<string, { injected: number; found: number }>();
const falseByKind = new Map<AnomalyKind, number>();
let detectMs = 0;

for (let s = 0; s < SERIES; s++) {
  const { series, injected } = generate(s, random);
  const started = performance.now();
  const found_ = detectInSeries(series, { holidays: HOLIDAYS });
  detectMs += performance.now() - started;
  const hits = new Array<Anomaly[]>(injected.length).fill([]).map(() => [] as Anomaly[]);
  for (const alarm of found_) {
    alarms++;
    const from = dayIndex(series.dates, alarm.date);
    const to = alarm.endDate && alarm.kind === 'drift' ? dayIndex(series.dates, alarm.endDate) : from;
    const k = injected.findIndex(a => {
      const [lo, hi] = hitWindow(a);
      return a.kind === 'drift' ? from <= hi && to >= lo : from >= lo && from <= hi;
    });
    if (k >= 0) {
      trueAlarms++;
      if (hits[k].length > 0) duplicates++;
      hits[k].push(alarm);
    } else {
      falseAlarms++;
      if (process.argv.includes('--list-false')) {
        const near = injected.map(a => `${a.kind}@${a.start}..${a.end}`).join(' ');
        console.log(`false ${series.key} day ${from} ${alarm.kind} ${alarm.date}${alarm.endDate ? `..${alarm.endDate}` : ''} z=${alarm.score} obs=${alarm.observed} exp=${alarm.expected} | injected: ${near}`);
      }
      falseByKind.set(alarm.kind, (falseByKind.get(alarm.kind) ?? 0) + 1);
    }
  }
  injected.forEach((a, k) => {
    injectedTotal++;
    const stat = byKind.get(a.kind) ?? { injected: 0, found: 0 };
    stat.injected++;
    if (hits[k].length === 0 && process.argv.includes('--list-missed')) {
      console.log(`missed ${series.key} ${a.kind}@${a.start}..${a.end} (${series.dates[a.start]}) | alarms: ${found_.map(x => `${x.kind}@${dayIndex(series.dates, x.date)}`).join(' ')}`);
    }
    if (hits[k].length > 0) {
      found++;
      stat.found++;
      if (hits[k][0].kind === a.kind) kindAgree++;
    }
    byKind.set(a.kind, stat);
  });
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const result = {
  series: SERIES,
  days: DAYS,
  seed: SEED,
  injected: injectedTotal,
  alarms,
  precision: round(alarms === 0 ? 1 : trueAlarms / alarms),
  recall: round(injectedTotal === 0 ? 1 : found / injectedTotal),
  false_alarms_per_series_quarter: round(falseAlarms / (SERIES * DAYS / 91.3)),
  kind_agreement: round(found === 0 ? 1 : kindAgree / found),
  duplicate_alarms: duplicates,
  recall_by_kind: Object.fromEntries([...byKind].sort().map(([k, v]) => [k, round(v.found / v.injected)])),
  false_alarms_by_kind: Object.fromEntries([...falseByKind].sort()),
  detect_ms_per_series: round(detectMs / SERIES, 2),
};

if (!JSON_OUT || process.argv.includes('--verbose')) {
  console.log(`anomaly detection on ${SERIES} series × ${DAYS} days (seed ${SEED})`);
  console.log(`  injected ${injectedTotal}, alarms ${alarms} (${falseAlarms} false, ${duplicates} duplicate hits)`);
  console.log(`  precision ${result.precision}, recall ${result.recall}, false alarms per series-quarter ${result.false_alarms_per_series_quarter}`);
  console.log(`  recall by kind ${JSON.stringify(result.recall_by_kind)}; false alarms by kind ${JSON.stringify(result.false_alarms_by_kind)}`);
  console.log(`  kind agreement ${result.kind_agreement}; ${result.detect_ms_per_series} ms per series`);
}
if (JSON_OUT) console.log(JSON.stringify(result));
