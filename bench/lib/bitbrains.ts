// Reader for Bitbrains GWA-T-12 style CSV traces (one VM per file, `;`-separated, 5-minute rows):
// Timestamp; CPU cores; CPU capacity provisioned [MHz]; CPU usage [MHz]; CPU usage [%];
// Memory capacity provisioned [KB]; Memory usage [KB]; disk and network columns.
// The timestamp column is labelled [ms] but holds seconds.

import { readFileSync } from 'node:fs';
import { InputError } from '../../src/core/errors.ts';

export interface Trace {
  /** Seconds since epoch, in file order. */
  time: Float64Array;
  /** CPU usage in cores (usage MHz / MHz per core). */
  cpuCores: Float64Array;
  /** Memory usage in bytes. */
  memoryBytes: Float64Array;
  /** Provisioned cores and memory (bytes) of the last row: the VM's allocation. */
  cores: number;
  memoryCapacityBytes: number;
}

export function readBitbrainsCsv(file: string): Trace {
  const lines = readFileSync(file, 'utf8').split('\n');
  const time: number[] = [], cpu: number[] = [], mem: number[] = [];
  let cores = 0, memCap = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const f = line.split(';');
    if (f.length < 7) throw new InputError(file, `expected at least 7 ';'-separated fields, found ${f.length}`, { line: i + 1 });
    const t = Number(f[0]), c = Number(f[1]), capMHz = Number(f[2]), useMHz = Number(f[3]), capKB = Number(f[5]), useKB = Number(f[6]);
    if (!Number.isFinite(t)) throw new InputError(file, `field "Timestamp" is not a number: ${JSON.stringify(f[0].trim())}`, { line: i + 1 });
    // Rows without a provisioned CPU carry no usable sample (as in the scorer).
    if (!(c > 0) || !(capMHz > 0)) continue;
    if (!Number.isFinite(useMHz)) throw new InputError(file, `field "CPU usage [MHZ]" is not a number: ${JSON.stringify(f[3].trim())}`, { line: i + 1 });
    if (!Number.isFinite(useKB)) throw new InputError(file, `field "Memory usage [KB]" is not a number: ${JSON.stringify(f[6].trim())}`, { line: i + 1 });
    time.push(t);
    cpu.push(useMHz / (capMHz / c));
    mem.push(useKB * 1024);
    cores = c;
    memCap = capKB * 1024;
  }
  return { time: Float64Array.from(time), cpuCores: Float64Array.from(cpu), memoryBytes: Float64Array.from(mem), cores, memoryCapacityBytes: memCap };
}
