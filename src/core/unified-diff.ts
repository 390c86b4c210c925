// A unified diff (`diff -u` / `git diff` format) of two texts, for showing a plan's edits.
// Line endings are part of each line, so a CRLF file diffs as CRLF and `git apply` takes it.

type Op = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.split(/(?<=\n)/);
}

/** Line operations turning a into b: common prefix/suffix trimmed, LCS on the middle. */
function lineOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length, endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const midA = a.slice(start, endA), midB = b.slice(start, endB);
  const n = midA.length, m = midB.length;
  // lcs[i][j] = LCS length of midA[i..], midB[j..]
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = midA[i] === midB[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: Op[] = a.slice(0, start).map(line => ({ kind: ' ', line }));
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && midA[i] === midB[j]) { ops.push({ kind: ' ', line: midA[i] }); i++; j++; }
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) { ops.push({ kind: '-', line: midA[i] }); i++; }
    else { ops.push({ kind: '+', line: midB[j] }); j++; }
  }
  for (const line of a.slice(endA)) ops.push({ kind: ' ', line });
  return ops;
}

function render(op: Op): string {
  const body = op.line.endsWith('\n') ? op.line.slice(0, -1) : op.line;
  const out = `${op.kind}${body}\n`;
  return op.line.endsWith('\n') ? out : `${out}\\ No newline at end of file\n`;
}

/** `git diff`-style patch of one file; empty string when the texts are equal. */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = lineOps(splitLines(before), splitLines(after));
  const changed = ops.map((op, k) => (op.kind !== ' ' ? k : -1)).filter(k => k >= 0);
  let out = `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;
  let k = 0;
  while (k < changed.length) {
    const first = Math.max(0, changed[k] - context);
    let last = changed[k];
    while (k + 1 < changed.length && changed[k + 1] - last <= 2 * context + 1) last = changed[++k];
    last = Math.min(ops.length - 1, last + context);
    k++;
    let oldStart = 1, newStart = 1;
    for (let q = 0; q < first; q++) {
      if (ops[q].kind !== '+') oldStart++;
      if (ops[q].kind !== '-') newStart++;
    }
    const hunk = ops.slice(first, last + 1);
    const oldLen = hunk.filter(o => o.kind !== '+').length;
    const newLen = hunk.filter(o => o.kind !== '-').length;
    out += `@@ -${oldLen === 0 ? oldStart - 1 : oldStart},${oldLen} +${newLen === 0 ? newStart - 1 : newStart},${newLen} @@\n`;
    out += hunk.map(render).join('');
  }
  return out;
}
