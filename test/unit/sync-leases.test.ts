/**
 * Device leases around destructive jobs (createHostJobs with a fake lease
 * port, a real engine and store over a fake bench): refused when another
 * bench holds the lease, held under the job's own id and renewed while the
 * job runs, given back when it ends, and offline the job goes ahead on record.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobEngine } from '../../core/jobs/engine.js';
import { createHostJobs, type BenchJobs } from '../../core/jobs/host-jobs.js';
import { openStore, type BenchStore } from '../../core/store/index.js';
import type { DeviceLeases, LeaseOutcome } from '../../core/sync/leases.js';
import { builtInWorkflowsDir, WorkflowCatalog } from '../../core/workflows/catalog.js';
import { simulatedOrganization } from '../../core/workflows/organization.js';
import { FakeBench } from './jobs-fakes.js';

let dir: string;
let store: BenchStore;
let bench: FakeBench;
let engine: JobEngine;
let leases: FakeLeases;
let renewals: { ms: number; renew: () => void; stopped: boolean }[];
let jobs: BenchJobs;

class FakeLeases implements DeviceLeases {
  readonly acquired: [string, string][] = [];
  readonly released: [string, string][] = [];
  answer: (serialNumber: string) => LeaseOutcome = () => ({ kind: 'granted', expiresAt: '2026-11-21T10:00:00.000Z', renewEveryMs: 300_000 });

  acquire(serialNumber: string, jobId: string): Promise<LeaseOutcome> {
    this.acquired.push([serialNumber, jobId]);
    return Promise.resolve(this.answer(serialNumber));
  }

  release(serialNumber: string, jobId: string): Promise<void> {
    this.released.push([serialNumber, jobId]);
    return Promise.resolve();
  }
}

/** Built-in erase with its settle window shortened (as in jobs-engine.test.ts). */
function catalog(): WorkflowCatalog {
  const extra = path.join(dir, 'workflows');
  mkdirSync(extra, { recursive: true });
  const definition = JSON.parse(readFileSync(path.join(builtInWorkflowsDir(), 'erase.json'), 'utf8')) as { steps: { kind: string; params?: Record<string, unknown> }[] };
  for (const step of definition.steps) if (step.kind === 'erase') step.params = { ...step.params, settleMs: 50, leaveTimeoutMs: 200 };
  writeFileSync(path.join(extra, 'erase.json'), JSON.stringify(definition));
  return new WorkflowCatalog({ extraDir: extra });
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'benchline-leases-'));
  store = openStore(path.join(dir, 'bench.db'));
  store.setSetting('technician', 'Ana');
  bench = new FakeBench();
  const workflows = catalog();
  engine = new JobEngine({ store, presence: bench.presence(), services: bench.services(), catalog: workflows, organization: simulatedOrganization({ requestActivationRecord: () => Promise.resolve({ ActivationRecord: 'fake' }) }), retryBackoffMs: 5, deviceWaitMs: 2000 });
  leases = new FakeLeases();
  renewals = [];
  jobs = createHostJobs(engine, store, workflows, {
    leases,
    serialOf: (udid) => bench.devices.get(udid)?.serialNumber ?? null,
    every: (ms, renew) => {
      const timer = { ms, renew, stopped: false };
      renewals.push(timer);
      return () => void (timer.stopped = true);
    },
  });
});
afterEach(async () => {
  await engine.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('leases for destructive jobs', () => {
  it('a device whose lease another bench holds is refused with that bench named; the others start', async () => {
    bench.add('udid-a', { serialNumber: 'SNA' });
    bench.add('udid-b', { serialNumber: 'SNB' });
    leases.answer = (serial) =>
      serial === 'SNA'
        ? { kind: 'held', message: 'SNA is being worked on at bench Bench-1 (job j1) until 2026-11-21T10:15:00.000Z.', hint: 'Finish or cancel the job there first, or wait for it to end.' }
        : { kind: 'granted', expiresAt: '2026-11-21T10:15:00.000Z', renewEveryMs: 300_000 };
    const result = await jobs.start({ workflowId: 'erase', udids: ['udid-a', 'udid-b'], acknowledged: true, reason: 'retire' });
    expect(result.refused).toEqual([{ udid: 'udid-a', code: 'LeaseHeld', message: expect.stringMatching(/at bench Bench-1/), hint: expect.stringMatching(/Finish or cancel/) }]);
    expect(result.jobs.map((job) => job.udid)).toEqual(['udid-b']);
    await engine.idle();
    expect(bench.count('udid-a', 'EraseDevice')).toBe(0);
    expect(bench.count('udid-b', 'EraseDevice')).toBe(1);
  });

  it('holds the lease under the job id, renews it while the job runs, and gives it back when the job ends', async () => {
    bench.add('udid-a', { serialNumber: 'SNA' });
    const result = await jobs.start({ workflowId: 'erase', udids: ['udid-a'], acknowledged: true, reason: 'retire' });
    const jobId = result.jobs[0]!.id;
    expect(leases.acquired).toEqual([['SNA', jobId]]);
    expect(renewals.map((timer) => timer.ms)).toEqual([300_000]);
    renewals[0]!.renew();
    await Promise.resolve();
    expect(leases.acquired).toEqual([['SNA', jobId], ['SNA', jobId]]);
    await engine.idle();
    expect(engine.view(jobId)?.state).toBe('succeeded');
    expect(leases.released).toEqual([['SNA', jobId]]);
    expect(renewals[0]!.stopped).toBe(true);
  });

  it('gives the lease back when the engine refuses the job after all, and asks none for a command refused outright', async () => {
    bench.add('udid-a', { serialNumber: 'SNA' });
    await expect(jobs.start({ workflowId: 'erase', udids: ['udid-a'], acknowledged: true, reason: 'not-a-reason' })).rejects.toMatchObject({ code: 'ReasonRequired' });
    expect(leases.acquired).toHaveLength(1);
    expect(leases.released).toEqual(leases.acquired);
    store.setSetting('technician', '');
    await expect(jobs.start({ workflowId: 'erase', udids: ['udid-a'], acknowledged: true, reason: 'retire' })).rejects.toMatchObject({ code: 'NoTechnician' });
    await expect(jobs.start({ workflowId: 'erase', udids: ['udid-a'], acknowledged: false, reason: 'retire' })).rejects.toMatchObject({ code: 'NoTechnician' });
    expect(leases.acquired).toHaveLength(1);
  });

  it('offline: the job goes ahead and the audit log says the lease was not checked', async () => {
    bench.add('udid-a', { serialNumber: 'SNA' });
    leases.answer = () => ({ kind: 'unchecked', reason: 'lease not checked: server unreachable' });
    const result = await jobs.start({ workflowId: 'erase', udids: ['udid-a'], acknowledged: true, reason: 'retire' });
    expect(result.jobs).toHaveLength(1);
    await engine.idle();
    const note = store.audit.records().find((record) => record.action === 'lease.unchecked');
    expect(note).toMatchObject({ jobId: result.jobs[0]!.id, serialNumber: 'SNA', technician: 'Ana', result: 'skipped', detail: 'lease not checked: server unreachable' });
    expect(leases.released).toEqual([]);
  });

  it('a job resumed after a restart takes its lease again and gives it back when it ends', async () => {
    bench.add('udid-a', { serialNumber: 'SNA' });
    const resumed = engine.start({ workflowId: 'erase', udids: ['udid-a'], acknowledged: true, reason: 'retire', technician: 'Ana' }).jobs[0]!;
    await jobs.holdActiveLeases();
    expect(leases.acquired).toEqual([['SNA', resumed.id]]);
    await engine.idle();
    expect(leases.released).toEqual([['SNA', resumed.id]]);
  });

  it('jobs that destroy nothing take no lease, and startJobs stores workflow parameters with the job', async () => {
    bench.add('udid-a', { serialNumber: 'SNA' });
    const outcome = await jobs.startJobs({ workflowId: 'restart', udids: ['udid-a'], acknowledged: false, params: { note: 'x' } });
    expect(leases.acquired).toEqual([]);
    expect(store.job(outcome.jobs[0]!.id)?.params).toEqual({ note: 'x' });
    await engine.idle();
  });
});
