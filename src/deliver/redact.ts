// Masks secrets in every string the delivery code prints or throws. A token can leak in more
// shapes than its plain text: git sends it base64-encoded in an Authorization header
// (`x-access-token:TOKEN`), URLs carry it percent-encoded or as user-info. All of them go.

import { UserError } from '../core/errors.ts';

const MASK = '***';

/** Values shorter than this are not masked: masking "a" would shred every message. */
const MIN_SECRET_LENGTH = 6;

function base64Forms(text: string): string[] {
  const b = Buffer.from(text, 'utf8');
  const std = b.toString('base64');
  const url = b.toString('base64url');
  return [std, std.replace(/=+$/, ''), url];
}

export class Redactor {
  private secrets = new Set<string>();

  /** Registers a secret and the encoded forms it travels in. Returns the secret. */
  add(secret: string | undefined): string | undefined {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return secret;
    const forms = [
      secret,
      encodeURIComponent(secret),
      ...base64Forms(secret),
      ...base64Forms(`x-access-token:${secret}`),
      ...base64Forms(`x-oauth-basic:${secret}`),
    ];
    // A PEM private key travels line by line too.
    if (secret.includes('\n')) for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 16 && !line.startsWith('-----')) forms.push(line.trim());
    for (const f of forms) if (f.length >= MIN_SECRET_LENGTH) this.secrets.add(f);
    return secret;
  }

  /** The text with every registered secret, and any `user:password@` in a URL, masked. */
  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(MASK);
    return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*:[^/@\s]*@/gi, `$1${MASK}@`);
  }

  /**
   * A copy of `err` safe to print: message, hint and stack masked, and nothing else carried
   * (octokit errors hold the request and response; the cause chain may hold anything).
   * UserErrors stay UserErrors with their exit code.
   */
  error(err: unknown, prefix = ''): Error {
    const message = this.redact(prefix + (err instanceof Error ? err.message : String(err)));
    let out: Error;
    if (err instanceof UserError) {
      out = new UserError(message, { exitCode: err.exitCode, hint: err.hint === undefined ? undefined : this.redact(err.hint) });
    } else {
      out = new Error(message);
    }
    if (err instanceof Error && err.stack) out.stack = this.redact(err.stack.replace(err.message, message));
    return out;
  }

  /** A log function that masks before writing. */
  log(sink: ((line: string) => void) | undefined): (line: string) => void {
    return line => sink?.(this.redact(line));
  }
}
