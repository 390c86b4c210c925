// `rightsizer plan`: the dry run. Collects (or reads a snapshot), plans, and prints the
// recommendations, the diff and the pull request body. Never writes outside a temp dir.

import type { Command } from 'commander';
import { EXIT, UserError } from '../../core/errors.ts';
import { failedSourcesError, type Plan } from '../../core/plan.ts';
import { colorDiff, formatJson, formatYaml, paint, useColor } from '../output.ts';
import type { WorkloadRef } from '../../core/types.ts';
import { matchesWorkload, parseWorkloadId } from '../../core/workload-id.ts';
import { globMatches } from '../../policy/match.ts';
import { planCsv, planDiff, recommendationTable, unplacedText } from '../render-plan.ts';

export type OutputFormat = 'table' | 'json' | 'markdown' | 'yaml' | 'csv';

export function parseOutput(value: string | undefined, allowed: readonly string[] = ['table', 'json', 'markdown', 'yaml', 'csv']): OutputFormat {
  const v = value ?? 'table';
  if (!allowed.includes(v)) throw new UserError(`--output must be one of ${allowed.join(', ')} (got "${v}")`, { exitCode: EXIT.usage });
  return v as OutputFormat;
}

export interface PlanCommandOptions {
  demo?: boolean;
  /** Globs: only workloads whose cluster, namespace or id (full or short) matches. */
  cluster?: string[];
  namespace?: string[];
  workload?: string[];
  snapshot?: string;
  repoDir?: string;
  output?: string;
  detailedExitcode?: boolean;
  config?: string;
  quiet?: boolean;
}

/**
 * Reads and validates the configuration before the pipeline (and with it every cloud SDK) is
 * loaded, so a bad configuration is reported at once.
 */
export async function preflightConfig(opts: { demo?: boolean; config?: string }): Promise<void> {
  if (opts.demo) return;
  const { loadConfig } = await import('../../config/load.ts');
  await loadConfig(opts.config ?? 'rightsizer.yaml');
}

/** Does a workload pass the --cluster / --namespace / --workload globs (each repeatable; any may match)? */
export function workloadFilter(opts: Pick<PlanCommandOptions, 'cluster' | 'namespace' | 'workload'>): ((ref: WorkloadRef) => boolean) | undefined {
  const { cluster = [], namespace = [], workload = [] } = opts;
  if (cluster.length + namespace.length + workload.length === 0) return undefined;
  for (const w of workload) parseWorkloadId(w);
  return ref => (cluster.length === 0 || cluster.some(g => globMatches(g, ref.cluster)))
    && (namespace.length === 0 || namespace.some(g => globMatches(g, ref.namespace)))
    && (workload.length === 0 || workload.some(g => matchesWorkload(g, ref, globMatches)));
}

/** Plans from a snapshot file or a fresh collection. Shared with the Action. */
// The pipeline is imported when a command runs, so `--help` and light commands start fast.
export async function buildPlan(opts: PlanCommandOptions, log: (line: string) => void): Promise<Plan> {
  const filter = workloadFilter(opts);
  await preflightConfig(opts);
  const { collect, planFromSnapshot } = await import('../../pipeline.ts');
  const { readSnapshot } = await import('../../snapshot/index.ts');
  const base = { configPath: opts.config, demo: opts.demo, repoDir: opts.repoDir, quiet: opts.quiet, log };
  // --cluster also spares the other clusters' Prometheus the queries.
  const clusterFilter = opts.cluster?.length ? (name: string) => opts.cluster!.some(g => globMatches(g, name)) : undefined;
  const snapshot = opts.snapshot ? await readSnapshot(opts.snapshot) : (await collect({ ...base, clusterFilter })).snapshot;
  if (filter) {
    const before = snapshot.profiles.length;
    snapshot.profiles = snapshot.profiles.filter(p => filter(p.ref));
    log(`planning ${snapshot.profiles.length} of ${before} workloads (--cluster/--namespace/--workload)`);
  }
  return planFromSnapshot(snapshot, base);
}

export async function pullRequestBodies(plan: Plan, opts: { demo?: boolean; config?: string }): Promise<Array<{ branch: string; title: string; body: string }>> {
  const { DEMO } = await import('../../pipeline.ts');
  const { loadConfig } = await import('../../config/load.ts');
  const { groupPlan } = await import('../../deliver/group.ts');
  const { renderPullRequestBody } = await import('../../deliver/pr-body.ts');
  const config = await loadConfig(opts.demo ? DEMO.config : (opts.config ?? 'rightsizer.yaml'));
  return groupPlan(plan, config.pullRequests.groupBy, config.pullRequests.branchPrefix)
    .filter(g => g.edits.length > 0)
    .map(g => ({ branch: g.branch, title: g.title, body: renderPullRequestBody(g, plan) }));
}

function collectList(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program.command('plan', { isDefault: true })
    .description('dry run: show the recommended changes, the diff and the pull request body (writes nothing)')
    .option('--demo', 'run on the bundled demo (replayed Prometheus and billing data, no network, no credentials)')
    .option('--snapshot <file>', 'plan from a saved snapshot instead of collecting')
    .option('--repo-dir <dir>', 'the GitOps checkout (default: the folder of the configuration file)')
    .option('-o, --output <format>', 'table, json, markdown, yaml or csv', 'table')
    .option('--detailed-exitcode', 'exit 3 when changes are proposed, 0 when there is nothing to do')
    .option('--cluster <glob>', 'only workloads of matching clusters (repeatable)', collectList, [])
    .option('--namespace <glob>', 'only workloads in matching namespaces (repeatable)', collectList, [])
    .option('--workload <glob>', 'only matching workloads: cluster/namespace/Kind/name or a short form (repeatable)', collectList, [])
    .addHelpText('after', `
Examples:
  $ rightsizer plan --demo
  $ rightsizer plan --demo --output json
  $ rightsizer plan --demo --cluster 'prod-*' --namespace shop
  $ rightsizer plan --demo --workload 'prod-gke/ml/*'
  $ rightsizer plan --config rightsizer.yaml --detailed-exitcode
  $ rightsizer collect --out snap.json && rightsizer plan --snapshot snap.json`)
    .action(async (_opts, cmd: Command) => {
      const opts = cmd.optsWithGlobals() as PlanCommandOptions & { color?: boolean };
      const output = parseOutput(opts.output);
      const color = opts.color !== false && useColor();
      const log = (line: string) => { if (!opts.quiet) process.stderr.write(`${paint('›', 'dim', color)} ${line}\n`); };
      const plan = await buildPlan(opts, log);
      if (output === 'json') {
        process.stdout.write(formatJson(plan));
      } else if (output === 'yaml') {
        process.stdout.write(await formatYaml(plan));
      } else if (output === 'csv') {
        process.stdout.write(planCsv(plan));
      } else {
        const bodies = await pullRequestBodies(plan, opts);
        if (output === 'markdown') {
          process.stdout.write(bodies.map(b => `# ${b.title}\n\n${b.body}`).join('\n\n---\n\n'));
        } else {
          process.stdout.write(`${recommendationTable(plan, color)}\n`);
          const unplaced = unplacedText(plan);
          if (unplaced) process.stdout.write(`${unplaced}\n`);
          const diff = planDiff(plan);
          process.stdout.write(diff ? `${paint('Diff of the files it would change:', 'bold', color)}\n\n${colorDiff(diff, color)}\n` : 'No file would change.\n');
          for (const b of bodies) process.stdout.write(`${paint(`Pull request it would open on ${b.branch}: ${b.title}`, 'bold', color)}\n\n${b.body}\n`);
        }
      }
      if (plan.failedSources?.length) {
        // The plan is printed, but a partial one must not pass for a clean run on a cron.
        throw new UserError(failedSourcesError(plan.failedSources), { hint: 'see the failed: lines above for each source; fix its endpoint or credentials and run again' });
      }
      if (opts.detailedExitcode && plan.edits.length > 0) process.exitCode = EXIT.changes;
    });
}
