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
