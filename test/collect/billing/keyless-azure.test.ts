// Keyless Azure access (workload identity federation): AZURE_FEDERATED_TOKEN_FILE holds the
// CI job's OIDC token; @azure/identity's WorkloadIdentityCredential trades it at the Entra token
// endpoint for an access token, which the Cost Management calls carry. The authority is a local
// HTTPS server (MSAL refuses plain http) with a certificate made for this test and trusted by
// this process only.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { azureFake, startReplayServer, type ReplayRequest, type ReplayServer } from '../../helpers/billing-replay-server.ts';
import { azureWorld, azureForecastRows } from '../../../fixtures/demo/billing/generate.ts';
import { collectBilling } from '../../../src/collect/billing.ts';
import type { ClusterConfig } from '../../../src/config/types.ts';

const WINDOW = { start: '2026-10-17', end: '2026-11-16' };
const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = '66666666-7777-8888-9999-000000000000';
const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvZ2l0b3BzIn0.c2lnbmF0dXJl';
const ACCESS_TOKEN = 'entra-access-token-for-cost-management';
const clusters: ClusterConfig[] = [
  { name: 'prod-aks', cloud: 'azure', region: 'westeurope', billingTag: { key: 'aks-cluster', value: 'prod-aks' }, prometheus: { url: 'http://127.0.0.1:9', auth: { type: 'none' } } },
];

let dir: string;
let arm: ReplayServer;
let authority: https.Server;
let authorityUrl: string;
const armSeen: ReplayRequest[] = [];
const tokenRequests: URLSearchParams[] = [];

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-keyless-azure-'));
  writeFileSync(path.join(dir, 'azure-identity-token'), OIDC_TOKEN);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), cert]);
  authority = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
    let body = '';
    req.on('data', c => { body += c; });
    req.on('end', () => {
      const base = `${authorityUrl}/${TENANT}`;
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
        res.end(JSON.stringify({
          issuer: `${base}/v2.0`, token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`, jwks_uri: `${base}/discovery/v2.0/keys`, response_types_supported: ['code', 'token'],
        }));
      } else if (req.method === 'POST' && req.url?.startsWith(`/${TENANT}/oauth2/v2.0/token`)) {
        const form = new URLSearchParams(body);
        tokenRequests.push(form);
        const ok = form.get('client_assertion') === OIDC_TOKEN && form.get('client_id') === CLIENT;
        res.statusCode = ok ? 200 : 401;
        res.end(JSON.stringify(ok ? { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: ACCESS_TOKEN } : { error: 'invalid_client', error_description: 'AADSTS700213: No matching federated identity record found' }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ error: 'not_found', error_description: `${req.method} ${req.url}` }));
      }
    });
  });
  await new Promise<void>(resolve => authority.listen(0, '127.0.0.1', resolve));
  authorityUrl = `https://localhost:${(authority.address() as AddressInfo).port}`;
  const azure = azureFake(azureWorld(), { forecastRows: azureForecastRows() });
  arm = await startReplayServer([req => { armSeen.push(req); return undefined; }, azure.handler]);
});

after(async () => {
  await arm.close();
  await new Promise(resolve => authority.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

test('Azure: the federated token file is exchanged at the authority and its access token reaches Cost Management', async () => {
  const env = {
    AZURE_FEDERATED_TOKEN_FILE: path.join(dir, 'azure-identity-token'),
    AZURE_CLIENT_ID: CLIENT,
    AZURE_TENANT_ID: TENANT,
    AZURE_AUTHORITY_HOST: authorityUrl,
  };
  const r = await collectBilling({ azure: { scope: 'subscriptions/00000000-1111-2222-3333-444444444444', endpoint: `${arm.url}/azure`, clusterTagKey: 'aks-cluster' } },
    clusters, WINDOW, { env, sleep: async () => {}, log: () => {} });
  assert.ok(r.sources.every(s => s.ok), JSON.stringify(r.sources));
  assert.ok(r.rows.some(x => x.ProviderName === 'Microsoft Azure'));
  assert.equal(tokenRequests.length, 1, 'one token exchange; the access token is cached');
  assert.equal(tokenRequests[0]!.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  assert.equal(tokenRequests[0]!.get('scope'), 'https://management.azure.com/.default');
  assert.ok(armSeen.length > 0);
  for (const q of armSeen) assert.equal(q.headers.authorization, `Bearer ${ACCESS_TOKEN}`, q.url.pathname);
});

test('Azure: a federated token without AZURE_CLIENT_ID and AZURE_TENANT_ID is a clear error', async () => {
  const r = await collectBilling({ azure: { scope: 'subscriptions/00000000-1111-2222-3333-444444444444', endpoint: `${arm.url}/azure`, clusterTagKey: 'aks-cluster' } },
    clusters, WINDOW, { env: { AZURE_FEDERATED_TOKEN_FILE: path.join(dir, 'azure-identity-token') }, sleep: async () => {}, log: () => {} });
  const azure = r.sources.find(s => s.source === 'billing:azure')!;
  assert.equal(azure.ok, false);
  assert.match(azure.error ?? '', /AZURE_FEDERATED_TOKEN_FILE is set: AZURE_CLIENT_ID and AZURE_TENANT_ID must be set too/);
});
