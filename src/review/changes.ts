// What a pull request changes, in rightsizer's terms: the resource, replica and HPA settings
// whose value differs between the base and the head of the pull request. Both sides are located
// with the same locator the edit stage uses; a setting is the same setting on both sides when it
// has the same location id (`<file>#<document>:<path>`).

import type { FieldName } from '../core/types.ts';
import type { Spot } from '../gitops/model.ts';

export interface SettingChange {
  field: FieldName;
  /** As written in the files; undefined when the setting is absent on that side. */
  from?: string;
  to?: string;
  /** The spot on the head side (the base side when the setting was removed). */
  spot: Spot;
}

/** Settings in `files` whose value differs between base and head, in file and line order. */
export function changedSettings(base: Spot[], head: Spot[], files: ReadonlySet<string>): SettingChange[] {
  const before = new Map(base.filter(s => files.has(s.file)).map(s => [s.id, s]));
  const after = new Map(head.filter(s => files.has(s.file)).map(s => [s.id, s]));
  const out: SettingChange[] = [];
  for (const [id, spot] of after) {
    const old = before.get(id);
    if (old?.value !== spot.value) out.push({ field: spot.field, ...(old ? { from: old.value } : {}), to: spot.value, spot });
  }
  for (const [id, spot] of before) if (!after.has(id)) out.push({ field: spot.field, from: spot.value, spot });
  return out.sort((a, b) => a.spot.file.localeCompare(b.spot.file) || a.spot.line - b.spot.line || a.spot.column - b.spot.column);
}
