// Keyless cloud access, as a CI job signs in with its OIDC token: each SDK's own federation path
// runs against local servers (token exchange included), and the collectors' credential chains
// accept what it yields.
//   AWS: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN → STS AssumeRoleWithWebIdentity → temporary
//        keys that sign the Cost Explorer calls (with their session token).
//   Google Cloud: an external_account credentials file (what Workload Identity Federation and
//        google-github-actions/auth write) → STS token exchange → service-account impersonation
//        → the bearer token on the Billing Catalog and BigQuery calls.
//   Azure: in test/collect/billing/keyless-azure.test.ts (the authority must be https).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { awsFake, gcpFake, startReplayServer, type ReplayRequest, type ReplayServer } from '../../helpers/billing-replay-server.ts';
import { awsWorld, gcpWorld, gcpCatalog, AWS_FORECAST } from '../../../fixtures/demo/billing/generate.ts';
import { collectBilling } from '../../../src/collect/billing.ts';
import type { ClusterConfig } from '../../../src/config/types.ts';

const WINDOW = { start: '2026-10-17', end: '2026-11-16' };
const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmV4YW1wbGUvZ2l0b3BzIn0.c2lnbmF0dXJl';
const TEMP_KEY = 'ASIAWEBIDENTITY00001';
const SESSION_TOKEN = 'session-token-from-sts';
const GCP_TOKEN = 'ya29.impersonated-service-account-token';
const prom = { url: 'http://127.0.0.1:9', auth: { type: 'none' as const } };
const clusters: ClusterConfig[] = [
  { name: 'prod-eks', cloud: 'aws', region: 'us-east-1', billingTag: { key: 'eks:cluster-name', value: 'prod-eks' }, prometheus: prom },
  { name: 'prod-gke', cloud: 'gcp', region: 'europe-west1', billingTag: { key: 'goog-k8s-cluster-name', value: 'prod-gke' }, prometheus: prom },
];

let server: ReplayServer;
let dir: string;
const seen: ReplayRequest[] = [];
const aws = awsFake(awsWorld(), { accessKeyId: TEMP_KEY, forecast: AWS_FORECAST });
const gcp = gcpFake(gcpWorld(), gcpCatalog());

/** AWS STS: AssumeRoleWithWebIdentity (query protocol, form body, XML answer; the call is not signed). */
function sts(req: ReplayRequest) {
  if (!req.url.pathname.startsWith('/sts')) return undefined;
  const form = new URLSearchParams(req.body);
  if (form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('WebIdentityToken') !== OIDC_TOKEN) {
    return { status: 400, headers: { 'content-type': 'text/xml' }, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>bad token</Message></Error></ErrorResponse>' };
  }
  const expiration = new Date(Date.now() + 3_600_000).toISOString();
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<SubjectFromWebIdentityToken>repo:example/gitops</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience><Provider>token.actions.githubusercontent.com</Provider>
<AssumedRoleUser><Arn>${form.get('RoleArn')!.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${form.get('RoleSessionName')}</Arn><AssumedRoleId>AROAEXAMPLE:${form.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser>
<Credentials><AccessKeyId>${TEMP_KEY}</AccessKeyId><SecretAccessKey>temporary-secret</SecretAccessKey><SessionToken>${SESSION_TOKEN}</SessionToken><Expiration>${expiration}</Expiration></Credentials>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>0f6d2a4e-0000-4000-8000-000000000001</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
  };
}

/** Google STS token exchange, then IAM Credentials generateAccessToken for the service account. */
function googleFederation(req: ReplayRequest) {
  if (req.url.pathname === '/google-sts/v1/token') {
    const form = new URLSearchParams(req.body);
    assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(form.get('subject_token'), OIDC_TOKEN);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: 'federated-token', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 }) };
  }
  if (req.url.pathname.endsWith(':generateAccessToken')) {
    assert.equal(req.headers.authorization, 'Bearer federated-token');
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessToken: GCP_TOKEN, expireTime: new Date(Date.now() + 3_600_000).toISOString() }) };
  }
  return undefined;
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rightsizer-keyless-'));
  writeFileSync(path.join(dir, 'oidc-token'), OIDC_TOKEN);
  server = await startReplayServer([req => { seen.push(req); return undefined; }, sts, googleFederation, aws.handler, gcp.handler]);
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('AWS: the default credential chain assumes the role with the web identity token and signs with the temporary keys', async () => {
  // The AWS SDK reads its chain from the process environment, as in a CI job.
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
  Object.assign(process.env, {
    AWS_WEB_IDENTITY_TOKEN_FILE: path.join(dir, 'oidc-token'),
    AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/rightsizer-billing-reader',
    AWS_ROLE_SESSION_NAME: 'rightsizer-ci',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_STS: `${server.url}/sts`,
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const r = await collectBilling({ aws: { region: 'us-east-1', endpoint: `${server.url}/aws`, clusterTagKey: 'eks:cluster-name' } }, clusters, WINDOW, { env: {}, sleep: async () => {}, log: () => {} });
  assert.ok(r.sources.every(s => s.ok), JSON.stringify(r.sources));
  assert.ok(r.rows.some(x => x.ProviderName === 'AWS'));
  const stsCalls = seen.filter(q => q.url.pathname.startsWith('/sts'));
  assert.equal(stsCalls.length, 1, 'one AssumeRoleWithWebIdentity, the keys are reused');
  assert.equal(new URLSearchParams(stsCalls[0]!.body).get('RoleArn'), 'arn:aws:iam::123456789012:role/rightsizer-billing-reader');
  const ce = seen.filter(q => q.url.pathname.startsWith('/aws'));
  assert.ok(ce.length > 0);
  for (const q of ce) {
    assert.match(String(q.headers.authorization), new RegExp(`^AWS4-HMAC-SHA256 Credential=${TEMP_KEY}/\\d{8}/us-east-1/ce/aws4_request`));
    assert.equal(q.headers['x-amz-security-token'], SESSION_TOKEN);
  }
});

test('Google Cloud: an external_account credentials file is exchanged at STS, impersonates the service account, and its token reaches the billing APIs', async () => {
  const credentials = path.join(dir, 'gha-creds.json');
  writeFileSync(credentials, JSON.stringify({
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/github/providers/github',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${server.url}/google-sts/v1/token`,
    service_account_impersonation_url: `${server.url}/iamcredentials/v1/projects/-/serviceAccounts/rightsizer-billing@my-project.iam.gserviceaccount.com:generateAccessToken`,
    credential_source: { file: path.join(dir, 'oidc-token') },
  }));
  const before = seen.length;
  const r = await collectBilling({
    gcp: { bigqueryTable: 'demo-billing.billing_export.gcp_billing_export_v1_X', apiEndpoint: `${server.url}/gcp`, clusterLabelKey: 'goog-k8s-cluster-name', credentialsEnv: 'GOOGLE_APPLICATION_CREDENTIALS' },
  }, clusters, WINDOW, { env: { GOOGLE_APPLICATION_CREDENTIALS: credentials }, sleep: async () => {}, log: () => {} });
  assert.ok(r.sources.every(s => s.ok), JSON.stringify(r.sources));
  assert.ok(r.rows.some(x => x.ProviderName === 'Google Cloud'));
  const calls = seen.slice(before);
  assert.ok(calls.some(q => q.url.pathname === '/google-sts/v1/token'), 'the STS exchange ran');
  const billing = calls.filter(q => q.url.pathname.startsWith('/gcp') || q.url.pathname.startsWith('/v1/services'));
  assert.ok(billing.length > 0);
  for (const q of billing) assert.equal(q.headers.authorization, `Bearer ${GCP_TOKEN}`, q.url.pathname);
});
