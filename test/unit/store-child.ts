/**
 * Run in a child process (bundled by store-fixtures.ts), not by vitest:
 *   durability <file>            write a job's "about to send EraseDevice" and an audit record, say so, then SIGKILL itself
 *   append <file> <name> <count> open the store, print "ready", wait for "go" on stdin, append <count> audit records
 */
import { writeSync } from 'node:fs';
import { openStore } from '../../core/store/sqlite-store.js';
import { WORKFLOW, auditEntry, newJob } from './store-samples.js';

const [mode, file, name, count] = process.argv.slice(2);
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
  process.stdout.write('ready\n');
  process.stdin.once('data', () => {
    for (let i = 0; i < Number(count); i += 1) store.audit.append(auditEntry({ technician: name ?? 'child', action: 'test.append', detail: String(i) }));
    store.close();
    process.stdout.write('done\n');
    process.exit(0);
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
