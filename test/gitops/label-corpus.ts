// An independent, line-based labeller for the GitOps corpus, used once to draft
// test/gitops/expected-locations.json, which was then reviewed file by file by reading the
// corpus (the review decisions are the EXCLUDE rules below, each with its reason).
// It does not use the yaml package or the locator: it reads indentation, so a disagreement
// with the locator points at a bug in one of the two.
//
//   ./node_modules/.bin/node test/gitops/label-corpus.ts ../shared/corpus/gitops > test/gitops/expected-locations.json
//
// The AI-serving corpus (../shared/corpus/gitops-ai) was drafted the same way, with the rules for
// the keys of its kinds below (accelerator resources, production-stack `request*`, KEDA
// `*ReplicaCount`, Knative scale annotations, Trainer `numNodes`/`resourcesPerNode`, flat
// operator `resources`), then reviewed file by file into test/gitops/expected-locations-ai.json:
//
//   ./node_modules/.bin/node test/gitops/label-corpus.ts ../shared/corpus/gitops-ai ai

import { readFileSync } from 'node:fs';
import { readRepoFiles } from '../../src/gitops/repo-files.ts';

interface Label { file: string; line: number; field: string; value: string }

const RESOURCE: Record<string, string> = { cpu: 'cpu', memory: 'memory', 'nvidia.com/gpu': 'gpu' };
/** Accelerator resource names (read from the device plugins' docs, not from the locator). */
const ACCELERATORS = /^(nvidia\.com\/(gpu|mig-[0-9]+g\.[0-9]+gb)|amd\.com\/gpu|habana\.ai\/gaudi|aws\.amazon\.com\/neuron(core)?|google\.com\/tpu|gpu\.intel\.com\/(i915|xe))$/;
const resourceName = (key: string) => RESOURCE[key] ?? (ACCELERATORS.test(key) ? 'gpu' : undefined);
const PRODUCTION_STACK: Record<string, string> = { requestCPU: 'cpu.request', requestMemory: 'memory.request', requestGPU: 'gpu.request', limitCPU: 'cpu.limit', limitMemory: 'memory.limit' };
const KNATIVE: Record<string, string> = {
  'autoscaling.knative.dev/min-scale': 'hpa.minReplicas', 'autoscaling.knative.dev/minScale': 'hpa.minReplicas',
  'autoscaling.knative.dev/max-scale': 'hpa.maxReplicas', 'autoscaling.knative.dev/maxScale': 'hpa.maxReplicas',
};
const HPA: Record<string, string> = {
  minReplicas: 'hpa.minReplicas', maxReplicas: 'hpa.maxReplicas',
  targetCPUUtilizationPercentage: 'hpa.targetCPUUtilization', targetMemoryUtilizationPercentage: 'hpa.targetMemoryUtilization',
  targetCPU: 'hpa.targetCPUUtilization', targetMemory: 'hpa.targetMemoryUtilization',
};

/** Review decisions: candidate lines that are look-alikes, not container resources or replicas. */
const EXCLUDE: Array<{ file: RegExp; reason: string; line?: (text: string, parents: string[]) => boolean }> = [
  { file: /quota\.yaml$/, reason: 'ResourceQuota hard limits, not a container' },
  { file: /hpa-v[12]-healthy\.yaml$/, reason: 'status.currentReplicas/desiredReplicas are status, not settings', line: (_t, parents) => parents.includes('status') },
];

function indentOf(line: string): number {
  return line.length - line.replace(/^[ -]*/, '').length;
}

function label(file: string, text: string): Label[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map(l => l.replace(/\r$/, ''));
  const out: Label[] = [];
  // Parents: stack of [indent, key] for the lines above.
  const stack: Array<[number, string]> = [];
  let prevOp: { path: string; line: number } | undefined;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^\s*(#|$)/.test(line) || /^---/.test(line)) { if (/^---/.test(line)) stack.length = 0; return; }
    const m = /^(\s*(?:-\s+)?)("?[\w./-]+"?)\s*:\s*(.*)$/.exec(line);
    if (!m) return;
    const indent = m[1].length;
    const key = m[2].replace(/"/g, '');
    const value = m[3].trim();
    while (stack.length && stack[stack.length - 1][0] >= indent) stack.pop();
    const parents = stack.map(s => s[1]);
    const parent = parents[parents.length - 1];
    const grand = parents[parents.length - 2];
    const push = (field: string, v: string) => out.push({ file, line: i + 1, field, value: v.replace(/^["']|["']$/g, '') });
    // JSON6902: `- op: replace` / `path: …` / `value: …`.
    if (key === 'path' && /^\/spec\//.test(value)) prevOp = { path: value, line: i + 1 };
    if (key === 'value' && prevOp && i + 1 - prevOp.line <= 2 && value !== '') {
      const p = prevOp.path;
      const r = /\/resources\/(requests|limits)\/(cpu|memory|nvidia\.com~1gpu)$/.exec(p);
      if (r) push(`${RESOURCE[r[2].replace('~1', '/')]}.${r[1] === 'requests' ? 'request' : 'limit'}`, value);
      else if (p === '/spec/replicas') push('replicas', value);
    }
    if (resourceName(key) && (parent === 'requests' || parent === 'limits') && grand !== undefined && /(^|[a-z])[rR]esources(PerNode)?$/.test(grand) && value !== '' && value !== '{}') {
      push(`${resourceName(key)}.${parent === 'requests' ? 'request' : 'limit'}`, value);
    }
    // Operators that size their pod with flat `resources: {cpu, memory, gpu}` (VLLMRuntime, llmkube).
    if (['cpu', 'memory', 'gpu'].includes(key) && parent === 'resources' && ['deploymentConfig', 'sidecarConfig', 'spec'].includes(grand ?? '') && /^["']?[\d.]+\w*["']?$/.test(value)) push(`${key}.request`, value);
    if (PRODUCTION_STACK[key] && parents.includes('modelSpec') && value !== '') push(PRODUCTION_STACK[key], value);
    if ((key === 'minReplicaCount' || key === 'maxReplicaCount') && parent === 'spec' && /^\d+$/.test(value)) push(key === 'minReplicaCount' ? 'hpa.minReplicas' : 'hpa.maxReplicas', value);
    if (KNATIVE[key] && parent === 'annotations') push(KNATIVE[key], value);
    if (key === 'numNodes' && /^\d+$/.test(value)) push('replicas', value);
    if (key === 'count' && parent === 'gpu' && grand === 'hardware') push('gpu.request', value);
    // Flow maps: `requests: {cpu: 800m, memory: 1Gi}` or `resources: {limits: {...}}`.
    const flows = [...value.matchAll(/(requests|limits)\s*:\s*\{([^}]*)\}/g)].map(f => [f[1], f[2]] as const);
    if ((key === 'requests' || key === 'limits') && value.startsWith('{') && parent && /[rR]esources$/.test(parent)) flows.push([key, value.slice(1, value.indexOf('}'))]);
    if (/[rR]esources$/.test(key) || key === 'requests' || key === 'limits') {
      for (const [kind, body] of flows) {
        for (const part of body.split(',')) {
          const kv = /^\s*([\w./-]+)\s*:\s*(\S+)\s*$/.exec(part);
          if (kv && RESOURCE[kv[1]]) push(`${RESOURCE[kv[1]]}.${kind === 'requests' ? 'request' : 'limit'}`, kv[2]);
        }
      }
    }
    if ((key === 'replicas' || key === 'replicaCount') && /^("?\d+"?|.*\{\{.*\}\}.*)$/.test(value) && parent !== 'autoscaling') push('replicas', value);
    if (key === 'count' && parent === 'replicas') push('replicas', value);
    if (HPA[key] && /^("?\d+"?|.*\{\{.*\}\}.*)$/.test(value)) push(HPA[key], value);
    if (key === 'averageUtilization' && /^\d+$/.test(value)) {
      // The metric's resource name is two lines up in the corpus's HPAs (resource: name: cpu / target:).
      const name = lines.slice(Math.max(0, i - 6), i).map(l => /^\s*name:\s*(cpu|memory)\s*$/.exec(l)?.[1]).filter(Boolean).pop();
      if (name) push(name === 'cpu' ? 'hpa.targetCPUUtilization' : 'hpa.targetMemoryUtilization', value);
    }
    if (value === '' || value === '|' || value === '|-' || /^&\S+$/.test(value)) stack.push([indent, key]);
    const excluded = EXCLUDE.find(e => e.file.test(file) && (!e.line || e.line(raw, parents)));
    if (excluded && out.length && out[out.length - 1].line === i + 1) while (out.length && out[out.length - 1].line === i + 1) out.pop();
  });
  return out;
}

if (import.meta.main) {
  const dir = process.argv[2];
  const files = await readRepoFiles(dir);
  const labels = files.flatMap(f => label(f.path, readFileSync(`${dir}/${f.path}`, 'utf8')));
  if (process.argv[3] === 'ai') {
    process.stdout.write(`${JSON.stringify({ note: 'draft for test/gitops/expected-locations-ai.json (review by reading each file)', labels }, null, 1)}\n`);
    process.exit(0);
  }
  process.stdout.write(`${JSON.stringify({ note: 'Container resource, replica and HPA locations of ../shared/corpus/gitops, as file:line:field. Drafted by test/gitops/label-corpus.ts (indentation-based, independent of the locator) and reviewed by reading each file.', labels }, null, 1)}\n`);
}
