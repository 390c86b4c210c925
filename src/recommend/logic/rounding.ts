// Canonical units: CPU in whole millicores, memory in whole MiB (coarser steps when large, so
// a 40Gi limit does not read 40961Mi). Rounding is always up: a request never ends below the
// estimate that produced it.

const MIB = 2 ** 20;
const GIB = 2 ** 30;

export function roundCpu(cores: number): number {
  return Math.ceil(cores * 1000 - 1e-9) / 1000;
}

/** Up to whole MiB below 16Gi, to 256Mi steps below 100Gi, whole Gi above (at most ~1.6% added). */
export function roundMemory(bytes: number): number {
  const step = bytes >= 100 * GIB ? GIB : bytes >= 16 * GIB ? 256 * MIB : MIB;
  return Math.ceil(bytes / step - 1e-9) * step;
}
