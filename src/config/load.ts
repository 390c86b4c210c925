// Loads rightsizer.yaml: validates it against schema/rightsizer.schema.json with errors that
// name the file, line and key, then fills in defaults. Secrets stay as env-var names.

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UserError, EXIT } from '../core/errors.ts';
import { looksLikeSecret, redact, seedSecrets } from '../deliver/redact.ts';
import { validateYaml } from './schema-validate.ts';
import type { ClusterConfig, RightsizerConfig, PullRequestConfig, EngineConfig, DashboardConfig, VerifyConfig } from './types.ts';

import configSchema from '../../schema/rightsizer.schema.json' with { type: 'json' };

export const DEFAULT_PULL_REQUESTS: PullRequestConfig = {
  groupBy: 'repository',
  branchPrefix: 'rightsizer/',
  labels: ['rightsizer'],
  reviewers: [],
  assignees: [],
  maxOpenPullRequests: 10,
  maxPullRequestsPerRun: 5,
  closedCooldownDays: 30,
};

export const DEFAULT_DASHBOARD: DashboardConfig = { enabled: true, title: 'rightsizer dashboard', label: 'rightsizer-dashboard' };

export const DEFAULT_ENGINE: EngineConfig = { historyDays: 14, cpuPercentile: 0.95, targetUtilisation: 0.7 };

export const DEFAULT_VERIFY: VerifyConfig = {
  liveAfterMinutes: 120,
  ledgerDays: 90,
  revertLabel: 'rightsizer:revert',
  regression: { windowHours: 24, minAfterMinutes: 30, oomKills: 0, restarts: 2, throttlingIncrease: 0.1, raiseFactor: 1.5 },
};

export interface LoadOptions {
  /** `${NAME}` placeholders filled in string values (the demo's replay-server URL); others are left alone. */
  vars?: Record<string, string>;
}

/** Reads and validates a configuration file; throws InputError (exit 2) naming file:line:column. */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<RightsizerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${file}: configuration file not found`, {
        exitCode: EXIT.usage,
        hint: 'run `rightsizer init` in your GitOps repository to write one, pass --config FILE, or try `rightsizer plan --demo`',
      });
    }
    throw new UserError(`${file}: cannot read configuration (${code ?? String(err)})`, { exitCode: EXIT.usage });
  }
  return parseConfig(file, text, options);
}

export async function parseConfig(file: string, text: string, options: LoadOptions = {}): Promise<RightsizerConfig> {
  const { value, errors } = validateYaml(file, text, configSchema);
  if (errors.length > 0) {
    const [first, ...rest] = errors;
    if (rest.length === 0) throw first;
    throw new InputError(first.file, `${first.message.slice(first.message.indexOf(': ') + 2)} (and ${rest.length} more: ${rest.map(e => e.message).join('; ')})`, { line: first.line, column: first.column });
  }
  checkEnvNames(file, text, value);
  const raw = substitute(value, options.vars ?? {}) as Partial<RightsizerConfig>;
  const config: RightsizerConfig = {
    file: path.resolve(file),
    clusters: raw.clusters ?? [],
    billing: raw.billing ?? {},
    repository: { baseBranch: 'main', ...raw.repository },
    pullRequests: { ...DEFAULT_PULL_REQUESTS, ...raw.pullRequests },
    dashboard: { ...DEFAULT_DASHBOARD, ...raw.dashboard },
    slack: raw.slack,
    engine: { ...DEFAULT_ENGINE, ...raw.engine },
    verify: { ...DEFAULT_VERIFY, ...raw.verify, regression: { ...DEFAULT_VERIFY.regression, ...raw.verify?.regression } },
    // Without a policies key, the repository's policies/ folder when it has one; else the built-in defaults.
    policies: raw.policies ?? (existsSync(path.join(path.dirname(path.resolve(file)), 'policies')) ? ['policies/'] : []),
  };
  for (const c of config.clusters) c.prometheus.auth ??= { type: 'none' };
  const names = new Set<string>();
  for (const c of config.clusters) {
    if (names.has(c.name)) throw new InputError(file, `clusters: the name "${c.name}" is used twice`, lineOf(text, `name: ${c.name}`));
    names.add(c.name);
  }
  seedSecrets(config);
  return config;
}

/**
 * A `*Env` field names an environment variable. A value that looks like the secret itself
 * (`tokenEnv: ghp_…`) is an error that does not print it: it would otherwise be echoed and stored.
 */
function checkEnvNames(file: string, text: string, value: unknown, where = ''): void {
  if (Array.isArray(value)) { value.forEach((v, i) => checkEnvNames(file, text, v, `${where}[${i}]`)); return; }
  if (!value || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    const at = where ? `${where}.${k}` : k;
    if (/Env$/.test(k) && typeof v === 'string' && looksLikeSecret(v)) {
      throw new InputError(file, `${at}: must be the name of an environment variable (e.g. GITHUB_TOKEN), but this value looks like a secret itself (not shown)`, lineOf(text, `${k}:`),
        'put the secret in an environment variable (a CI secret) and write that variable\'s name here; rotate the secret if this file was committed');
    }
    checkEnvNames(file, text, v, at);
  }
}

/**
 * What collecting from the clusters needs before any request: every `${VAR}` in a Prometheus URL
 * and every variable the auth names set, the URL valid, the CA file present. Each problem is an
 * InputError (exit 2) at the configuration's line, rather than a raw ENOENT or "Invalid URL".
 */
export function checkCollectSettings(config: RightsizerConfig, clusters: ClusterConfig[] = config.clusters, env: NodeJS.ProcessEnv = process.env): void {
  let text = '';
  try { text = readFileSync(config.file, 'utf8'); } catch { /* positions are then omitted */ }
  const file = path.relative(process.cwd(), config.file) || config.file;
  for (const c of clusters) {
    const i = config.clusters.indexOf(c);
    const at = `clusters[${i}].prometheus`;
    const prom = c.prometheus;
    prom.url = prom.url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') throw new InputError(file, `${at}.url: the environment variable ${name} (in "${m}") is not set`, lineOf(text, m), `set ${name}, or write the URL out`);
      return value;
    });
    try { new URL(prom.url); } catch {
      throw new InputError(file, `${at}.url: "${redact(prom.url)}" is not a valid URL (e.g. http://prometheus.monitoring:9090)`, lineOf(text, 'url:'));
    }
    for (const key of ['tokenEnv', 'usernameEnv', 'passwordEnv'] as const) {
      const name = prom.auth?.[key];
      if (name && !env[name]) throw new InputError(file, `${at}.auth.${key}: the environment variable ${name} is not set`, lineOf(text, `${key}: ${name}`), `set ${name} (e.g. a CI secret) before collecting`);
    }
    const ca = prom.tls?.caFile;
    if (ca && !existsSync(ca)) throw new InputError(file, `${at}.tls.caFile: ${ca} does not exist`, lineOf(text, 'caFile'), 'give the path of the PEM file with the CA certificate(s), relative to where rightsizer runs');
  }
}

function substitute(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => vars[name] ?? m);
  if (Array.isArray(value)) return value.map(v => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}

function lineOf(text: string, needle: string): { line?: number; column?: number } {
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const col = lines[i].indexOf(needle);
    if (col >= 0) return { line: i + 1, column: col + 1 };
  }
  return {};
}
