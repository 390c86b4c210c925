// Request headers for each way of authenticating to Prometheus. Secrets are read from the
// environment variables the configuration names, and never appear in logs or error messages.

import type { PrometheusConfig } from '../../config/types.ts';
import { UserError } from '../../core/errors.ts';

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** Adds authentication headers to a request about to be sent. */
export type Authenticator = (req: SignableRequest) => Promise<Record<string, string>>;

function env(name: string | undefined, what: string, cluster: string): string {
  if (!name) throw new UserError(`cluster ${cluster}: prometheus.auth needs ${what}`);
  const value = process.env[name];
  if (value === undefined || value === '') throw new UserError(`cluster ${cluster}: environment variable ${name} (${what}) is not set`);
  return value;
}

/** `${NAME}` in a header value is replaced by the environment variable NAME. */
export function expandHeaders(headers: Record<string, string> | undefined, cluster: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    out[k.toLowerCase()] = v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env(name, `header ${k}`, cluster));
  }
  return out;
}

const AZURE_SCOPE = 'https://prometheus.monitor.azure.com/.default';
const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/monitoring.read';

export function authenticator(config: PrometheusConfig, cluster: string): Authenticator {
  const auth = config.auth ?? { type: 'none' };
  switch (auth.type) {
    case 'none':
      return async () => ({});
    case 'basic': {
      const user = env(auth.usernameEnv, 'usernameEnv', cluster), password = env(auth.passwordEnv, 'passwordEnv', cluster);
      const value = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      return async () => ({ authorization: value });
    }
    case 'bearer': {
      const value = `Bearer ${env(auth.tokenEnv, 'tokenEnv', cluster)}`;
      return async () => ({ authorization: value });
    }
    case 'sigv4':
      return sigv4(auth.region, cluster);
    case 'google':
      return cachedBearer(async () => {
        const { GoogleAuth } = await import('google-auth-library');
        const client = new GoogleAuth({ scopes: [GOOGLE_SCOPE] });
        return async () => {
          const token = await client.getAccessToken();
          if (!token) throw new UserError(`cluster ${cluster}: Google credentials gave no access token`);
          return { token, expiresAt: Date.now() + 5 * 60_000 };
        };
      }, cluster, 'Google');
    case 'azure':
      return cachedBearer(async () => {
        const { DefaultAzureCredential } = await import('@azure/identity');
        const credential = new DefaultAzureCredential();
        return async () => {
          const t = await credential.getToken(AZURE_SCOPE);
          if (!t) throw new UserError(`cluster ${cluster}: Azure credentials gave no token for ${AZURE_SCOPE}`);
          return { token: t.token, expiresAt: t.expiresOnTimestamp };
        };
      }, cluster, 'Azure');
    default:
      throw new UserError(`cluster ${cluster}: unknown prometheus.auth.type "${(auth as { type: string }).type}"`);
  }
}

/** A bearer token fetched once and refreshed a minute before it expires. */
function cachedBearer(
  make: () => Promise<() => Promise<{ token: string; expiresAt: number }>>, cluster: string, provider: string,
): Authenticator {
  let fetchToken: Promise<() => Promise<{ token: string; expiresAt: number }>> | undefined;
  let current: Promise<{ token: string; expiresAt: number }> | undefined;
  return async () => {
    fetchToken ??= make();
    const get = await fetchToken;
    const now = Date.now();
    let t = current ? await current.catch(() => undefined) : undefined;
    if (!t || t.expiresAt - 60_000 < now) {
      current = get();
      try {
        t = await current;
      } catch (err) {
        current = undefined;
        throw new UserError(`cluster ${cluster}: could not get a ${provider} access token for Prometheus: ${(err as Error).message}`);
      }
    }
    return { authorization: `Bearer ${t.token}` };
  };
}

/** Amazon Managed Service for Prometheus: SigV4 for service `aps`, credentials from the default chain. */
function sigv4(region: string | undefined, cluster: string): Authenticator {
  let signer: Promise<{ sign(req: unknown): Promise<{ headers: Record<string, string> }> }> | undefined;
  return async req => {
    signer ??= (async () => {
      const [{ SignatureV4 }, { Sha256 }, { defaultProvider }] = await Promise.all([
        import('@smithy/signature-v4'), import('@aws-crypto/sha256-js'), import('@aws-sdk/credential-provider-node'),
      ]);
      const r = region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!r) throw new UserError(`cluster ${cluster}: prometheus.auth.region is needed for sigv4 (or set AWS_REGION)`);
      return new SignatureV4({ service: 'aps', region: r, credentials: defaultProvider(), sha256: Sha256 }) as never;
    })();
    const s = await signer;
    const query: Record<string, string> = {};
    for (const [k, v] of req.url.searchParams) query[k] = v;
    const signed = await s.sign({
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      port: req.url.port ? Number(req.url.port) : undefined,
      path: req.url.pathname,
      query,
      headers: { ...req.headers, host: req.url.host },
      body: req.body,
    }).catch((err: Error) => {
      throw new UserError(`cluster ${cluster}: could not sign the Prometheus request with AWS credentials: ${err.message}`);
    });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') out[k] = v;
    return out;
  };
}
