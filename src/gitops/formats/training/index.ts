// Training jobs that hold pod templates and replica counts:
// - Kubeflow training operator (kubeflow.org): PyTorchJob, TFJob, MPIJob, XGBoostJob,
//   PaddleJob, JAXJob — `<x>ReplicaSpecs.<Role>.replicas` and its template; PyTorchJob
//   `elasticPolicy.minReplicas/maxReplicas/metrics` become an HPA.
// - Kubeflow Trainer (trainer.kubeflow.org): TrainJob `trainer.numNodes` and
//   `trainer.resourcesPerNode` (the trainer container of each node); TrainingRuntime and
//   ClusterTrainingRuntime `mlPolicy.numNodes` and the JobSet template's replicated jobs.
// - JobSet (jobset.x-k8s.io): `replicatedJobs[].replicas` and each Job's pod template.
// - Volcano Job (batch.volcano.sh): `tasks[].replicas` and each task's pod template.

import type { Context } from '../../model.ts';
import { isMap, keyText, type Pair, type PathSegment, type YAMLMap } from '../../yaml.ts';
import { boundsAt, child, countAt, descend, namedItems, partContext, podSpecAt, resourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

export const kubeflowJob: WorkloadKindFormat = {
  format: 'training',
  matches: (apiVersion, kind) => apiVersion.startsWith('kubeflow.org/') && /^(PyTorch|TF|MPI|XGBoost|Paddle|JAX|MX)Job$/.test(kind),
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec || !isMap(spec.node)) return;
    const elastic = child(spec.ctx, spec.node, 'elasticPolicy', w);
    if (elastic) boundsAt(elastic.ctx, elastic.node, ['spec', 'elasticPolicy'], w);
    for (const pair of spec.node.items) {
      const key = keyText(pair as Pair);
      if (!key || !/ReplicaSpecs$/.test(key)) continue;
      const roles = child(spec.ctx, spec.node, key, w);
      if (!roles || !isMap(roles.node)) continue;
      for (const rolePair of roles.node.items) {
        const role = keyText(rolePair as Pair);
        if (!role) continue;
        const r = child(roles.ctx, roles.node, role, w);
        if (!r) continue;
        const rctx = partContext(r.ctx, role);
        const path: PathSegment[] = ['spec', key, role];
        countAt(rctx, r.node, 'replicas', path, 'replicas', w);
        podSpecAt(rctx, r.node, ['template', 'spec'], path, w);
      }
    }
  },
};

export const trainJob: WorkloadKindFormat = {
  format: 'training',
  matches: (apiVersion, kind) => apiVersion.startsWith('trainer.kubeflow.org/') && kind === 'TrainJob',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const trainer = descend(ctx, root, ['spec', 'trainer'], w);
    if (!trainer) return;
    const tctx = { ...partContext(trainer.ctx, 'trainer'), container: 'node' };
    countAt(tctx, trainer.node, 'numNodes', ['spec', 'trainer'], 'replicas', w);
    resourcesAt(tctx, trainer.node, 'resourcesPerNode', ['spec', 'trainer'], w);
  },
};

export const trainingRuntime: WorkloadKindFormat = {
  format: 'training',
  matches: (apiVersion, kind) => apiVersion.startsWith('trainer.kubeflow.org/') && (kind === 'TrainingRuntime' || kind === 'ClusterTrainingRuntime'),
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    const policy = child(spec.ctx, spec.node, 'mlPolicy', w);
    if (policy) countAt(partContext(policy.ctx, 'node'), policy.node, 'numNodes', ['spec', 'mlPolicy'], 'replicas', w);
    const jobSet = descend(spec.ctx, spec.node, ['template', 'spec'], w);
    if (jobSet) replicatedJobs(jobSet.ctx, jobSet.node, ['spec', 'template', 'spec'], w);
  },
};

export const jobSet: WorkloadKindFormat = {
  format: 'training',
  matches: (apiVersion, kind) => apiVersion.startsWith('jobset.x-k8s.io/') && kind === 'JobSet',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (spec) replicatedJobs(spec.ctx, spec.node, ['spec'], w);
  },
};

/** JobSet `replicatedJobs[]`: replicas (copies of the Job) and the Job's pod template. */
function replicatedJobs(ctx: Context, spec: unknown, path: PathSegment[], w: Walk): void {
  for (const job of namedItems(ctx, spec, 'replicatedJobs', w)) {
    const jctx = partContext(job.ctx, job.label);
    const jpath = [...path, 'replicatedJobs', job.seg];
    countAt(jctx, job.node, 'replicas', jpath, 'replicas', w);
    podSpecAt(jctx, job.node, ['template', 'spec', 'template', 'spec'], jpath, w);
  }
}

export const volcanoJob: WorkloadKindFormat = {
  format: 'training',
  matches: (apiVersion, kind) => apiVersion.startsWith('batch.volcano.sh/') && kind === 'Job',
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    for (const task of namedItems(spec.ctx, spec.node, 'tasks', w)) {
      const tctx = partContext(task.ctx, task.label);
      const tpath: PathSegment[] = ['spec', 'tasks', task.seg];
      countAt(tctx, task.node, 'replicas', tpath, 'replicas', w);
      podSpecAt(tctx, task.node, ['template', 'spec'], tpath, w);
    }
  },
};
