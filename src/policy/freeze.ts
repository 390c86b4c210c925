// Freeze windows: date ranges (once or every year) and working hours, in an IANA time zone.
// Time zones go through Intl.DateTimeFormat, so no tz database is bundled.

import type { FreezeWindow } from './types.ts';

export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `"${zone}" is not a time zone known to Intl (use an IANA name such as Europe/Berlin, America/New_York or UTC)`;
  }
}

/** YYYY-MM-DD or MM-DD that names a real day; MM-DD allows 02-29. */
export function dateProblem(text: string): string | undefined {
  const m = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/.exec(text);
  if (!m) return `"${text}" is not a date (YYYY-MM-DD, or MM-DD for every year)`;
  const year = m[1] ? Number(m[1]) : 2024;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const d = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return `"${text}" is not a calendar date`;
  return undefined;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

export function hoursProblem(range: string): string | undefined {
  const [start, end] = range.split('-');
  for (const t of [start, end]) {
    const [h, m] = t.split(':').map(Number);
    if (h > 24 || m > 59 || (h === 24 && m !== 0)) return `"${t}" is not a time of day`;
  }
  if (minutes(start) >= minutes(end)) return `working hours "${range}" end before they start`;
  return undefined;
}

/** Local calendar date, weekday and minute of the day of `now` in `zone`. */
export function localTime(now: Date, zone: string): { date: string; weekday: string; minute: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(now)
      .map(p => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: String(parts.weekday).slice(0, 3).toLowerCase(), minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** Whether the window is in force at `now`. */
export function freezeActive(window: FreezeWindow, now: Date): boolean {
  const local = localTime(now, window.timeZone);
  if (window.outsideHours) {
    const [start, end] = window.outsideHours.hours.split('-').map(minutes);
    const working = window.outsideHours.days.includes(local.weekday) && local.minute >= start && local.minute < end;
    return !working;
  }
  if (!window.from || !window.to) return false;
  if (window.from.length === 10) return window.from <= local.date && local.date <= window.to;
  const md = local.date.slice(5);
  return window.from <= window.to ? window.from <= md && md <= window.to : md >= window.from || md <= window.to;
}

export function describeFreeze(window: FreezeWindow): string {
  if (window.outsideHours) return `outside ${window.outsideHours.days.join(',')} ${window.outsideHours.hours} ${window.timeZone}`;
  const every = window.from && window.from.length === 5 ? ' every year' : '';
  return `${window.from} to ${window.to}${every}, ${window.timeZone}`;
}

function dayNumber(year: number, md: string): number {
  const [m, d] = md.split('-').map(Number);
  return Date.UTC(year, m - 1, d) / 86400000;
}

function intervals(window: FreezeWindow, years: number[]): Array<[number, number]> {
  if (!window.from || !window.to) return [];
  if (window.from.length === 10) {
    return [[dayNumber(Number(window.from.slice(0, 4)), window.from.slice(5)), dayNumber(Number(window.to.slice(0, 4)), window.to.slice(5))]];
  }
  const wraps = window.from > window.to;
  return years.map(y => [dayNumber(y, window.from as string), dayNumber(wraps ? y + 1 : y, window.to as string)]);
}

/** Whether two date windows share a day. Hours windows are not compared. */
export function freezeOverlap(a: FreezeWindow, b: FreezeWindow): boolean {
  const absolute = [a, b].filter(w => w.from?.length === 10).flatMap(w => [Number(w.from?.slice(0, 4)), Number(w.to?.slice(0, 4))]);
  const lo = absolute.length > 0 ? Math.min(...absolute) - 1 : 2023;
  const hi = absolute.length > 0 ? Math.max(...absolute) : 2025;
  const years = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const ia = intervals(a, years);
  const ib = intervals(b, years);
  return ia.some(([s1, e1]) => ib.some(([s2, e2]) => s1 <= e2 && s2 <= e1));
}
