// Policies as code: load and validate policy files, apply them to recommendations, explain them.
// Pure except readPolicyFiles and defaultPolicyFiles, which look at the disk.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { applyPolicies } from './apply.ts';
export { explainPolicies, formatExplanation, parseWorkloadArg } from './explain.ts';
export { loadPolicies, readPolicyFiles, POLICY_SCHEMA } from './load.ts';
export type { Explanation, PolicyContext, PolicyRule, PolicySet, WorkloadMeta } from './types.ts';

/**
 * The default policies shipped with rightsizer (policies/defaults.yaml). The files under
 * policies/examples/ are examples to copy, not defaults.
 */
export function defaultPolicyFiles(): string[] {
  // From src/policy/ when run from source, from dist/ when bundled: look upwards for the file.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'policies', 'defaults.yaml');
    if (existsSync(candidate)) return [candidate];
    dir = path.dirname(dir);
  }
  return [];
}
