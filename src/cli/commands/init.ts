// `rightsizer init`: writes a commented rightsizer.yaml for the GitOps repository it is run in,
// with the clusters its Argo CD / Flux files deploy to and the GitHub repository of `origin`.

import { execFile } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { helmChartDirs, isChartTemplate, readRepoFiles } from '../../gitops/repo-files.ts';
import { EXIT, UserError } from '../../core/errors.ts';
import configSchema from '../../../schema/rightsizer.schema.json' with { type: 'json' };

/** Where editors fetch the schema from: its `$id`. */
export const SCHEMA_URL: string = configSchema.$id;

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string | undefined> {
  try {
    return (await run('git', args, { cwd })).stdout.trim();
  } catch {
    return undefined;
  }
}

/** owner/name from an origin URL (https, ssh or git@ form); undefined for other hosts' shapes. */
export function githubRepoFromRemote(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export interface FoundCluster {
  /** A valid cluster name for the configuration. */
  name: string;
  /** How Argo CD names it when that is not the name (a server URL). */
  aliases: string[];
  /** Files that deploy to it (relative to the repository). */
  files: string[];
}

const IN_CLUSTER = 'https://kubernetes.default.svc';
const TEMPLATED = /\{\{|\$\{/;

/** A cluster name from an Argo CD destination name or server URL. */
function clusterName(destination: string): { name: string; alias?: string } {
  if (destination === IN_CLUSTER || destination === `${IN_CLUSTER}/` || destination === 'in-cluster') return { name: 'in-cluster' };
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(destination)) return { name: destination };
  let host = destination;
  try { host = new URL(destination).hostname; } catch { /* not a URL */ }
  const name = host.split('.')[0].replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'my-cluster';
  return { name, alias: destination };
}

type Json = unknown;
const isRecord = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{{ .Values.a.b }}` → ['a', 'b']; `{{cluster}}`, `{{ .name }}`, `{{.values.x}}` → the path of the generator parameter. */
function templatePath(text: string): { values?: string[]; param?: string[] } | undefined {
  const m = /\{\{-?\s*(?:\$)?\.?([A-Za-z_][A-Za-z0-9_.]*)[^}]*\}\}/.exec(text);
  if (!m) return undefined;
  const parts = m[1].split('.');
  return parts[0] === 'Values' ? { values: parts.slice(1) } : { param: parts };
}

function getPath(value: Json, keys: string[]): Json {
  let cur = value;
  for (const k of keys) cur = isRecord(cur) ? cur[k] : undefined;
  return cur;
}

/** Every `elements` entry of list generators anywhere below an ApplicationSet's generators (matrix and merge included). */
function listElements(node: Json): Array<Record<string, Json>> {
  if (Array.isArray(node)) return node.flatMap(listElements);
  if (!isRecord(node)) return [];
  const own = isRecord(node.list) && Array.isArray(node.list.elements) ? node.list.elements.filter(isRecord) : [];
  return [...own, ...Object.entries(node).filter(([k]) => k !== 'list').flatMap(([, v]) => listElements(v))];
}

/**
 * Destinations (name or server) of Argo CD Applications anywhere in a YAML value: Applications,
 * ApplicationSets (a templated destination is resolved through list generators), and
 * Application specs nested in Helm values (app-of-apps charts).
 */
function destinationsOf(value: Json): string[] {
  const out: string[] = [];
  const visit = (node: Json, appSet: Json): void => {
    if (Array.isArray(node)) { node.forEach(n => visit(n, appSet)); return; }
    if (!isRecord(node)) return;
    const set = node.kind === 'ApplicationSet' ? node : appSet;
    const dest = node.destination;
    const looksLikeApp = 'project' in node || 'source' in node || 'sources' in node || (isRecord(dest) && 'namespace' in dest);
    if (isRecord(dest) && looksLikeApp) {
      for (const key of ['name', 'server']) {
        const v = dest[key];
        if (typeof v !== 'string' || v === '') continue;
        if (!TEMPLATED.test(v)) { out.push(v); break; }
        const path = templatePath(v);
        const fromSet = path?.param ? listElements(isRecord(set) ? set.spec : undefined).map(e => getPath(e, path.param!)).filter((x): x is string => typeof x === 'string') : [];
        if (fromSet.length) { out.push(...fromSet); break; }
      }
    }
    for (const v of Object.values(node)) visit(v, set);
  };
  visit(value, undefined);
  return out;
}

/** Destinations in a Helm template that is not YAML until rendered: `destination:` followed by deeper `name:` / `server:` lines. */
function templateDestinations(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const m = /^(\s*)destination:\s*$/.exec(line);
    if (!m) return;
    for (let j = i + 1; j < lines.length; j++) {
      const inner = /^(\s*)(name|server):\s*(.+?)\s*$/.exec(lines[j]);
      const indent = /^\s*/.exec(lines[j])![0].length;
      if (lines[j].trim() === '' || lines[j].trim().startsWith('#')) continue;
      if (indent <= m[1].length) break;
      if (inner) { out.push(inner[3].replace(/^["']|["']$/g, '')); break; }
    }
  });
  return out;
}

/**
 * The clusters a GitOps repository deploys to: Argo CD destinations (Applications,
 * ApplicationSets with list generators, Applications nested in Helm values or written as Helm
 * templates, resolved through the chart's values.yaml) and Flux cluster folders
 * (`clusters/<name>/` holding Flux objects).
 */
export function discoverClusters(files: Array<{ path: string; text: string }>): FoundCluster[] {
  const byName = new Map<string, FoundCluster>();
  const add = (destination: string, file: string) => {
    const { name, alias } = clusterName(destination);
    const c = byName.get(name) ?? { name, aliases: [], files: [] };
    if (alias && !c.aliases.includes(alias)) c.aliases.push(alias);
    if (!c.files.includes(file)) c.files.push(file);
    byName.set(name, c);
  };
  const chartDirs = helmChartDirs(files);
  const valuesOfChart = new Map<string, Json>();
  const chartValues = (dir: string): Json => {
    if (!valuesOfChart.has(dir)) {
      const file = files.find(f => f.path === (dir === '.' ? 'values.yaml' : `${dir}/values.yaml`));
      let value: Json;
      try { value = file ? parse(file.text, { logLevel: 'error' }) : undefined; } catch { value = undefined; }
      valuesOfChart.set(dir, value);
    }
    return valuesOfChart.get(dir);
  };
  for (const file of files) {
    const flux = /(?:^|\/)clusters\/([^/]+)\//.exec(file.path);
    if (flux && /toolkit\.fluxcd\.io\//.test(file.text) && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flux[1])) add(flux[1], file.path);
    if (!/\bdestination:/.test(file.text)) continue;
    if (isChartTemplate(file.path, chartDirs)) {
      const chart = path.posix.dirname(path.posix.dirname(file.path));
      for (const d of templateDestinations(file.text)) {
        const p = TEMPLATED.test(d) ? templatePath(d) : undefined;
        const v = p?.values ? getPath(chartValues(chart), p.values) : d;
        if (typeof v === 'string' && v !== '' && !TEMPLATED.test(v)) add(v, file.path);
      }
      continue;
    }
    for (const doc of parseAllDocuments(file.text, { logLevel: 'error' })) {
      if (!('toJS' in doc) || doc.errors.length > 0) continue;
      for (const d of destinationsOf(doc.toJS())) add(d, file.path);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Cluster names or servers that Argo CD and Flux files deploy to. */
export function destinationsIn(files: Array<{ path: string; text: string }>): string[] {
  return discoverClusters(files).map(c => c.name);
}

/** The cloud a cluster's name suggests (prod-gke, eks-prod, aks-weu…), else aws to be checked. */
export function cloudFromName(name: string): { cloud: 'aws' | 'gcp' | 'azure'; region: string; tagKey: string; guessed: boolean } {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  if (words.some(w => w === 'gke' || w === 'gcp' || w === 'google')) return { cloud: 'gcp', region: 'europe-west1', tagKey: 'goog-k8s-cluster-name', guessed: true };
  if (words.some(w => w === 'aks' || w === 'azure')) return { cloud: 'azure', region: 'westeurope', tagKey: 'aks-cluster', guessed: true };
  const eks = words.some(w => w === 'eks' || w === 'aws');
  return { cloud: 'aws', region: 'us-east-1', tagKey: 'eks:cluster-name', guessed: eks };
}

export interface InitInfo {
  github?: string;
  baseBranch: string;
  clusters: Array<string | FoundCluster>;
  /** Policy folders that exist in the repository; none: rightsizer's built-in cautious defaults apply. */
  policies?: string[];
}

export function initConfigText(info: InitInfo): string {
  const found = info.clusters.map(c => typeof c === 'string' ? { ...clusterName(c), files: [] as string[] } : { name: c.name, alias: c.aliases.join(', ') || undefined, aliases: c.aliases, files: c.files });
  const clusters = found.length > 0 ? found : [{ name: 'my-cluster', alias: undefined, files: [] as string[] }];
  const clusterBlocks = clusters.map(c => {
    const name = c.name;
    const aliases = 'aliases' in c && Array.isArray(c.aliases) ? c.aliases : c.alias ? [c.alias] : [];
    const alias = aliases.length ? `\n    aliases: [${aliases.map(a => JSON.stringify(a)).join(', ')}]   # how Argo CD names it` : '';
    const from = c.files.length ? `   # from ${c.files.slice(0, 2).join(', ')}${c.files.length > 2 ? ` and ${c.files.length - 2} more` : ''}` : '';
    const cloud = cloudFromName(name);
    return `  - name: ${name}${from}
    cloud: ${cloud.cloud}${' '.repeat(Math.max(1, 14 - cloud.cloud.length))}# aws | gcp | azure | on-prem${cloud.guessed ? ' (guessed from the name)' : ' (check)'}${alias}
    # region: ${cloud.region}
    # billingTag: {key: "${cloud.tagKey}", value: ${name}}   # the cost-allocation tag of this cluster
    prometheus:
      url: http://prometheus.monitoring.svc:9090   # or AMP / Google Managed Prometheus / Azure Monitor
      auth: {type: none}  # basic (usernameEnv, passwordEnv) | bearer (tokenEnv) | sigv4 (region) | google | azure
      # clusterLabel: cluster   # when one Thanos/Mimir endpoint serves several clusters`;
  }).join('\n');
  const policies = info.policies?.length
    ? `policies:\n${info.policies.map(p => `  - ${p}`).join('\n')}\n`
    : `# policies:               # guardrails; until you add some, rightsizer's cautious defaults apply
#   - policies/            # (rightsizer policy validate checks them)\n`;
  return `# yaml-language-server: $schema=${SCHEMA_URL}
# rightsizer configuration. Secrets are never written here: fields ending in Env name an
# environment variable. Check it with \`rightsizer plan\` (a dry run that writes nothing).

clusters:
${clusterBlocks}

# Where the money figures come from: what you actually pay, net of discounts.
billing:
  lookbackDays: 30
  # aws:
  #   accessKeyIdEnv: AWS_ACCESS_KEY_ID
  #   secretAccessKeyEnv: AWS_SECRET_ACCESS_KEY
  #   clusterTagKey: "eks:cluster-name"
  # gcp:
  #   billingAccount: 012345-6789AB-CDEF01
  #   bigqueryTable: my-project.billing.gcp_billing_export_v1_012345_6789AB_CDEF01
  # azure:
  #   scope: subscriptions/00000000-0000-0000-0000-000000000000
  #   tenantIdEnv: AZURE_TENANT_ID
  #   clientIdEnv: AZURE_CLIENT_ID
  #   clientSecretEnv: AZURE_CLIENT_SECRET

repository:
${info.github ? `  github: ${info.github}\n` : '  # github: owner/name\n'}  baseBranch: ${info.baseBranch}
  # mappings:              # when discovery cannot tell where a workload's values live
  #   - workload: Deployment/shop/checkout
  #     file: apps/checkout/values.yaml

pullRequests:
  groupBy: repository     # repository | application | namespace | team
  labels: [rightsizer]
  draftBelowConfidence: medium
  closedCooldownDays: 30  # a PR closed without merge is not proposed again for this long

# slack:
#   webhookUrlEnv: RIGHTSIZER_SLACK_WEBHOOK_URL

engine:
  historyDays: 14
  cpuPercentile: 0.95
  targetUtilisation: 0.7

${policies}`;
}

function isSymlink(file: string): boolean {
  try { return lstatSync(file).isSymbolicLink(); } catch { return false; }
}

export function register(program: Command): void {
  program.command('init')
    .description('write a commented rightsizer.yaml for the GitOps repository in the current folder')
    .option('--force', 'overwrite an existing file')
    .option('--dir <dir>', 'the repository folder', '.')
    .option('-o, --output <format>', 'text or json ({file, clusters, github, policies})', 'text')
    .addHelpText('after', `
Clusters come from Argo CD destinations (Applications, ApplicationSets with list generators,
Applications in Helm values and templates) and Flux cluster folders (clusters/<name>/).

Examples:
  $ cd my-gitops-repo && rightsizer init && rightsizer plan
  $ rightsizer init --dir ../platform-gitops
  $ rightsizer init --config ops/rightsizer.yaml    # written there, relative to --dir`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { force?: boolean; dir: string; config: string; output: string; quiet?: boolean };
      if (opts.output !== 'text' && opts.output !== 'json') throw new UserError(`--output must be text or json, not "${opts.output}"`, { exitCode: EXIT.usage });
      // The file goes in the folder asked for (the current one by default), even inside a larger
      // git repository: that folder is the GitOps tree the configuration describes.
      const folder = path.resolve(opts.dir);
      const root = (await git(opts.dir, 'rev-parse', '--show-toplevel')) ?? folder;
      let target = path.resolve(folder, opts.config || 'rightsizer.yaml');
      if (existsSync(target) || isSymlink(target)) {
        if (!opts.force) throw new UserError(`${target} already exists`, { exitCode: EXIT.usage, hint: 'pass --force to overwrite it' });
        // --force never follows a symbolic link out of the repository.
        const { writablePath } = await import('../../gitops/write-file.ts');
        target = await writablePath(target, root);
      }
      const files = await readRepoFiles(folder);
      const headRef = await git(root, 'symbolic-ref', '--short', 'refs/remotes/origin/HEAD');
      const baseBranch = headRef?.replace(/^origin\//, '') ?? (await git(root, 'branch', '--show-current')) ?? 'main';
      const clusters = discoverClusters(files);
      // Policy paths resolve from the configuration's folder: name only folders that exist.
      const configDir = path.dirname(target);
      const policyDir = path.relative(configDir, path.join(folder, 'policies')).split(path.sep).join('/');
      const policies = existsSync(path.join(folder, 'policies')) ? [`${policyDir}/`] : [];
      const info = { github: githubRepoFromRemote(await git(root, 'remote', 'get-url', 'origin')), baseBranch: baseBranch || 'main', clusters, policies };
      await mkdir(configDir, { recursive: true });
      await writeFile(target, initConfigText(info));
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify({ file: target, clusters, github: info.github ?? null, policies }, null, 2)}\n`);
      } else if (!opts.quiet) {
        // Relative to the repository top, so a subfolder says where in the repository it wrote.
        const shown = path.relative(root, target) || target;
        const names = clusters.map(c => c.name).join(', ');
        process.stdout.write(`wrote ${shown}: ${clusters.length} cluster${clusters.length === 1 ? '' : 's'} found in Argo CD and Flux files${names ? ` (${names})` : ''}${info.github ? `, repository ${info.github}` : ''}${policies.length ? `, policies from ${policies[0]}` : ', built-in cautious policies (no policies/ folder)'}.\n`);
        if (configDir !== folder) process.stdout.write(`The repository is read from ${path.relative(process.cwd(), configDir) || '.'}: run \`rightsizer plan --config ${path.relative(process.cwd(), target)} --repo-dir ${path.relative(process.cwd(), folder) || '.'}\` to plan the whole tree.\n`);
        process.stdout.write('Next: set each cluster\'s cloud and Prometheus URL, then run `rightsizer plan`.\n');
      }
    });
}
