// Asymmetry and calm: raise fast, lower slowly, and leave small differences alone so that
// pull requests do not churn week after week.

export interface CalmRule {
  /** A change smaller than this share of the current value is not proposed. */
  minRelative: number;
  /** A change smaller than this, in base units, is not proposed. */
  minAbsolute: number;
  /** One run lowers a value by at most this share (0.5 = to half). Raises are not limited. */
  maxDecrease: number;
}

export const CPU_CALM: CalmRule = { minRelative: 0.1, minAbsolute: 0.01, maxDecrease: 0.5 };
export const MEMORY_CALM: CalmRule = { minRelative: 0.1, minAbsolute: 32 * 2 ** 20, maxDecrease: 0.3 };

export interface CalmResult {
  /** The value to write; equals `from` when nothing should change. */
  value: number;
  changed: boolean;
  /** Why the value is not the estimate (step limit, minimum change), when it is not. */
  reason?: string;
}

/**
 * Applies the calm rule to a move from `from` to `target`. `force` (after an OOM kill) skips the
 * minimum-change test for raises: a container that was killed gets its bump however small.
 */
export function calm(from: number | undefined, target: number, rule: CalmRule, force = false, describe: (v: number) => string = String): CalmResult {
  if (from === undefined || !(from > 0)) return { value: target, changed: true };
  let value = target;
  let reason: string | undefined;
  if (target < from) {
    const floor = from * (1 - rule.maxDecrease);
    if (target < floor) {
      value = floor;
      reason = `lowered by at most ${Math.round(rule.maxDecrease * 100)}% per run (step limit)`;
    }
  }
  const delta = Math.abs(value - from);
  if (force && value > from) return { value, changed: true, reason };
  if (delta < rule.minAbsolute || delta < rule.minRelative * from) {
    return { value: from, changed: false, reason: `difference below the minimum change (${Math.round(rule.minRelative * 100)}% and ${describe(rule.minAbsolute)})` };
  }
  return { value, changed: true, reason };
}
