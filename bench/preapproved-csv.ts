/**
 * Measures the pre-approved CSV import (server/preapproved): parsing + validating 100k generated
 * rows from a stream, as a server would before inserting each batch. Prints rows/s and how long
 * the event loop was held at most; no database, so this is the import's own share of the ≤ 5 s
 * target of issue 5. A measurement, not a test: nothing here fails on a slow machine.
 */
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openPreapprovedCsv } from '../server/preapproved/index.js';
import { machineInfo, round } from './lib.js';
import { generatePreapprovedCsv } from './preapproved-rows.js';

const ROWS = 100_000;
const BATCH = 1000;
const CHUNK = 64 * 1024; // what fs.createReadStream and an HTTP upload hand over

/** A seed-shaped file with 1 % bad rows. */
function generate(rows: number): Buffer {
  return Buffer.from(generatePreapprovedCsv(rows, { badEvery: 100 }));
}

function chunks(bytes: Buffer, size = CHUNK): Readable {
  return Readable.from((function* () {
    for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
  })());
}

async function importOnce(bytes: Buffer, chunkSize = CHUNK): Promise<{ ms: number; rows: number; errors: number; batches: number; maxDelayMs: number }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  const reader = await openPreapprovedCsv(chunks(bytes, chunkSize), { batchSize: BATCH });
  let rows = 0;
  let errors = 0;
  let batches = 0;
  for await (const batch of reader) {
    rows += batch.rows.length;
    errors += batch.errors.length;
    batches++;
  }
  const ms = performance.now() - start;
  delay.disable();
  return { ms, rows, errors, batches, maxDelayMs: delay.max / 1e6 };
}

const bytes = generate(ROWS);
console.log(`pre-approved CSV: ${ROWS} rows, ${round(bytes.length / 2 ** 20, 2)} MiB, batches of ${BATCH}, ${CHUNK / 1024} KiB chunks`);
console.log(JSON.stringify(machineInfo()));
await importOnce(generate(2000)); // warm-up: JIT and module loading out of the figure
const runs = [];
for (let run = 1; run <= 3; run++) {
  const result = await importOnce(bytes);
  runs.push(result);
  console.log(`run ${run}: ${round(result.ms)} ms, ${Math.round((ROWS / result.ms) * 1000)} rows/s (${result.rows} valid, ${result.errors} row errors, ${result.batches} batches), event loop held at most ${round(result.maxDelayMs)} ms`);
}
// The whole file as one chunk (a Buffer already in memory): the import slices it itself.
const whole = await importOnce(bytes, bytes.length);
console.log(`one ${round(bytes.length / 2 ** 20, 1)} MiB chunk: ${round(whole.ms)} ms, ${Math.round((ROWS / whole.ms) * 1000)} rows/s, event loop held at most ${round(whole.maxDelayMs)} ms`);
const best = Math.min(...runs.map((run) => run.ms));
console.log(`best: ${Math.round((ROWS / best) * 1000)} rows/s (${round(best)} ms for ${ROWS} rows); heap used ${round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`);
