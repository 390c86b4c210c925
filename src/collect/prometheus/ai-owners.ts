// Owner resolution for the custom resources that run AI-serving and training pods.
//
// Their controllers create ordinary Deployments, StatefulSets or RayClusters, so
// kube_pod_owner alone names the wrong object (the `<isvc>-predictor` Deployment, not the
// InferenceService the GitOps file holds). The labels each controller stamps on its pods name
// the custom resource; kube-state-metrics exports them as `kube_pod_labels` when they are on
// its `--metric-labels-allowlist=pods=[...]` (docs/COLLECTOR.md lists the labels). One rule per
// kind, first match wins; without the labels, the name patterns at the end apply.

import type { AiWorkloadKind, WorkloadKind } from '../../core/types.ts';
import { TAG, type QueryContext } from './queries.ts';

interface OwnerRule {
  kind: AiWorkloadKind;
  /** Pod label whose value is the custom resource's name. */
  nameLabel: string;
  /** Labels that must have these values too. */
  when?: Record<string, string>;
}

/** Checked in order: the most specific owner first (a RayService's pods also carry `ray.io/cluster`). */
export const AI_OWNER_RULES: readonly OwnerRule[] = [
  { kind: 'InferenceService', nameLabel: 'serving.kserve.io/inferenceservice' },
  { kind: 'LLMInferenceService', nameLabel: 'app.kubernetes.io/name', when: { 'app.kubernetes.io/part-of': 'llminferenceservice' } },
  { kind: 'RayService', nameLabel: 'ray.io/originated-from-cr-name', when: { 'ray.io/originated-from-crd': 'RayService' } },
  { kind: 'RayJob', nameLabel: 'ray.io/originated-from-cr-name', when: { 'ray.io/originated-from-crd': 'RayJob' } },
  { kind: 'RayCluster', nameLabel: 'ray.io/cluster' },
  { kind: 'LeaderWorkerSet', nameLabel: 'leaderworkerset.sigs.k8s.io/name' },
  { kind: 'NIMService', nameLabel: 'app.kubernetes.io/name', when: { 'app.kubernetes.io/managed-by': 'k8s-nim-operator' } },
];

/** Kinds whose replica count kube-state-metrics does not export: the pods seen last stand for it. */
export const AI_KINDS: ReadonlySet<string> = new Set(AI_OWNER_RULES.map(r => r.kind));

/** kube-state-metrics' name for a pod label: `label_` + the key with every other character as `_`. */
export function ksmLabel(key: string): string {
  return `label_${key.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

const LABEL_KEYS = [...new Set(AI_OWNER_RULES.flatMap(r => [r.nameLabel, ...Object.keys(r.when ?? {})]))];

/** Pod labels of the AI controllers over `window` (the query's step): only pods that carry one of the name labels. */
export function aiPodLabelsQuery(x: QueryContext, window = '1d'): string {
  const by = [x.ns, x.pod, ...LABEL_KEYS.map(ksmLabel)].join(', ');
  const cluster = x.clusterMatcher ? `${x.clusterMatcher},` : '';
  const names = [...new Set(AI_OWNER_RULES.map(r => ksmLabel(r.nameLabel)))];
  const any = names.map(n => `last_over_time(kube_pod_labels{${cluster}${n}!=""}[${window}])`).join(' or ');
  return `label_replace(group by (${by}) (${any}), "${TAG}", "ailabels", "", "")`;
}

/** The custom resource a pod belongs to, from its labels (as exported by kube-state-metrics). */
export function aiOwnerFromLabels(labels: Record<string, string>): { kind: WorkloadKind; name: string } | undefined {
  for (const rule of AI_OWNER_RULES) {
    const name = labels[ksmLabel(rule.nameLabel)];
    if (!name) continue;
    if (rule.when && !Object.entries(rule.when).every(([k, v]) => labels[ksmLabel(k)] === v)) continue;
    // Pods carry `ray.io/cluster` whoever made the cluster; its generated name may still say.
    if (rule.kind === 'RayCluster') return aiOwnerFromNames({ kind: 'RayCluster', name });
    return { kind: rule.kind, name };
  }
  return undefined;
}

/**
 * Without pod labels: what the controllers' naming says for certain. A Knative revision's
 * Deployment `<isvc>-predictor-00001-deployment` is KServe's (serverless mode); a RayCluster
 * `<name>-raycluster-<5 chars>` was made by a RayService (RayJobs' clusters come and go, so the
 * steady ones are services); a LeaderWorkerSet's pods are owned by StatefulSets that only the
 * labels tell apart, so they stay StatefulSets here.
 */
export function aiOwnerFromNames(owner: { kind: string; name: string }, resolved?: { kind: WorkloadKind; name: string }): { kind: WorkloadKind; name: string } | undefined {
  if (resolved?.kind === 'Deployment') {
    const m = /^(.+)-(predictor|transformer|explainer)-\d{5}-deployment$/.exec(resolved.name);
    if (m) return { kind: 'InferenceService', name: m[1] };
    return resolved;
  }
  if (owner.kind === 'RayCluster') {
    const m = /^(.+)-raycluster-[a-z0-9]{5}$/.exec(owner.name);
    return m ? { kind: 'RayService', name: m[1] } : { kind: 'RayCluster', name: owner.name };
  }
  if (owner.kind === 'LeaderWorkerSet') return { kind: 'LeaderWorkerSet', name: owner.name };
  return resolved;
}
