/** Sample rows for the store and audit tests; plain data, so the child process bundle can use them too. */
import type { AuditEntry, NewJob } from '../../core/store/types.js';

export const WORKFLOW = { id: 'erase', hash: 'a'.repeat(64), definition: JSON.stringify({ steps: ['backup-check', 'erase', 'wait-setup'] }) };

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    id: 'job-1',
    batchId: 'batch-1',
    workflowId: WORKFLOW.id,
    workflowHash: WORKFLOW.hash,
    udid: '00008030-001A2C3E3A12802E',
    ecid: '7355279806914606',
    serialNumber: 'F2LXK0AAHG7F',
    technician: 'alex',
    reason: 'trade-in',
    params: { keepEsim: false, retries: 2 },
    createdAt: '2026-11-21T08:00:00.000Z',
    steps: [{ kind: 'backup-check' }, { kind: 'erase' }, { kind: 'wait-setup' }],
    ...overrides,
  };
}

export function auditEntry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: '2026-11-21T08:00:00.000Z',
    technician: 'alex',
    action: 'job.started',
    jobId: 'job-1',
    workflowId: 'erase',
    stepKind: null,
    udid: '00008030-001A2C3E3A12802E',
    serialNumber: 'F2LXK0AAHG7F',
    result: 'ok',
    detail: null,
    ...overrides,
  };
}
