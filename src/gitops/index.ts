// The edit stage: find where a GitOps repository sets resources and replicas, and change
// those values with minimal diffs. Pure functions over plain data (see docs/ARCHITECTURE.md).

import type { ClusterConfig } from '../config/types.ts';
import type { InputError } from '../core/errors.ts';
import { locateDetailed } from './locate.ts';
import { toLocation, type Location } from './model.ts';
import type { RepoFile } from './repo-files.ts';

export type { Location, WorkloadInfo } from './model.ts';
export type { RepoFile } from './repo-files.ts';
export { readRepoFiles } from './repo-files.ts';
export { applyValues } from './edit.ts';
export { planEdits } from './plan.ts';
export { checkEditScope } from './scope.ts';
export { locateBindings, type Binding } from './coupling.ts';

/** Every place in the files that sets container resources, replicas or HPA bounds/targets. */
export function locate(files: RepoFile[], options: { clusters?: ClusterConfig[] } = {}): { locations: Location[]; errors: InputError[] } {
  const { spots, errors } = locateDetailed(files, options);
  return { locations: spots.map(toLocation), errors };
}
