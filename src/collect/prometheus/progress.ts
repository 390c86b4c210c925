// Progress of a collection: a bar on stderr when it is a terminal, a few plain lines otherwise,
// nothing with `quiet`. A caller's onProgress callback is always called.

export type ProgressFn = (done: number, total: number, label: string) => void;

export function progressReporter(options: { quiet?: boolean; onProgress?: ProgressFn; cluster: string; stream?: NodeJS.WriteStream }): ProgressFn {
  const out = options.stream ?? process.stderr;
  const tty = Boolean(out.isTTY) && !process.env.CI;
  let lastDraw = 0, lastTenth = -1, finished = false;
  const started = Date.now();
  return (done, total, label) => {
    options.onProgress?.(done, total, label);
    if (options.quiet || finished) return;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const now = Date.now();
    if (tty) {
      if (done < total && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 24, filled = Math.round(fraction * width);
      const line = `${options.cluster} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} queries  ${label}`;
      const columns = out.columns ?? 100;
      out.write(`\r${line.slice(0, columns - 1).padEnd(Math.min(columns - 1, line.length + 8))}`);
      if (done >= total) { out.write('\n'); finished = true; }
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === lastTenth && done < total) return;
    lastTenth = tenth;
    const seconds = ((now - started) / 1000).toFixed(1);
    out.write(`› ${options.cluster}: ${done}/${total} Prometheus queries (${Math.round(fraction * 100)}%, ${seconds}s) ${label}\n`);
    if (done >= total) finished = true;
  };
}
