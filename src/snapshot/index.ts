// Reading, writing and merging snapshots (see types.ts for the format).

import { readFile, writeFile } from 'node:fs/promises';
import { UserError, EXIT } from '../core/errors.ts';
import { workloadId, type UnitPrice } from '../core/types.ts';
import { redact } from '../deliver/redact.ts';
import { checkProfileShapes } from './sanity.ts';
import { SNAPSHOT_SCHEMA_VERSION, type Snapshot } from './types.ts';

export * from './types.ts';

export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  await writeFile(file, redact(`${JSON.stringify(snapshot)}\n`));
}

export async function readSnapshot(file: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read snapshot (${(err as NodeJS.ErrnoException).code ?? err})`, { exitCode: EXIT.usage, hint: 'write one with `rightsizer collect --out FILE`' });
  }
  return parseSnapshot(file, text);
}

export function parseSnapshot(file: string, text: string): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not a snapshot: ${(err as Error).message}`, { exitCode: EXIT.usage });
  }
  const s = value as Partial<Snapshot>;
  if (!s || typeof s !== 'object' || s.schemaVersion === undefined) {
    throw new UserError(`${file}: not a snapshot: the field schemaVersion is missing`, { exitCode: EXIT.usage });
  }
  if (s.schemaVersion !== SNAPSHOT_SCHEMA_VERSION) {
    throw new UserError(`${file}: snapshot schemaVersion ${s.schemaVersion} is not supported (this rightsizer reads ${SNAPSHOT_SCHEMA_VERSION})`, {
      exitCode: EXIT.usage, hint: 'collect it again with this version of rightsizer',
    });
  }
  for (const key of ['profiles', 'costs', 'prices', 'forecasts', 'sources', 'clusters'] as const) {
    if (!Array.isArray(s[key])) throw new UserError(`${file}: not a snapshot: the field ${key} is not a list`, { exitCode: EXIT.usage });
  }
  checkProfileShapes(file, s.profiles!);
  return s as Snapshot;
}

/**
 * Joins the snapshots of several shards into one. Each workload must come from one shard only;
 * billing rows, prices and forecasts are de-duplicated, so shards may each carry them.
 */
export function mergeSnapshots(snapshots: Snapshot[]): Snapshot {
  if (snapshots.length === 0) throw new UserError('merge needs at least one snapshot', { exitCode: EXIT.usage });
  const seen = new Map<string, number>();
  const profiles = [];
  for (const [i, s] of snapshots.entries()) {
    for (const p of s.profiles) {
      const id = workloadId(p.ref);
      if (seen.has(id)) throw new UserError(`workload ${id} is in snapshots ${seen.get(id)! + 1} and ${i + 1}: were two shards given the same cluster?`, { exitCode: EXIT.usage });
      seen.set(id, i);
      profiles.push(p);
    }
  }
  const unique = <T>(items: T[]): T[] => {
    const keys = new Set<string>();
    return items.filter(item => {
      const key = JSON.stringify(item);
      if (keys.has(key)) return false;
      keys.add(key);
      return true;
    });
  };
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  const starts = snapshots.map(s => s.window.start).sort();
  const ends = snapshots.map(s => s.window.end).sort();
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    createdAt: snapshots.map(s => s.createdAt).sort().at(-1)!,
    window: { start: starts[0], end: ends.at(-1)! },
    clusters: unique(snapshots.flatMap(s => s.clusters)).sort(byName),
    profiles: profiles.sort((a, b) => workloadId(a.ref).localeCompare(workloadId(b.ref))),
    costs: unique(snapshots.flatMap(s => s.costs)),
    prices: sortPrices(unique(snapshots.flatMap(s => s.prices))),
    forecasts: unique(snapshots.flatMap(s => s.forecasts)),
    sources: unique(snapshots.flatMap(s => s.sources)).sort((a, b) => a.source.localeCompare(b.source)),
  };
}

/**
 * What a merge should say out loud: no shard carried billing (only shard 1 collects it), or a
 * cloud cluster has no unit price, so a plan from the merged snapshot cannot price its changes.
 */
export function mergeWarnings(snapshots: Snapshot[], merged: Snapshot): string[] {
  const warnings: string[] = [];
  const billing = merged.sources.some(s => s.source.startsWith('billing:')) || merged.costs.length > 0;
  const cloudClusters = merged.clusters.filter(c => c.cloud !== 'on-prem');
  if (!billing && cloudClusters.length > 0) {
    warnings.push(`${snapshots.length === 1 ? 'the snapshot does not carry' : `none of the ${snapshots.length} snapshots carries`} billing data (shard 1 collects it): a plan from this snapshot cannot price its recommendations; merge the shard-1 snapshot too`);
  }
  const unpriced = cloudClusters.filter(c => !merged.prices.some(p => p.cluster === c.name)).map(c => c.name);
  if (billing && unpriced.length > 0) warnings.push(`no unit price for ${unpriced.join(', ')}: its recommendations will not be priced`);
  return warnings;
}

/** One order for unit prices (cluster, then the cluster-wide price before its node pools), so one collection and merged shards agree byte for byte. */
export function sortPrices(prices: UnitPrice[]): UnitPrice[] {
  return [...prices].sort((a, b) => a.cluster.localeCompare(b.cluster) || (a.nodePool ?? '').localeCompare(b.nodePool ?? ''));
}
