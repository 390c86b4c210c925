// Builders for recommendations in gitops tests.
import type { ContainerRecommendation, Recommendation, WorkloadKind } from '../../src/core/types.ts';
import type { ClusterConfig } from '../../src/config/types.ts';

export function rec(id: string, containers: Array<Partial<ContainerRecommendation> & { container: string }>, extra: Partial<Recommendation> = {}): Recommendation {
  const [cluster, namespace, kind, name] = id.split('/');
  return {
    id, ref: { cluster, namespace, kind: kind as WorkloadKind, name }, status: 'ok',
    containers: containers.map(c => ({ evidence: { windowSeconds: 0, samples: 0, coverage: 1, confidence: 'high' }, ...c })),
    confidence: 'high', evidence: { windowSeconds: 0, notes: [] }, ...extra,
  };
}

export function clusters(...names: Array<string | [string, string[]]>): ClusterConfig[] {
  return names.map(n => {
    const [name, aliases] = typeof n === 'string' ? [n, []] : n;
    return { name, cloud: 'aws', aliases, prometheus: { url: 'http://127.0.0.1:1', auth: { type: 'none' } } };
  });
}
