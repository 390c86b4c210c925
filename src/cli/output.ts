// Terminal output: colour only on a TTY without NO_COLOR, and errors as one line.

import { UserError } from '../core/errors.ts';

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.argv.includes('--no-color')) return false;
  return Boolean(stream.isTTY);
}

const codes = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;
export type Style = keyof typeof codes;

export function paint(text: string, style: Style, enabled = useColor()): string {
  if (!enabled) return text;
  const [on, off] = codes[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/** `error: <message>` (+ hint), or the stack with --debug. */
export function errorLine(err: unknown, debug: boolean): string {
  const color = useColor(process.stderr);
  if (debug && err instanceof Error && err.stack) return `${err.stack}\n`;
  const message = err instanceof Error ? err.message : String(err);
  let out = `${paint('error:', 'red', color)} ${message}\n`;
  if (err instanceof UserError && err.hint) out += `${paint('hint:', 'yellow', color)} ${err.hint}\n`;
  else if (!(err instanceof UserError)) out += `${paint('hint:', 'yellow', color)} run again with --debug for the stack trace, or report it with the snapshot (rightsizer collect --out)\n`;
  return out;
}

/** Plain JSON with a final newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A unified diff coloured like git's: headers bold, hunks cyan, removals red, additions green. */
export function colorDiff(diff: string, enabled: boolean): string {
  if (!enabled) return diff;
  return diff.split('\n').map(line => {
    if (/^(diff --git|--- |\+\+\+ )/.test(line)) return paint(line, 'bold', true);
    if (line.startsWith('@@')) return paint(line, 'cyan', true);
    if (line.startsWith('-')) return paint(line, 'red', true);
    if (line.startsWith('+')) return paint(line, 'green', true);
    return line;
  }).join('\n');
}

/** The same data as formatJson, as YAML (block style, no line folding). */
export async function formatYaml(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * RFC 4180 CSV with a header row: fields quoted when they hold a comma, quote or line break.
 * Text that a spreadsheet would run as a formula (`=`, `+`, `@`, or `-` not starting a number) is
 * prefixed with `'`, since names and notes come from data.
 */
export function formatCsv(header: string[], rows: Array<Array<string | number | undefined>>): string {
  const cell = (v: string | number | undefined): string => {
    if (v === undefined) return '';
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    const safe = /^[=+@\t\r]/.test(v) || (/^-/.test(v) && !/^-?\d+(\.\d+)?$/.test(v)) ? `'${v}` : v;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header, ...rows].map(r => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
