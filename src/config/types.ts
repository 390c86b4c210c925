// The shape of rightsizer.yaml after loading and validation (src/config/load.ts).
// Secrets are never written in the file: fields ending in `Env` name an environment variable.

import type { CloudName } from '../core/types.ts';

export interface PrometheusAuth {
  type: 'none' | 'basic' | 'bearer' | 'sigv4' | 'google' | 'azure';
  /** basic */
  usernameEnv?: string;
  passwordEnv?: string;
  /** bearer */
  tokenEnv?: string;
  /** sigv4 (Amazon Managed Prometheus): region; credentials from the standard AWS chain. */
  region?: string;
}

export interface PrometheusConfig {
  url: string;
  auth: PrometheusAuth;
  /** Extra headers; values of the form `${ENV_NAME}` are read from the environment. */
  headers?: Record<string, string>;
  tls?: { insecureSkipVerify?: boolean; caFile?: string };
  /** When one endpoint serves several clusters (Thanos, Mimir): the label that tells them apart. */
  clusterLabel?: string;
  /** Value of clusterLabel for this cluster (defaults to the cluster name). */
  clusterLabelValue?: string;
  /** Label names when they differ from the exporters' defaults. */
  labels?: { namespace?: string; pod?: string; container?: string };
  /** Resolution of the CPU and GPU usage queries, seconds (default 180, at least 120: each step's rate needs two scrapes). */
  stepSeconds?: number;
  /** Parallel queries at most (default 4). */
  concurrency?: number;
  timeoutSeconds?: number;
  /** Sample budget of one query: no query makes Prometheus hold more samples than this at once (default 100,000). */
  maxQuerySamples?: number;
}

export interface OnPremPrices {
  currency: string;
  perVcpuHour: number;
  perGibHour: number;
  perGpuHour?: Record<string, number>;
  /** Energy: price per kWh, added to the amortised hardware prices when a power model is known. */
  perKwh?: number;
}

export interface ClusterConfig {
  name: string;
  cloud: CloudName;
  region?: string;
  prometheus: PrometheusConfig;
  /** How Argo CD / Flux name this cluster (destination name or server URL), for discovery. */
  aliases?: string[];
  /** Cost-allocation tag or label value that marks this cluster's spend in billing data. */
  billingTag?: { key: string; value: string };
  prices?: OnPremPrices;
  /** kg CO2e per kWh in this region. */
  carbonIntensity?: number;
}

export interface AwsBillingConfig {
  region?: string;
  /** Local replay server or a VPC endpoint. */
  endpoint?: string;
  accessKeyIdEnv?: string;
  secretAccessKeyEnv?: string;
  clusterTagKey?: string;
}

export interface GcpBillingConfig {
  billingAccount?: string;
  /** BigQuery table of the standard billing export: project.dataset.gcp_billing_export_v1_XXXX */
  bigqueryTable?: string;
  apiEndpoint?: string;
  credentialsEnv?: string;
  clusterLabelKey?: string;
}

export interface AzureBillingConfig {
  /** e.g. subscriptions/<id> */
  scope: string;
  tenantIdEnv?: string;
  clientIdEnv?: string;
  clientSecretEnv?: string;
  /** Replaces https://management.azure.com (tests and sovereign clouds). */
  endpoint?: string;
  clusterTagKey?: string;
}

export interface BillingConfig {
  aws?: AwsBillingConfig;
  gcp?: GcpBillingConfig;
  azure?: AzureBillingConfig;
  /** Days of billing history to price from (default 30). */
  lookbackDays?: number;
}

export interface WorkloadMapping {
  /** `<kind>/<namespace>/<name>` or `<cluster>/<namespace>/<kind>/<name>`, globs allowed. */
  workload: string;
  file: string;
  /** Path inside the YAML document to the block that holds `resources`/`replicaCount`, dotted. */
  path?: string;
  container?: string;
}

export interface RepositoryConfig {
  /** owner/name on GitHub. */
  github?: string;
  baseBranch?: string;
  /** Paths (globs) the bot may read and edit; default everything. */
  include?: string[];
  exclude?: string[];
  mappings?: WorkloadMapping[];
}

export interface PullRequestConfig {
  groupBy: 'repository' | 'application' | 'namespace' | 'team';
  branchPrefix: string;
  labels: string[];
  reviewers: string[];
  assignees: string[];
  /** Open low-confidence changes as drafts. */
  draftBelowConfidence?: 'high' | 'medium' | 'low';
  maxOpenPullRequests: number;
  maxPullRequestsPerRun: number;
  /** Days a change closed without merge is not proposed again. */
  closedCooldownDays: number;
  author?: { name: string; email: string };
  signCommits?: boolean;
}

/** The dashboard issue the bot keeps up to date (see docs/DELIVERY.md). */
export interface DashboardConfig {
  /** Default true. */
  enabled: boolean;
  title: string;
  /** The label the bot finds its issue by (default rightsizer-dashboard). */
  label: string;
}

export interface SlackConfig {
  webhookUrlEnv?: string;
  botTokenEnv?: string;
  channel?: string;
  /** Replaces https://slack.com/api (tests). */
  apiUrl?: string;
}

export interface EngineConfig {
  historyDays: number;
  cpuPercentile: number;
  /** Target utilisation of the request for replica sizing, 0..1. */
  targetUtilisation: number;
  /** Watts per busy core, for the CPU power model when no power data exists. */
  wattsPerCore?: number;
}

/** What happens after a merge: drift and regression thresholds (`rightsizer verify`). */
export interface VerifyConfig {
  liveAfterMinutes: number;
  ledgerDays: number;
  revertLabel: string;
  regression: RegressionThresholds;
}

export interface RegressionThresholds {
  windowHours: number;
  minAfterMinutes: number;
  oomKills: number;
  restarts: number;
  throttlingIncrease: number;
  raiseFactor: number;
}

export interface RightsizerConfig {
  /** Absolute path of the file this was loaded from. */
  file: string;
  clusters: ClusterConfig[];
  billing: BillingConfig;
  repository: RepositoryConfig;
  pullRequests: PullRequestConfig;
  dashboard: DashboardConfig;
  slack?: SlackConfig;
  engine: EngineConfig;
  verify: VerifyConfig;
  /** Policy files or folders, relative to the repository root. */
  policies: string[];
}
