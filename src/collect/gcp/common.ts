// Google Cloud clients' shared pieces: credentials, throttling and error lines.

import { readFileSync } from 'node:fs';
import { GoogleAuth, OAuth2Client, type AuthClient } from 'google-auth-library';
import type { GcpBillingConfig } from '../../config/types.ts';
import { BillingDataError } from '../../cost/table.ts';
import { GCP_SOURCE } from '../billing-sources.ts';

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** True for a plain-http loopback endpoint: a local replay server, never a real Google API. */
export function isLocalReplay(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const u = new URL(endpoint);
    return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]');
  } catch {
    return false;
  }
}

/**
 * Credentials: `credentialsEnv` names a variable holding a service-account key (JSON text or a
 * file path); without it, Application Default Credentials. A plain-http loopback endpoint (a
 * replay server) gets a placeholder token, so a real token is never sent without TLS.
 */
export function gcpAuthClient(config: GcpBillingConfig, env: NodeJS.ProcessEnv): AuthClient | GoogleAuth {
  if (isLocalReplay(config.apiEndpoint) && !config.credentialsEnv) {
    const client = new OAuth2Client();
    client.setCredentials({ access_token: 'replay-token', expiry_date: Date.now() + 3_600_000 });
    return client;
  }
  if (config.credentialsEnv) {
    const value = env[config.credentialsEnv];
    if (!value) throw new BillingDataError(GCP_SOURCE, `environment variable ${config.credentialsEnv} (billing.gcp.credentialsEnv) is not set`);
    if (value.trim().startsWith('{')) {
      let credentials: Record<string, unknown>;
      try {
        credentials = JSON.parse(value) as Record<string, unknown>;
      } catch {
        throw new BillingDataError(GCP_SOURCE, `environment variable ${config.credentialsEnv} does not hold valid JSON`);
      }
      return new GoogleAuth({ credentials, scopes: SCOPES });
    }
    try {
      readFileSync(value);
    } catch {
      throw new BillingDataError(GCP_SOURCE, `environment variable ${config.credentialsEnv} names ${value}, which cannot be read`);
    }
    return new GoogleAuth({ keyFilename: value, scopes: SCOPES });
  }
  return new GoogleAuth({ scopes: SCOPES });
}

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; response?: { status?: number } };
  if (typeof e?.response?.status === 'number') return e.response.status;
  if (typeof e?.status === 'number') return e.status;
  if (typeof e?.code === 'number' && e.code >= 100) return e.code;
  if (e?.code === 8) return 429; // gRPC RESOURCE_EXHAUSTED as gax maps it
  if (e?.code === 14) return 503; // UNAVAILABLE
  return undefined;
}

export function gcpThrottleWait(err: unknown, attempt: number): number | undefined {
  const status = statusOf(err);
  if (status !== 429 && status !== 503) return undefined;
  const headers = (err as { response?: { headers?: unknown } })?.response?.headers;
  let retryAfter: string | null | undefined;
  if (headers && typeof (headers as Headers).get === 'function') retryAfter = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object') retryAfter = (headers as Record<string, string>)['retry-after'];
  const seconds = Number(retryAfter);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : Math.min(2 ** (attempt - 1), 30);
}

export function describeGcpError(err: unknown, source: string, operation: string): Error {
  if (err instanceof BillingDataError) return err;
  const e = err as { message?: string; name?: string };
  const status = statusOf(err);
  let first = (e?.message ?? String(err)).split('\n')[0];
  try {
    const body = JSON.parse(first) as { error?: { message?: string; status?: string } };
    if (body.error?.message) first = `${body.error.status ? `${body.error.status}: ` : ''}${body.error.message}`;
  } catch {
    // not a JSON envelope
  }
  if (/Unexpected end of JSON|Unexpected token|is not valid JSON|JSON at position/i.test(first)) {
    return new BillingDataError(source, `${operation} response is not valid JSON (truncated?): ${first}`);
  }
  const hint = status === 401 || status === 403 ? ' (check billing.gcp.credentialsEnv and the caller\'s billing permissions)' : '';
  return new BillingDataError(source, `${operation} failed${status ? ` (HTTP ${status})` : ''}: ${first}${hint}`);
}
