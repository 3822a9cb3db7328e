/**
 * Run in a child process (bundled by store-fixtures.ts), not by vitest:
 *   durability <file>            write a job's "about to send EraseDevice" and an audit record, say so, then SIGKILL itself
 *   append <file> <name> <startAt> <ms>  open the store, wait for the clock to reach startAt (epoch ms), then append
 *                                        audit records as fast as it can for <ms>; print how many
 */
import { writeSync } from 'node:fs';
import { openStore } from '../../core/store/sqlite-store.js';
import { WORKFLOW, auditEntry, newJob } from './store-samples.js';

const [mode, file, name, startAt, duration] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: store-child durability|append <file> …');

if (mode === 'durability') {
  const store = openStore(file);
  store.saveWorkflow(WORKFLOW);
  store.createJob(newJob());
  store.updateStep('job-1', 1, { state: 'running', dispatchedAt: '2026-11-21T08:00:05.000Z' });
  store.audit.append(auditEntry({ action: 'step.dispatched', stepKind: 'erase', detail: 'about to send EraseDevice' }));
  // Synchronous, so the parent knows the calls returned; then die the very next instant, without closing.
  writeSync(1, 'written\n');
  process.kill(process.pid, 'SIGKILL');
} else if (mode === 'append') {
  const store = openStore(file);
  // A shared start time rather than a message: both processes begin within the same millisecond.
  while (Date.now() < Number(startAt));
  const end = Number(startAt) + Number(duration);
  let count = 0;
  while (Date.now() < end) store.audit.append(auditEntry({ technician: name ?? 'child', action: 'test.append', detail: String(count++) }));
  store.close();
  writeSync(1, `${count}\n`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
