// Masks secrets in every string rightsizer prints, writes or sends. One process-wide Redactor
// (`redact`), seeded with every secret value the run knows (the configuration's `*Env`
// variables, `${VAR}` header values, credentials in URLs, the GitHub token and App key), is what
// stdout, stderr, the snapshot, the plan, the report, the PR body, Slack and the Action's
// summary and outputs go through. A secret can leak in more shapes than its plain text: git
// sends it base64-encoded in an Authorization header (`x-access-token:TOKEN`), basic auth as
// base64 of `user:password`, URLs carry it percent-encoded or as user-info, a server may echo
// only a webhook's path. All of them go, and so do well-known token shapes the run was not told
// about (GitHub and Slack tokens, AWS key ids, `Bearer …`, Slack webhook paths).

import { UserError } from '../core/errors.ts';

const MASK = '***';

/** Values shorter than this are not masked: masking "a" would shred every message. */
const MIN_SECRET_LENGTH = 6;

/** Token shapes masked whether or not the run knows them. */
const SHAPES: Array<[RegExp, string]> = [
  [/\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposre]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}|(?:AKIA|ASIA)[0-9A-Z]{16})\b/g, MASK],
  [/(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[^\s"'<>)]+/gi, `$1${MASK}`],
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1$2${MASK}`],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, MASK],
  // user-info in a URL: `https://user:password@host`, `http://TOKEN@host`.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, `$1${MASK}@`],
];

function base64Forms(text: string): string[] {
  const b = Buffer.from(text, 'utf8');
  const std = b.toString('base64');
  const url = b.toString('base64url');
  return [std, std.replace(/=+$/, ''), url];
}

/** True when a string looks like a credential rather than a name (`ghp_…`, `xoxb-…`, a webhook URL, a key). */
export function looksLikeSecret(value: string): boolean {
  if (SHAPES.some(([re]) => { re.lastIndex = 0; const hit = re.test(value); re.lastIndex = 0; return hit; })) return true;
  // Long, mixed-case-and-digit strings are keys, not variable names.
  return value.length >= 24 && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value);
}

export class Redactor {
  private secrets = new Set<string>();
  private sorted: string[] | undefined;

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
    // A URL (a Slack webhook) may be echoed in parts: its path, its credentials.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(secret)) {
      try {
        const url = new URL(secret);
        forms.push(url.pathname + url.search, url.pathname.slice(1) + url.search, decodeURIComponent(url.password), decodeURIComponent(url.username));
        for (const part of url.pathname.split('/')) if (part.length >= 16) forms.push(part);
      } catch { /* not a URL after all */ }
    }
    // A JSON credentials file (a Google service account key): its private key and key id.
    if (secret.trimStart().startsWith('{')) {
      try {
        const json = JSON.parse(secret) as Record<string, unknown>;
        for (const k of ['private_key', 'private_key_id', 'client_secret', 'refresh_token']) if (typeof json[k] === 'string') this.add(json[k]);
      } catch { /* not JSON */ }
    }
    for (const f of forms) if (f.length >= MIN_SECRET_LENGTH) this.secrets.add(f);
    this.sorted = undefined;
    return secret;
  }

  /** Basic authentication: the user, the password and the base64 of `user:password`. */
  addBasic(user: string | undefined, password: string | undefined): void {
    this.add(user);
    this.add(password);
    if (user !== undefined && password) for (const f of base64Forms(`${user}:${password}`)) if (f.length >= MIN_SECRET_LENGTH) this.secrets.add(f);
    this.sorted = undefined;
  }

  /** The text with every registered secret, every known token shape and any URL user-info masked. */
  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    this.sorted ??= [...this.secrets].sort((a, b) => b.length - a.length);
    for (const s of this.sorted) if (out.includes(s)) out = out.split(s).join(MASK);
    for (const [re, replacement] of SHAPES) out = out.replace(re, replacement);
    return out;
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

/** The run's redactor: every output path goes through it. */
export const redactor = new Redactor();

/** `redactor.redact(text)`: the one function output goes through. */
export function redact(text: string): string {
  return redactor.redact(text);
}

/** Environment variables that hold credentials whatever the configuration says. */
const WELL_KNOWN_SECRET_ENV = [
  'GITHUB_TOKEN', 'GH_TOKEN', 'RIGHTSIZER_GITHUB_TOKEN', 'RIGHTSIZER_GITHUB_APP_PRIVATE_KEY', 'SLACK_WEBHOOK_URL', 'SLACK_BOT_TOKEN',
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID',
  'GOOGLE_APPLICATION_CREDENTIALS_JSON',
];

/**
 * Registers every secret a configuration can hold: the values of its `*Env` variables, of the
 * `${VAR}` in header values (bearer tokens, `X-Scope-OrgID` tenants), basic-auth pairs (and
 * their base64), credentials written in URLs, and the well-known credential variables.
 */
export function seedSecrets(config: unknown, env: NodeJS.ProcessEnv = process.env): void {
  for (const name of WELL_KNOWN_SECRET_ENV) redactor.add(env[name]);
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (/Env$/.test(key) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) redactor.add(env[value]);
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i.test(value)) {
        try { const u = new URL(value); redactor.addBasic(decodeURIComponent(u.username), decodeURIComponent(u.password)); } catch { /* not a URL */ }
      }
      return;
    }
    if (Array.isArray(value)) { for (const v of value) walk(v, key); return; }
    if (value && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (key === 'headers') for (const v of Object.values(obj)) if (typeof v === 'string') for (const m of v.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) redactor.add(env[m[1]]);
      if (typeof obj.usernameEnv === 'string' && typeof obj.passwordEnv === 'string') redactor.addBasic(env[obj.usernameEnv], env[obj.passwordEnv]);
      for (const [k, v] of Object.entries(obj)) walk(v, k);
    }
  };
  walk(config, '');
}

/**
 * Routes everything written to the given streams through `redact`. Installed once by the CLI
 * and the Action, so no print anywhere can skip it.
 */
export function redactStreams(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    const s = stream as NodeJS.WriteStream & { __rightsizerRedacted?: boolean };
    if (s.__rightsizerRedacted) continue;
    const write = s.write.bind(s) as (chunk: unknown, ...rest: unknown[]) => boolean;
    // `::add-mask::SECRET` is how the Action tells the runner what to hide: it must pass as is.
    const clean = (text: string) => (text.startsWith('::add-mask::') ? text : redact(text));
    s.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === 'string' ? clean(chunk) : chunk instanceof Uint8Array ? clean(Buffer.from(chunk).toString('utf8')) : chunk, ...rest)) as typeof s.write;
    s.__rightsizerRedacted = true;
  }
}
