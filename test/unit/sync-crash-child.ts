/**
 * Run in a child process by sync-crash.test.ts (bundled with esbuild), killed with SIGKILL at a
 * random moment: writes what the outbox triggers watch (audit records, jobs finishing) as fast
 * as it can, forever.
 *   sync-crash-child <file> <run>
 */
import { writeSync } from 'node:fs';
import { openStore } from '../../core/store/sqlite-store.js';
import { WORKFLOW, auditEntry, newJob } from './store-samples.js';

const [file, run] = process.argv.slice(2);
if (file === undefined || run === undefined) throw new Error('usage: sync-crash-child <file> <run>');
const store = openStore(file);
store.saveWorkflow(WORKFLOW);
writeSync(1, 'ready\n');
for (let i = 0; ; i += 1) {
  if (i % 3 === 0) {
    const id = `job-${run}-${i}`;
    store.createJob(newJob({ id, batchId: `batch-${run}`, udid: `udid-${run}-${i}`, params: { deprovisionId: null } }));
    store.updateJob(id, { state: 'succeeded', finishedAt: new Date().toISOString() });
  }
  store.audit.append(auditEntry({ action: 'test.crash', detail: `${run}:${i}` }));
}
