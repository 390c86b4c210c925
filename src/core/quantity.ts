// Kubernetes resource quantities: parsing to base units and canonical formatting.
// Suffixes follow k8s.io/apimachinery resource.Quantity: binary (Ki, Mi, Gi, Ti, Pi, Ei),
// decimal (n, u, m, k, M, G, T, P, E) and plain numbers with an optional exponent.

export const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

export interface ParsedQuantity {
  value: number;
  /** The suffix as written ('' for none, 'e3' style exponents are reported as 'e'). */
  suffix: string;
}

/** Parses a quantity such as `500m`, `1.5`, `2Gi`, `129M`, `1e9`. Returns undefined when it is not one. */
export function parseQuantity(text: string | number): ParsedQuantity | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? { value: text, suffix: '' } : undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return { value: base * 10 ** Number(m[2].slice(1)), suffix: 'e' };
  const suffix = m[3] ?? '';
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return { value: base * factor, suffix };
}

/** CPU quantity to cores: `250m` → 0.25, `2` → 2. */
export function cpuCores(text: string | number): number | undefined {
  return parseQuantity(text)?.value;
}

/** Memory quantity to bytes: `512Mi` → 536870912. */
export function memoryBytes(text: string | number): number | undefined {
  const v = parseQuantity(text)?.value;
  return v === undefined ? undefined : Math.round(v);
}

/** Canonical CPU text: millicores below 1 core or when not whole (`250m`, `1500m`), whole cores otherwise (`2`). */
export function formatCpu(cores: number): string {
  const milli = Math.round(cores * 1000);
  if (milli % 1000 === 0 && milli > 0) return String(milli / 1000);
  return `${milli}m`;
}

/** Canonical memory text: `Gi` when a whole number of GiB, else `Mi` (rounded up to a whole MiB). */
export function formatMemory(bytes: number): string {
  const mib = Math.ceil(bytes / 2 ** 20);
  if (mib >= 1024 && mib % 1024 === 0) return `${mib / 1024}Gi`;
  return `${mib}Mi`;
}

/** Human text for tables: `1.5 cores`, `250m`, `1.2 GiB`. */
export function describeBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(abs >= 10 * 2 ** 30 ? 0 : 1)}Gi`;
  if (abs >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}Mi`;
  if (abs >= 2 ** 10) return `${Math.round(bytes / 2 ** 10)}Ki`;
  return `${bytes}B`;
}
