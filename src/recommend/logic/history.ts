// How much history a container has, and what confidence that buys. Shared by every estimator
// so that "short history widens the margin" means the same thing for CPU and memory.

import type { Confidence } from '../../core/types.ts';

export const DAY = 86400;

export interface HistoryRules {
  /** Below this span there is no recommendation at all ("insufficient data"). */
  minSeconds: number;
  /** From this span on, confidence is high and no extra margin is added. */
  fullSeconds: number;
  /** Extra relative margin at the shortest usable history, shrinking linearly to 0 at fullSeconds. */
  shortHistoryMargin: number;
  /** Below this share of expected samples, confidence drops one step. */
  minCoverage: number;
}

export const HISTORY_RULES: HistoryRules = { minSeconds: DAY, fullSeconds: 7 * DAY, shortHistoryMargin: 0.3, minCoverage: 0.8 };

export interface HistoryAssessment {
  seconds: number;
  sufficient: boolean;
  confidence: Confidence;
  /** Relative margin to add because the history is short (0 when long enough). */
  extraMargin: number;
}

export function assessHistory(seconds: number, coverage: number, rules: HistoryRules = HISTORY_RULES): HistoryAssessment {
  const span = Math.max(0, seconds);
  if (span < rules.minSeconds) return { seconds: span, sufficient: false, confidence: 'low', extraMargin: rules.shortHistoryMargin };
  const missing = Math.max(0, rules.fullSeconds - span) / (rules.fullSeconds - rules.minSeconds);
  const extraMargin = rules.shortHistoryMargin * Math.min(1, missing);
  let level = span >= rules.fullSeconds ? 2 : span >= (rules.minSeconds + rules.fullSeconds) / 2 ? 1 : 0;
  if (coverage < rules.minCoverage) level = Math.max(0, level - 1);
  const confidence: Confidence = level === 2 ? 'high' : level === 1 ? 'medium' : 'low';
  return { seconds: span, sufficient: true, confidence, extraMargin };
}

export function lowestConfidence(levels: Confidence[]): Confidence {
  if (levels.includes('low')) return 'low';
  if (levels.includes('medium')) return 'medium';
  return 'high';
}

export function days(seconds: number): string {
  const d = seconds / DAY;
  return d >= 2 ? `${Math.round(d)} days` : `${Math.round(seconds / 3600)} hours`;
}
