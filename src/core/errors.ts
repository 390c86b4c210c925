// Errors a user can act on. The CLI prints `message` as one line (plus `hint`) and exits with
// `exitCode`; a stack trace appears only with --debug.

export const EXIT = { ok: 0, error: 1, usage: 2, changes: 3 } as const;

export class UserError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserError';
    this.exitCode = options.exitCode ?? EXIT.error;
    this.hint = options.hint;
  }
}

/** A configuration or input file that is wrong: `file:line:column: message`, exit 2. */
export class InputError extends UserError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  constructor(file: string, message: string, position: { line?: number; column?: number } = {}, hint?: string) {
    const where = [file, position.line, position.column].filter(p => p !== undefined).join(':');
    super(`${where}: ${message}`, { exitCode: EXIT.usage, hint });
    this.name = 'InputError';
    this.file = file;
    this.line = position.line;
    this.column = position.column;
  }
}
