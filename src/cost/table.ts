// Helpers shared by the billing collectors: checked number parsing (a malformed billing
// response is an error naming the field, never a silent zero), proportional splits that keep
// the cost table a partition of the bill.

import { UserError } from '../core/errors.ts';
import type { FocusRow } from './focus.ts';

/** A billing response that cannot be trusted: names the source and the field. */
export class BillingDataError extends UserError {
  readonly source: string;
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'BillingDataError';
    this.source = source;
  }
}

/** A number from a billing response (string or number); anything else throws naming `field`. */
export function checkedNumber(source: string, field: string, value: unknown): number {
  if (value === undefined || value === null) throw new BillingDataError(source, `${field} is missing`);
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new BillingDataError(source, `${field} is ${JSON.stringify(value)}, not a number`);
  return n;
}

export function checkedString(source: string, field: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new BillingDataError(source, `${field} is ${value === undefined ? 'missing' : JSON.stringify(value) + ', not a string'}`);
  }
  return value;
}

/** `YYYY-MM-DD` from a date string, or an error naming the field. */
export function checkedDay(source: string, field: string, value: unknown): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text === 'string') {
    const iso = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
    if (iso) return `${iso[1]}-${iso[2]}-${iso[3]}`;
    const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
    if (compact) return `${compact[1]}-${compact[2]}-${compact[3]}`;
  }
  throw new BillingDataError(source, `${field} is ${JSON.stringify(value)}, not a date`);
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A daily FOCUS row with the charge period filled in from `day`. */
export function dailyRow(day: string, fields: Omit<FocusRow, 'ChargePeriodStart' | 'ChargePeriodEnd'>): FocusRow {
  return { ...fields, ChargePeriodStart: `${day}T00:00:00Z`, ChargePeriodEnd: `${addDays(day, 1)}T00:00:00Z` };
}

/** One group of a breakdown used to split rows: the value it assigns and its weight. */
export interface Share {
  value: string | undefined;
  /** Effective cost of the group (falls back to `quantity` when all costs are zero). */
  cost: number;
  quantity: number;
}

/**
 * Splits each row in proportion to the groups of a second breakdown that shares one key with it.
 * Cost APIs allow only a few group-by dimensions per call (Cost Explorer two, Azure Query two),
 * so the finest table we can hold without double counting is one primary breakdown refined by
 * shares of other breakdowns with a common key (day + service, or day + usage type). Totals per
 * key are preserved exactly; the split inside a key is proportional, which is exact whenever the
 * key determines the value (an instance usage type has one instance type and one region) and an
 * allocation otherwise (team shares of a service on a day).
 */
export function splitRows(
  rows: FocusRow[],
  keyOf: (row: FocusRow) => string,
  shares: Map<string, Share[]>,
  apply: (row: FocusRow, value: string | undefined) => FocusRow,
): FocusRow[] {
  const out: FocusRow[] = [];
  for (const row of rows) {
    const groups = shares.get(keyOf(row));
    if (!groups || groups.length === 0) {
      out.push(row);
      continue;
    }
    const costTotal = groups.reduce((s, g) => s + Math.abs(g.cost), 0);
    const qtyTotal = groups.reduce((s, g) => s + Math.abs(g.quantity), 0);
    const weights = costTotal > 0
      ? groups.map(g => Math.abs(g.cost) / costTotal)
      : qtyTotal > 0 ? groups.map(g => Math.abs(g.quantity) / qtyTotal) : groups.map(() => 1 / groups.length);
    groups.forEach((g, i) => {
      const w = weights[i];
      if (w === 0) return;
      out.push(apply(scaleRow(row, w), g.value));
    });
  }
  return out;
}

function scaleRow(row: FocusRow, w: number): FocusRow {
  if (w === 1) return { ...row, Tags: { ...row.Tags } };
  return {
    ...row,
    Tags: { ...row.Tags },
    BilledCost: row.BilledCost * w,
    EffectiveCost: row.EffectiveCost * w,
    ...(row.ListCost !== undefined ? { ListCost: row.ListCost * w } : {}),
    ...(row.ConsumedQuantity !== undefined ? { ConsumedQuantity: row.ConsumedQuantity * w } : {}),
  };
}

/** Adds a group to a share map under `key`. */
export function addShare(shares: Map<string, Share[]>, key: string, share: Share): void {
  const list = shares.get(key);
  if (list) list.push(share);
  else shares.set(key, [share]);
}
