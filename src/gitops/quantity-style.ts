// New values written in the file's own style: millicores stay millicores, `Gi` stays `Gi`
// (falling back to the next smaller unit only when the value is not whole), quotes kept.
// For files in `Gi`/`Mi` and whole or milli cores, this is the text core/quantity.ts's
// formatCpu/formatMemory give, which the table, the PR body and Slack print (core/changes.ts):
// a number reads the same in the diff and in the description.

import { UserError, EXIT } from '../core/errors.ts';
import type { FieldName } from '../core/types.ts';
import { BINARY, parseQuantity } from '../core/quantity.ts';

const BINARY_STEPS = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
const DECIMAL_STEPS = ['E', 'P', 'T', 'G', 'M', 'k'];
/** Decimal byte units only (the core table also has n, u, m and no suffix). */
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A field's value in base units: cores, bytes, or a count. Strings are read as quantities. */
export function baseValue(field: FieldName, value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new UserError(`${field}: ${value} is not a valid amount`, { exitCode: EXIT.usage });
    return value;
  }
  const parsed = parseQuantity(value);
  if (!parsed || parsed.value < 0) throw new UserError(`${field}: "${value}" is not a Kubernetes quantity (e.g. 250m, 512Mi, 3)`, { exitCode: EXIT.usage });
  if (isCount(field) && !Number.isInteger(parsed.value)) throw new UserError(`${field}: "${value}" is not a whole number`, { exitCode: EXIT.usage });
  return parsed.value;
}

function isCount(field: FieldName): boolean {
  return field === 'replicas' || field.startsWith('hpa.') || field.startsWith('gpu.');
}

/** Unit families: millicores vs cores; binary vs decimal vs plain bytes. */
function family(field: FieldName, suffix: string): string {
  if (field.startsWith('cpu.')) return suffix === 'm' ? 'milli' : suffix;
  if (field.startsWith('memory.')) return BINARY[suffix] ? 'binary' : DECIMAL[suffix] ? 'decimal' : suffix;
  return suffix;
}

function trimDecimal(n: number, places: number): string {
  return String(Number(n.toFixed(places)));
}

/** The new value's text (without quotes), in the style of the old text. */
export function formatLike(field: FieldName, oldText: string, value: string | number): string {
  const amount = baseValue(field, value);
  const old = parseQuantity(oldText.trim());
  // Text given in the file's own family of units is written as given (so `1.0` or `12Gi` can be restored byte for byte).
  if (typeof value === 'string' && old) {
    const given = parseQuantity(value);
    if (given && family(field, given.suffix) === family(field, old.suffix) && !(isCount(field) && !/^\d+$/.test(value.trim()))) return value.trim();
  }
  if (isCount(field)) return String(Math.round(amount));
  if (field.startsWith('cpu.')) {
    const milli = Math.round(amount * 1000);
    if (old?.suffix === 'm') return `${milli}m`;
    if (milli % 1000 === 0 && milli > 0 && old?.suffix === '') return String(milli / 1000);
    // Fractions of a core stay decimal where the file already writes them so (`0.5`); a file of
    // whole cores (`"1"`) gets millicores, which is how people write a part of a core.
    if (old?.suffix === '' && oldText.includes('.')) return trimDecimal(milli / 1000, 3);
    return milli % 1000 === 0 && milli > 0 ? String(milli / 1000) : `${milli}m`;
  }
  // Memory.
  const suffix = old?.suffix ?? 'Mi';
  if (suffix === '') return String(Math.ceil(amount));
  const binary = BINARY_STEPS.indexOf(suffix);
  if (binary !== -1) return inUnits(amount, BINARY_STEPS.slice(binary), BINARY);
  const decimal = DECIMAL_STEPS.indexOf(suffix);
  if (decimal !== -1) return inUnits(amount, DECIMAL_STEPS.slice(decimal), DECIMAL);
  // Exponents and other rare forms: canonical Mi/Gi.
  return inUnits(amount, ['Gi', 'Mi'], BINARY);
}

/** The first unit (largest first) in which the amount is whole, else rounded up in the smallest of Mi/M or the unit given. */
function inUnits(bytes: number, units: string[], factors: Record<string, number>): string {
  for (const unit of units) {
    const n = bytes / factors[unit];
    if (Number.isInteger(n) || Math.abs(n - Math.round(n)) < 1e-9) return `${Math.round(n)}${unit}`;
    if (unit === 'Mi' || unit === 'M') return `${Math.ceil(n)}${unit}`;
  }
  const last = units[units.length - 1];
  return `${Math.ceil(bytes / factors[last])}${last}`;
}

/** Wraps text in the quotes the old value had. */
export function quoteLike(quote: 'plain' | 'double' | 'single', text: string): string {
  if (quote === 'double') return JSON.stringify(text);
  if (quote === 'single') return `'${text.replace(/'/g, "''")}'`;
  return text;
}
