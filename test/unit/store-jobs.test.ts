/** Jobs, steps, workflows, devices and settings written and read back through a real store file. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../core/store/errors.js';
import { openStore } from '../../core/store/sqlite-store.js';
import type { BenchStore } from '../../core/store/types.js';
import { tempDir } from './store-fixtures.js';
import { WORKFLOW, newJob } from './store-samples.js';

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;

beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
  store.saveWorkflow(WORKFLOW);
});

afterEach(() => {
  store.close();
  temp.cleanup();
});

function storeError(work: () => unknown): StoreError {
  try {
    work();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}

describe('jobs and steps', () => {
  it('creates a queued job with pending steps, and another connection reads the same', () => {
    const created = store.createJob(newJob());
    expect(created).toMatchObject({ id: 'job-1', state: 'queued', error: null, startedAt: null, finishedAt: null, params: { keepEsim: false, retries: 2 }, reason: 'trade-in' });

    const other = openStore(temp.file());
    try {
      expect(other.job('job-1')).toEqual(created);
      expect(other.steps('job-1').map((step) => [step.index, step.kind, step.state, step.attempts, step.dispatchedAt])).toEqual([
        [0, 'backup-check', 'pending', 0, null],
        [1, 'erase', 'pending', 0, null],
        [2, 'wait-setup', 'pending', 0, null],
      ]);
    } finally {
      other.close();
    }
  });

  it('applies patches: undefined leaves a field, null clears it, and the revision moves on every change', () => {
    const created = store.createJob(newJob());
    const failed = store.updateJob('job-1', { state: 'failed', startedAt: '2026-11-21T08:00:01Z', error: { code: 'Locked', message: 'The device is locked', instruction: 'Unlock it' } });
    expect(failed).toMatchObject({ state: 'failed', startedAt: '2026-11-21T08:00:01Z', error: { code: 'Locked', instruction: 'Unlock it' } });
    expect(failed.revision).toBeGreaterThan(created.revision);

    const retried = store.updateJob('job-1', { state: 'running', error: null, startedAt: undefined });
    expect(retried).toMatchObject({ state: 'running', error: null, startedAt: '2026-11-21T08:00:01Z' });

    const step = store.updateStep('job-1', 1, { state: 'running', attempts: 1, dispatchedAt: '2026-11-21T08:00:05Z' });
    expect(step).toMatchObject({ index: 1, kind: 'erase', state: 'running', attempts: 1, dispatchedAt: '2026-11-21T08:00:05Z', note: null });
    // A step change is a change of its job, for anyone watching revisions.
    expect(store.job('job-1')!.revision).toBeGreaterThan(retried.revision);

    store.updateStep('job-1', 1, { state: 'failed', error: { code: 'Timeout', message: 'no answer', instruction: 'Reconnect' }, note: 'tried once' });
    expect(store.steps('job-1')[1]).toMatchObject({ state: 'failed', attempts: 1, dispatchedAt: '2026-11-21T08:00:05Z', note: 'tried once', error: { code: 'Timeout' } });
  });

  it('says which job or step does not exist', () => {
    expect(store.job('nope')).toBeNull();
    expect(storeError(() => store.updateJob('nope', { state: 'running' })).code).toBe('not-found');
    store.createJob(newJob());
    expect(storeError(() => store.updateStep('job-1', 7, { state: 'running' })).message).toMatch(/job-1 has no step 7/);
  });

  it('refuses a job that runs a workflow definition never stored', () => {
    const error = storeError(() => store.createJob(newJob({ workflowHash: 'b'.repeat(64) })));
    expect(error.code).toBe('unknown-workflow');
    expect(store.job('job-1')).toBeNull();
  });
});

describe('one active job per device', () => {
  it('finds the active job of a device and refuses a second one, from any connection', () => {
    store.createJob(newJob({ id: 'old', createdAt: '2026-11-21T07:00:00Z' }));
    store.updateJob('old', { state: 'succeeded', finishedAt: '2026-11-21T07:10:00Z' });
    store.createJob(newJob({ id: 'current' }));
    store.createJob(newJob({ id: 'other-device', udid: 'other-udid' }));

    expect(store.jobs({ activeOnly: true, udid: newJob().udid }).map((job) => job.id)).toEqual(['current']);
    expect(store.jobs({ udid: newJob().udid }).map((job) => job.id)).toEqual(['current', 'old']);

    const other = openStore(temp.file());
    try {
      const error = storeError(() => other.createJob(newJob({ id: 'second' })));
      expect(error.code).toBe('active-job-exists');
      expect(error.message).toContain('current');
    } finally {
      other.close();
    }
    expect(store.job('second')).toBeNull();
  });

  it('counts waiting-device as active, and a finished job cannot be made active again beside another', () => {
    store.createJob(newJob({ id: 'first' }));
    store.updateJob('first', { state: 'waiting-device' });
    expect(storeError(() => store.createJob(newJob({ id: 'second' }))).code).toBe('active-job-exists');
    store.updateJob('first', { state: 'cancelled' });
    store.createJob(newJob({ id: 'second' }));
    expect(storeError(() => store.updateJob('first', { state: 'queued' })).code).toBe('active-job-exists');
    expect(store.job('first')!.state).toBe('cancelled');
  });
});

describe('job queries', () => {
  it('lists a batch newest first, and honours the limit', () => {
    for (let i = 0; i < 5; i += 1) store.createJob(newJob({ id: `b-${i}`, udid: `udid-${i}`, batchId: i < 3 ? 'morning' : 'noon', createdAt: `2026-11-21T08:0${i}:00Z` }));
    expect(store.jobs({ batchId: 'morning' }).map((job) => job.id)).toEqual(['b-2', 'b-1', 'b-0']);
    expect(store.jobs({ limit: 2 }).map((job) => job.id)).toEqual(['b-4', 'b-3']);
    store.updateJob('b-4', { state: 'failed' });
    expect(store.jobs({ activeOnly: true, batchId: 'noon' }).map((job) => job.id)).toEqual(['b-3']);
  });
});

describe('workflows', () => {
  it('keeps every version by id and hash; without a hash the newest stored', () => {
    const v2 = { id: 'erase', hash: 'c'.repeat(64), definition: JSON.stringify({ steps: ['erase'] }) };
    const first = store.workflow('erase', WORKFLOW.hash)!;
    store.saveWorkflow(v2);
    expect(store.workflow('erase', WORKFLOW.hash)).toEqual(first);
    expect(store.workflow('erase')).toMatchObject(v2);
    // Saving the same version again is harmless and keeps the original time.
    expect(store.saveWorkflow(WORKFLOW).storedAt).toBe(first.storedAt);
    expect(storeError(() => store.saveWorkflow({ ...WORKFLOW, definition: '{"steps":[]}' })).code).toBe('workflow-conflict');
    expect(store.workflow('missing')).toBeNull();
  });
});

describe('devices and settings', () => {
  it('remembers first and last sighting, and a partial read does not erase what was known', () => {
    const device = { udid: 'u1', ecid: '123', serialNumber: 'SN1', productType: 'iPhone14,2', productVersion: '17.5' };
    store.noteDeviceSeen(device, '2026-11-21T08:00:00Z');
    store.noteDeviceSeen({ ...device, ecid: null, serialNumber: null, productVersion: '18.1' }, '2026-11-21T09:00:00Z');
    expect(store.device('u1')).toEqual({ ...device, productVersion: '18.1', firstSeenAt: '2026-11-21T08:00:00Z', lastSeenAt: '2026-11-21T09:00:00Z' });
    expect(store.device('u2')).toBeNull();
  });

  it('stores settings by key', () => {
    expect(store.setting('technician')).toBeNull();
    store.setSetting('technician', 'alex');
    store.setSetting('technician', 'sam');
    expect(store.setting('technician')).toBe('sam');
  });
});
