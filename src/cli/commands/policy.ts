// `rightsizer policy validate|explain`: check policy files (errors as file:line:column, exit 2)
// and show which rules apply to a workload and the settings they add up to.

import type { Command } from 'commander';
import { EXIT, InputError, UserError } from '../../core/errors.ts';
import { explainPolicies, formatExplanation, loadPolicies, parseWorkloadArg, readPolicyFiles } from '../../policy/index.ts';
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

async function load(paths: string[], root: string): Promise<{ policies: PolicySet; errors: InputError[]; files: number }> {
  const files = await readPolicyFiles(paths, root);
  if (files.length === 0) throw new UserError(`no policy files (*.yaml, *.yml) in ${paths.join(', ')}`, { exitCode: EXIT.usage });
  return { ...loadPolicies(files), files: files.length };
}

function failWith(errors: InputError[], files: number): never {
  for (const err of errors) process.stderr.write(`${err.message}\n`);
  const fileCount = new Set(errors.map(e => e.file)).size;
  throw new UserError(`${errors.length} problem${errors.length === 1 ? '' : 's'} in ${fileCount} of ${files} policy file${files === 1 ? '' : 's'}`, { exitCode: EXIT.usage });
}

export function register(program: Command): void {
  const policy = program.command('policy').description('check and explain policy files (guardrails for recommendations)');

  policy
    .command('validate')
    .description('validate policy files: YAML, schema and semantic checks; errors as file:line:column')
    .argument('[paths...]', 'policy files or folders', ['policies/'])
    .option('--root <dir>', 'resolve paths from this folder', '.')
    .action(async (paths: string[], options: { root: string }) => {
      const { policies, errors, files } = await load(paths, options.root);
      if (errors.length > 0) failWith(errors, files);
      const overrides = policies.rules.filter(r => r.override).length;
      const rules = policies.rules.length - overrides;
      process.stdout.write(
        `policies valid: ${files} file${files === 1 ? '' : 's'}, ${rules} rule${rules === 1 ? '' : 's'}` +
          `${overrides > 0 ? ` (+${overrides} environment override${overrides === 1 ? '' : 's'})` : ''}` +
          `, ${policies.environments.length} environment${policies.environments.length === 1 ? '' : 's'}, no conflicts\n`,
      );
    });

  policy
    .command('explain')
    .description('show which rules apply to a workload and why, in precedence order, and the merged settings')
    .argument('<workload>', 'cluster/namespace/kind/name or kind/namespace/name')
    .option('--labels <k=v,...>', 'workload labels (repeatable)', keyValues, {})
    .option('--annotations <k=v,...>', 'workload annotations (repeatable)', keyValues, {})
    .option('--environment <name>', 'environment (otherwise from the environments sections of the policies)')
    .option('--team <name>', 'team (otherwise the team label)')
    .option('--policies <paths...>', 'policy files or folders', ['policies/'])
    .option('--root <dir>', 'resolve policy paths from this folder', '.')
    .option('--json', 'print the explanation as JSON')
    .action(async (workload: string, options: { labels: Record<string, string>; annotations: Record<string, string>; environment?: string; team?: string; policies: string[]; root: string; json?: boolean }) => {
      const ref = parseWorkloadArg(workload);
      const { policies, errors, files } = await load(options.policies, options.root);
      if (errors.length > 0) failWith(errors, files);
      const explanation = explainPolicies(ref, { labels: options.labels, annotations: options.annotations, environment: options.environment, team: options.team }, policies);
      process.stdout.write(options.json ? formatJson(explanation) : formatExplanation(explanation));
    });
}
