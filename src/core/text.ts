// Counts as people read them: `1 workload`, `2 workloads`, `12,096 samples`. The one helper of
// the table, the PR body, Slack and the report.

/** `12096` → `12,096` (rounded to a whole number). */
export function thousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1 workload`, `3 workloads`; `pluralForm` for words that do not just take an s. */
export function plural(n: number, word: string, pluralForm = `${word}s`): string {
  return `${thousands(n)} ${n === 1 ? word : pluralForm}`;
}
