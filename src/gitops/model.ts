// What the locator finds: public Locations, and the internal detail the editors need
// (file offsets, the YAML path, how the workload may be matched).

import type { FieldName } from '../core/types.ts';
import type { Pair, PathSegment, Source, YAMLMap } from './yaml.ts';

export interface WorkloadInfo {
  kind?: string;
  namespace?: string;
  name: string;
  cluster?: string;
}

export interface Location {
  /** Stable: `<file>#<document>:<path>`; paths into embedded YAML strings join with `|`. */
  id: string;
  file: string;
  line: number;
  column: number;
  format: string;
  workload?: WorkloadInfo;
  container?: string;
  /** Part of a multi-part workload (KServe predictor, Ray worker group, LWS leader…), when it has one. */
  component?: string;
  field: FieldName;
  /** For gpu fields: the extended resource counted (`nvidia.com/gpu`, `amd.com/gpu`, `nvidia.com/mig-1g.10gb`…). */
  resource?: string;
  /** As written in the file, without quotes (e.g. "500m"). */
  value: string;
  editable: boolean;
  /** Why the value is not editable. */
  reason?: string;
}

/** How a recommendation's workload is matched to what the file says. */
export interface MatchInfo {
  /** Names the workload may be deployed under (metadata.name, with kustomize prefixes, release names…). */
  names: string[];
  /** Namespaces it may be deployed to; empty when the file does not say. */
  namespaces: string[];
  kind?: string;
  cluster?: string;
  /** Higher wins when several places set the same value (a Kustomize overlay over its base). */
  precedence: number;
  /** Helm values: release and chart when known, and the component path above `resources`. */
  helm?: { release?: string; chart?: string; component: string[] };
  /** Set by an explicit mapping or a marker comment: the workload is known exactly. */
  explicit?: { kind?: string; namespace?: string; name: string; cluster?: string; container?: string };
}

export interface Context {
  source: Source;
  docIndex: number;
  format: string;
  workload?: WorkloadInfo;
  container?: string;
  component?: string;
  match: MatchInfo;
  /** Inherited reason why values here may not be edited (reached through an alias, shared anchor…). */
  readOnly?: string;
  /** Lines (1-based, in the file) of the keys above the current node, for marker comments. */
  keyLines: number[];
}

export interface Spot extends Location {
  start: number;
  end: number;
  quote: 'plain' | 'double' | 'single';
  /** Path inside the document (embedded sources prefixed, as in the id). */
  keyPath: string;
  ctx: Context;
  /** The key/value pair, and the map holding it (with its own pair in the parent map). */
  pair: Pair;
  owner?: { map: YAMLMap; parent?: { map: YAMLMap; pair: Pair } };
}

/** A container's `resources` block (present, empty, or missing): where absent keys are inserted. */
export interface Block {
  /** id prefix: `<file>#<doc>:<path to resources>`. */
  id: string;
  ctx: Context;
  path: PathSegment[];
  /** The map that holds (or would hold) `resources`. */
  parent: YAMLMap;
  /** The key of the block when it is not `resources` (chart conventions such as `appResources`). */
  key?: string;
  /** Why no key may be inserted here (bitnami resourcesPreset, template, alias…). */
  reason?: string;
  /** A reason that an explicit option may override (resourcesPreset). */
  overridable?: boolean;
}

export interface Found {
  spots: Spot[];
  blocks: Block[];
}

export function toLocation(spot: Spot): Location {
  const loc: Location = {
    id: spot.id, file: spot.file, line: spot.line, column: spot.column, format: spot.format,
    ...(spot.workload ? { workload: spot.workload } : {}),
    ...(spot.container !== undefined ? { container: spot.container } : {}),
    ...(spot.component !== undefined ? { component: spot.component } : {}),
    field: spot.field,
    ...(spot.resource !== undefined ? { resource: spot.resource } : {}),
    value: spot.value, editable: spot.editable,
    ...(spot.reason ? { reason: spot.reason } : {}),
  };
  return loc;
}
