// prometheus-operator CRs (monitoring.coreos.com) that size the pods the operator runs:
// `Prometheus`, `PrometheusAgent`, `Alertmanager`, `ThanosRuler` — `replicas`, the main
// container's `resources`, and extra `containers`/`initContainers` (merged into the pod).

import type { Context } from '../../model.ts';
import type { YAMLMap } from '../../yaml.ts';
import { child, countAt, podSpecAt, resourcesAt, type Walk, type WorkloadKindFormat } from '../custom-resource.ts';

/** The main container's name, and the StatefulSet the operator creates: `<prefix>-<name>`. */
const KINDS: Record<string, { container: string; prefix: string }> = {
  Prometheus: { container: 'prometheus', prefix: 'prometheus' },
  PrometheusAgent: { container: 'prometheus', prefix: 'prom-agent' },
  Alertmanager: { container: 'alertmanager', prefix: 'alertmanager' },
  ThanosRuler: { container: 'thanos-ruler', prefix: 'thanos-ruler' },
};

export const prometheusOperator: WorkloadKindFormat = {
  format: 'prometheus-operator',
  matches: (apiVersion, kind) => apiVersion.startsWith('monitoring.coreos.com/') && kind in KINDS,
  extract(ctx: Context, root: YAMLMap, w: Walk) {
    const spec = child(ctx, root, 'spec', w);
    if (!spec) return;
    const info = KINDS[String(ctx.workload?.kind)] ?? KINDS.Prometheus;
    const name = ctx.workload?.name;
    const sctx: Context = { ...spec.ctx, match: { ...spec.ctx.match, kind: undefined, names: [...spec.ctx.match.names, ...(name ? [`${info.prefix}-${name}`] : [])] } };
    countAt(sctx, spec.node, 'replicas', ['spec'], 'replicas', w);
    resourcesAt({ ...sctx, container: info.container }, spec.node, 'resources', ['spec'], w);
    podSpecAt(sctx, spec.node, [], ['spec'], w);
  },
};
