import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readBitbrainsCsv } from '../../bench/lib/bitbrains.ts';

const HEADER = 'Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned [KB];\tMemory usage [KB];\tDisk read;\tDisk write;\tNet in;\tNet out';

test('reads a Bitbrains CSV into cores and bytes, and names file and line on bad input', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bitbrains-'));
  const good = path.join(dir, '1.csv');
  writeFileSync(good, `${HEADER}\n1000;\t2;\t4000;\t1000;\t25;\t1048576;\t524288;\t0;\t0;\t0;\t0\n1300;\t0;\t0;\t0;\t0;\t0;\t0;\t0;\t0;\t0;\t0\n`);
  const t = readBitbrainsCsv(good);
  assert.deepEqual([...t.time], [1000]);
  assert.equal(t.cpuCores[0], 0.5);
  assert.equal(t.memoryBytes[0], 512 * 2 **20);
  assert.equal(t.cores, 2);
  assert.equal(t.memoryCapacityBytes, 2 ** 30);
  const bad = path.join(dir, '2.csv');
  writeFileSync(bad, `${HEADER}\n1000;\t2;\t4000;\tx;\t25;\t1048576;\t524288;\t0;\t0;\t0;\t0\n`);
  assert.throws(() => readBitbrainsCsv(bad), (e: Error) => e.message.startsWith(`${bad}:2:`) && e.message.includes('CPU usage [MHZ]'));
});
