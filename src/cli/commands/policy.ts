// `rightsizer policy validate|explain`: check policy files (errors as file:line:column, exit 2)
// and show which rules apply to a workload and the settings they add up to.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT, InputError, UserError } from '../../core/errors.ts';
import type { PolicySet } from '../../policy/index.ts';
import { formatJson } from '../output.ts';

function keyValues(text: string, previous: Record<string, string>): Record<string, string> {
  const out = { ...previous };
  for (const part of text.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UserError(`"${part}" is not key=value`, { exitCode: EXIT.usage });
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Which policy files: the paths given, else the `policies` of the configuration (--config,
 * relative to its folder) when it exists, else policies/.
 */
async function policyPaths(given: string[] | undefined, root: string | undefined, cmd: Command): Promise<{ paths: string[]; root: string }> {
  if (given && given.length > 0) return { paths: given, root: root ?? '.' };
  const globals = cmd.optsWithGlobals() as { config?: string };
  const configFile = globals.config ?? 'rightsizer.yaml';
  const explicit = cmd.parent?.parent?.getOptionValueSource('config') === 'cli' || cmd.getOptionValueSource('config') === 'cli';
  if (explicit || existsSync(configFile)) {
    const { loadConfig } = await import('../../config/load.ts');
    const config = await loadConfig(configFile);
    if (config.policies.length === 0) throw new UserError(`${configFile}: no policies configured and no policies/ folder beside it; rightsizer's built-in cautious defaults apply`, { exitCode: EXIT.usage, hint: 'name policy files or folders, e.g. rightsizer policy validate policies/' });
    return { paths: config.policies, root: root ?? path.dirname(config.file) };
  }
  return { paths: ['policies/'], root: root ?? '.' };
}

async function load(paths: string[], root: string): Promise<{ policies: PolicySet; errors: InputError[]; files: number }> {
  const { loadPolicies, readPolicyFiles } = await import('../../policy/index.ts');
  const files = await readPolicyFiles(paths, root);
  if (files.length === 0) throw new UserError(`no policy files (*.yaml, *.yml) in ${paths.join(', ')}`, { exitCode: EXIT.usage });
  return { ...loadPolicies(files), files: files.length };
}

function outputOf(value: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new UserError(`--output must be text or json, not "${value}"`, { exitCode: EXIT.usage });
  return value;
}

function failWith(errors: InputError[], files: number): never {
  for (const err of errors) process.stderr.write(`${err.message}\n`);
  const fileCount = new Set(errors.map(e => e.file)).size;
  throw new UserError(`${errors.length} problem${errors.length === 1 ? '' : 's'} in ${fileCount} of ${files} policy file${files === 1 ? '' : 's'}`, { exitCode: EXIT.usage });
}

export function register(program: Command): void {
  const policy = program.command('policy').description('check and explain policy files (guardrails for recommendations)')
    .addHelpText('after', `
Examples:
  $ rightsizer policy validate
  $ rightsizer policy explain prod-gke/ml/Deployment/llm-inference`);

  policy
    .command('validate')
    .description('validate policy files: YAML, schema and semantic checks; errors as file:line:column')
    .argument('[paths...]', 'policy files or folders (default: the policies of --config, else policies/)')
    .option('--root <dir>', 'resolve paths from this folder (default: the configuration\'s folder)')
    .option('-o, --output <format>', 'text or json', 'text')
    .addHelpText('after', `
Examples:
  $ rightsizer policy validate                       # the policies rightsizer.yaml names
  $ rightsizer policy validate --config ops/rightsizer.yaml
  $ rightsizer policy validate policies/ extra/gpu.yaml -o json`)
    .action(async (paths: string[], options: { root?: string; output: string }, cmd: Command) => {
      const output = outputOf(options.output);
      const which = await policyPaths(paths, options.root, cmd);
      const { policies, errors, files } = await load(which.paths, which.root);
      if (errors.length > 0) failWith(errors, files);
      const overrides = policies.rules.filter(r => r.override).length;
      const rules = policies.rules.length - overrides;
      if (output === 'json') {
        process.stdout.write(formatJson({ valid: true, files, rules, overrides, environments: policies.environments.length }));
        return;
      }
      process.stdout.write(
        `policies valid: ${files} file${files === 1 ? '' : 's'}, ${rules} rule${rules === 1 ? '' : 's'}` +
          `${overrides > 0 ? ` (+${overrides} environment override${overrides === 1 ? '' : 's'})` : ''}` +
          `, ${policies.environments.length} environment${policies.environments.length === 1 ? '' : 's'}, no conflicts\n`,
      );
    });

  policy
    .command('explain')
    .description('show which rules apply to a workload and why, in precedence order, and the merged settings')
    .argument('<workload>', 'workload id cluster/namespace/Kind/name, or a short form (cluster/namespace/name, Kind/namespace/name, namespace/name)')
    .option('--labels <k=v,...>', 'workload labels (repeatable)', keyValues, {})
    .option('--annotations <k=v,...>', 'workload annotations (repeatable)', keyValues, {})
    .option('--environment <name>', 'environment (otherwise from the environments sections of the policies)')
    .option('--team <name>', 'team (otherwise the team label)')
    .option('--policies <paths...>', 'policy files or folders (default: the policies of --config, else policies/)')
    .option('--root <dir>', 'resolve policy paths from this folder (default: the configuration\'s folder)')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--json', 'the same as --output json')
    .addHelpText('after', `
Examples:
  $ rightsizer policy explain prod-gke/ml/Deployment/llm-inference
  $ rightsizer policy explain prod-gke/ml/llm-inference --labels team=ml   # short form
  $ rightsizer policy explain Deployment/shop/checkout --environment production -o json`)
    .action(async (workload: string, options: { labels: Record<string, string>; annotations: Record<string, string>; environment?: string; team?: string; policies?: string[]; root?: string; output: string; json?: boolean }, cmd: Command) => {
      const output = options.json ? 'json' : outputOf(options.output);
      const { explainPolicies, formatExplanation, parseWorkloadArg } = await import('../../policy/index.ts');
      const ref = parseWorkloadArg(workload);
      const which = await policyPaths(options.policies, options.root, cmd);
      const { policies, errors, files } = await load(which.paths, which.root);
      if (errors.length > 0) failWith(errors, files);
      const explanation = explainPolicies(ref, { labels: options.labels, annotations: options.annotations, environment: options.environment, team: options.team }, policies);
      process.stdout.write(output === 'json' ? formatJson(explanation) : formatExplanation(explanation));
    });
}
