// `rightsizer init`: writes a commented rightsizer.yaml for the GitOps repository it is run in,
// with the clusters its Argo CD / Flux files deploy to and the GitHub repository of `origin`.

import { execFile } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { EXIT, UserError } from '../../core/errors.ts';

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

/** Cluster names or servers that Argo CD Applications/ApplicationSets and Flux Kustomizations deploy to. */
export function destinationsIn(files: Array<{ path: string; text: string }>): string[] {
  const found = new Set<string>();
  for (const file of files) {
    if (!/kind:\s*(Application|ApplicationSet)\b/.test(file.text)) continue;
    for (const doc of parseAllDocuments(file.text)) {
      if (!('toJS' in doc) || doc.errors.length > 0) continue;
      const value = doc.toJS() as { kind?: string; spec?: { destination?: { name?: string; server?: string }; template?: { spec?: { destination?: { name?: string; server?: string } } } } } | null;
      const dest = value?.kind === 'ApplicationSet' ? value.spec?.template?.spec?.destination : value?.spec?.destination;
      const name = dest?.name ?? (dest?.server === 'https://kubernetes.default.svc' ? 'in-cluster' : dest?.server);
      if (name && !name.includes('{{')) found.add(name);
    }
  }
  return [...found].sort();
}

/** The cloud a cluster's name suggests (prod-gke, eks-prod, aks-weu…), else aws to be checked. */
export function cloudFromName(name: string): { cloud: 'aws' | 'gcp' | 'azure'; region: string; tagKey: string; guessed: boolean } {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  if (words.some(w => w === 'gke' || w === 'gcp' || w === 'google')) return { cloud: 'gcp', region: 'europe-west1', tagKey: 'goog-k8s-cluster-name', guessed: true };
  if (words.some(w => w === 'aks' || w === 'azure')) return { cloud: 'azure', region: 'westeurope', tagKey: 'aks-cluster', guessed: true };
  const eks = words.some(w => w === 'eks' || w === 'aws');
  return { cloud: 'aws', region: 'us-east-1', tagKey: 'eks:cluster-name', guessed: eks };
}

export function initConfigText(info: { github?: string; baseBranch: string; clusters: string[] }): string {
  const clusters = info.clusters.length > 0 ? info.clusters : ['my-cluster'];
  const clusterBlocks = clusters.map(name => {
    const safe = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) ? name : 'my-cluster';
    const alias = safe === name ? '' : `\n    aliases: [${JSON.stringify(name)}]   # how Argo CD names it`;
    const cloud = cloudFromName(name);
    return `  - name: ${safe}
    cloud: ${cloud.cloud}${' '.repeat(Math.max(1, 14 - cloud.cloud.length))}# aws | gcp | azure | on-prem${cloud.guessed ? ' (guessed from the name)' : ' (check)'}${alias}
    # region: ${cloud.region}
    # billingTag: {key: "${cloud.tagKey}", value: ${safe}}   # the cost-allocation tag of this cluster
    prometheus:
      url: http://prometheus.monitoring.svc:9090   # or AMP / Google Managed Prometheus / Azure Monitor
      auth: {type: none}  # basic (usernameEnv, passwordEnv) | bearer (tokenEnv) | sigv4 (region) | google | azure
      # clusterLabel: cluster   # when one Thanos/Mimir endpoint serves several clusters`;
  }).join('\n');
  return `# yaml-language-server: $schema=https://raw.githubusercontent.com/rightsizer/rightsizer/main/schema/rightsizer.schema.json
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

policies:
  - policies/
`;
}

function isSymlink(file: string): boolean {
  try { return lstatSync(file).isSymbolicLink(); } catch { return false; }
}

export function register(program: Command): void {
  program.command('init')
    .description('write a commented rightsizer.yaml for the GitOps repository in the current folder')
    .option('--force', 'overwrite an existing file')
    .option('--dir <dir>', 'the repository folder', '.')
    .addHelpText('after', `
Example:
  $ cd my-gitops-repo && rightsizer init && rightsizer plan`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as { force?: boolean; dir: string; config: string; quiet?: boolean };
      // The file goes in the folder asked for (the current one by default), even inside a larger
      // git repository: that folder is the GitOps tree the configuration describes.
      const folder = path.resolve(opts.dir);
      const root = (await git(opts.dir, 'rev-parse', '--show-toplevel')) ?? folder;
      let target = path.resolve(folder, path.basename(opts.config || 'rightsizer.yaml'));
      if (existsSync(target) || isSymlink(target)) {
        if (!opts.force) throw new UserError(`${target} already exists`, { exitCode: EXIT.usage, hint: 'pass --force to overwrite it' });
        // --force never follows a symbolic link out of the repository.
        const { writablePath } = await import('../../gitops/write-file.ts');
        target = await writablePath(target, root);
      }
      const { readRepoFiles } = await import('../../gitops/repo-files.ts');
      const files = await readRepoFiles(folder);
      const headRef = await git(root, 'symbolic-ref', '--short', 'refs/remotes/origin/HEAD');
      const baseBranch = headRef?.replace(/^origin\//, '') ?? (await git(root, 'branch', '--show-current')) ?? 'main';
      const info = { github: githubRepoFromRemote(await git(root, 'remote', 'get-url', 'origin')), baseBranch: baseBranch || 'main', clusters: destinationsIn(files) };
      await writeFile(target, initConfigText(info));
      if (!opts.quiet) {
        process.stdout.write(`wrote ${target}: ${info.clusters.length} clusters found in Argo CD files${info.github ? `, repository ${info.github}` : ''}.\n`);
        process.stdout.write('Next: set each cluster\'s cloud and Prometheus URL, then run `rightsizer plan`.\n');
      }
    });
}
