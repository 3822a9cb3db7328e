/**
 * Bench actions against a misbehaving device (issue #4 part 8): the cable
 * pulled mid-erase, error replies, a device locked since reboot, a dropped
 * lockdown connection, a service that never answers, garbage replies, and a
 * second erase of a device that is already erasing.
 *
 * Real libimobiledevice, through the built CLI (`benchline erase … --progress
 * --format json`) and `benchline serve`, against the simulator in its own
 * process, whose control API injects the faults, plugs devices back in and
 * says what each device went through: its state afterwards and how many
 * EraseDevice requests reached it (`counters.EraseDevice`, which counts
 * faulted requests too). Every test uses a device of its own.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobRefusal } from '../../core/contract/jobs.js';
import type { Device } from '../../core/contract/index.js';
import { openStore } from '../../core/store/index.js';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startAction, type ActionResult, type RunningAction } from '../support/action-process.js';
import { actionBench, type ActionBench } from '../support/actions.js';
import { benchline, startSimulatorProcess, type SimProcess } from '../support/processes.js';
import { connected, startServe, type ApiClient, type ServeProcess } from './serve-process.js';

const DEVICES = 9;
const ERASE_GONE_MS = 300;
/** What a job waiting for a device that left mid-erase says: today "The device is erasing. Keep it connected; …". */
const KEEP_OR_RECONNECT = /Keep it connected|Reconnect the device/;

let sim: SimProcess;
let env: NodeJS.ProcessEnv;
let udids: string[];
let nextDevice = 0;
const benches: ActionBench[] = [];

beforeAll(async () => {
  sim = await startSimulatorProcess({ devices: DEVICES, seed: 'action-faults', allTrusted: true, extraArgs: ['--erase-gone-ms', String(ERASE_GONE_MS)] });
  env = { USBMUXD_SOCKET_ADDRESS: sim.address };
  udids = (await sim.control.devices()).map((device) => device.udid);
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  for (const bench of benches) bench.cleanup();
});

/** A record of its own for each describe block, so that a job one block leaves behind is never resumed by another. */
function newBench(): ActionBench {
  const bench = actionBench(sim.control.baseUrl, { settleMs: 800 });
  benches.push(bench);
  return bench;
}

/**
 * The next unused device, set up as one in use at a company: activated, past
 * Setup Assistant, nothing installed — so an erase is not skipped as already
 * done — with its request counters at zero.
 */
async function freshDevice(): Promise<string> {
  const udid = udids[nextDevice++];
  if (!udid) throw new Error(`the simulator has only ${DEVICES} devices`);
  await sim.control.setManagement(udid, { activationState: 'Activated', inSetupAssistant: false, cloudConfiguration: null, profiles: [] });
  await sim.control.resetCounters(udid);
  const device = await sim.control.device(udid);
  expect(device).toMatchObject({ attached: true, lock: 'unlocked', activationState: 'Activated', erasures: [], faults: [] });
  return udid;
}

function erases(device: SimDeviceInfo): number {
  return device.counters.EraseDevice ?? 0;
}

function eraseArgs(bench: ActionBench, udid: string, extra: readonly string[] = []): string[] {
  return ['erase', '--udid', udid, '--yes', '--reason', 'retire', '--progress', '--format', 'json', '--timeout', '20000', ...bench.args, ...extra];
}

function onlyJob(result: ActionResult): Job {
  expect(result.summary, `no summary; exit ${result.code}\n${result.stdout}\n${result.stderr}`).not.toBeNull();
  expect(result.summary!.jobs).toHaveLength(1);
  return result.summary!.jobs[0]!;
}

/** The audit trail of one job: "action result detail" per record, oldest first. */
function auditOf(bench: ActionBench, jobId: string): string[] {
  const store = openStore(bench.store, { mustExist: true });
  try {
    return store.audit
      .records()
      .filter((record) => record.jobId === jobId)
      .map((record) => `${record.action} ${record.result}${record.detail ? ` ${record.detail}` : ''}`);
  } finally {
    store.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The CLI runs a test started, killed if the test fails before they end. */
const running = new Set<RunningAction>();
function run(args: readonly string[]): RunningAction {
  const action = startAction(args, env);
  running.add(action);
  void action.done.finally(() => running.delete(action));
  return action;
}
afterEach(() => {
  for (const action of running) action.kill();
});

describe('the cable is pulled during an erase', () => {
  let bench: ActionBench;
  beforeAll(() => {
    bench = newBench();
  });

  it('after the device accepted it: the job waits for the device, and succeeds once it is plugged back in, erased once', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'unplug', request: 'EraseDevice', phase: 'after' });
    const action = run(eraseArgs(bench, udid));

    const waiting = await action.untilJob((job) => job.state === 'waiting-device');
    // The bench cannot tell a pulled cable from the erase's own reset; either way the technician is told to (re)connect it.
    expect(waiting.instruction).toMatch(KEEP_OR_RECONNECT);
    expect(waiting.cancellable).toBe(false);
    // The device erased while unplugged, and does not come back by itself.
    await sleep(ERASE_GONE_MS + 1000);
    const unplugged = await sim.control.device(udid);
    expect(unplugged).toMatchObject({ cable: false, attached: false, activationState: 'Unactivated' });
    expect(unplugged.erasures).toHaveLength(1);
    expect(action.progress.at(-1)?.state).toBe('waiting-device');

    await sim.control.attach(udid);
    const result = await action.done;
    expect(result.code, result.stderr).toBe(0);
    const job = onlyJob(result);
    expect(job).toMatchObject({ state: 'succeeded', error: null });
    expect(job.steps[0]?.note).toMatch(/^Erased; the device is back: Unactivated/);

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ attached: true, activationState: 'Unactivated', inSetupAssistant: true, cloudConfiguration: null, profiles: [] });
    expect(device.erasures).toHaveLength(1);
    expect(erases(device)).toBe(1);
  });

  it('before it took effect: the device is not erased, and the job fails saying the erase was not sent again', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'unplug', request: 'EraseDevice', phase: 'before' });
    const action = run(eraseArgs(bench, udid));

    const waiting = await action.untilJob((job) => job.state === 'waiting-device');
    expect(waiting.instruction).toMatch(KEEP_OR_RECONNECT);
    const unplugged = await sim.control.device(udid);
    expect(unplugged).toMatchObject({ cable: false, attached: false, activationState: 'Activated', erasures: [] });

    await sim.control.attach(udid);
    const result = await action.done;
    expect(result.code, result.stderr).toBe(9);
    const job = onlyJob(result);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('NotConfirmed');
    expect(job.error?.message).toMatch(/^Erase all content and settings was sent, then: EraseDevice: no acknowledgement .*The device shows it did not happen \(Activated, no cloud configuration, 0 profiles\)\.$/);
    expect(job.error?.hint).toMatch(/never sent twice automatically/);

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ attached: true, activationState: 'Activated', inSetupAssistant: false, erasures: [] });
    expect(erases(device)).toBe(1);
  });
});

describe('the device answers EraseDevice badly', () => {
  let bench: ActionBench;
  beforeAll(() => {
    bench = newBench();
  });

  it('with an MCInstall error: the job fails at once with the device\'s error', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'error', request: 'EraseDevice' });
    const result = await run(eraseArgs(bench, udid)).done;

    expect(result.code, result.stderr).toBe(9);
    const job = onlyJob(result);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('MCInstall.4099');
    expect(job.error?.message).toMatch(/^EraseDevice: the device answered The device could not complete EraseDevice .*\[MCInstallationErrorDomain 4099\]$/);
    expect(job.error?.hint).toMatch(/^The device refused: "The device could not complete EraseDevice/);
    // A refusal is a known outcome: nothing to reconcile, and nothing sent again.
    expect(auditOf(bench, job.id).filter((line) => line.startsWith('step.'))).toEqual(['step.dispatched sent']);

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Activated', erasures: [] });
    expect(erases(device)).toBe(1);
  });

  it('never (a hang), with --service-timeout 1500: the outcome is judged from the device, the job fails with the reason, well before 30 s', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'hang', request: 'EraseDevice' });
    const result = await run(eraseArgs(bench, udid, ['--service-timeout', '1500'])).done;

    expect(result.code, result.stderr).toBe(9);
    const job = onlyJob(result);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('NotConfirmed');
    expect(job.error?.message).toMatch(/EraseDevice: no acknowledgement \(com\.apple\.mobile\.MCInstall did not answer EraseDevice within 1500 ms\).*The device shows it did not happen \(Activated/);
    expect(job.error?.hint).toMatch(/never sent twice automatically/);
    expect(auditOf(bench, job.id)).toContainEqual(expect.stringMatching(/^step\.reconciling checking the device After: EraseDevice: no acknowledgement/));
    // libimobiledevice's own wait would be 30 s; the whole command (start, read, reconcile, stop) took far less.
    expect(result.elapsedMs).toBeLessThan(15_000);

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Activated', erasures: [] });
    expect(erases(device)).toBe(1);
  });

  it('with garbage: the job fails with the reason, without sending it again', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'garbage', request: 'EraseDevice' });
    const result = await run(eraseArgs(bench, udid)).done;

    expect(result.code, result.stderr).toBe(9);
    const job = onlyJob(result);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('NotConfirmed');
    expect(job.error?.message).toMatch(/answered EraseDevice with something that is not a property list.*The device shows it did not happen \(Activated/);
    expect(job.error?.hint).toMatch(/never sent twice automatically/);

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Activated', erasures: [] });
    expect(erases(device)).toBe(1);
  });

  it('garbage in answer to a read (GetProfileList) before the erase: the read is retried and the erase goes out once', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'garbage', request: 'GetProfileList' });
    const result = await run(eraseArgs(bench, udid)).done;

    expect(result.code, result.stderr).toBe(0);
    const job = onlyJob(result);
    expect(job).toMatchObject({ state: 'succeeded', error: null });
    expect(auditOf(bench, job.id)).toContainEqual('step.retrying attempt 2 com.apple.mobile.MCInstall answered GetProfileList with something that is not a property list');

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Unactivated', inSetupAssistant: true, faults: [] });
    expect(device.counters.GetProfileList).toBeGreaterThanOrEqual(2);
    expect(erases(device)).toBe(1);
  });
});

describe('lockdown trouble', () => {
  let bench: ActionBench;
  beforeAll(() => {
    bench = newBench();
  });

  it('a device locked since reboot: the erase waits with the unlock instruction, sends nothing, and completes once unlocked', async () => {
    const udid = await freshDevice();
    await sim.control.lock(udid, true);
    const action = run(eraseArgs(bench, udid));

    const waiting = await action.untilJob((job) => job.state === 'waiting-device');
    expect(waiting.instruction).toMatch(/^Unlock the device/);
    expect(waiting.cancellable).toBe(true);
    await sleep(500);
    expect(erases(await sim.control.device(udid))).toBe(0);

    await sim.control.unlock(udid);
    const result = await action.done;
    expect(result.code, result.stderr).toBe(0);
    expect(onlyJob(result)).toMatchObject({ state: 'succeeded', error: null });
    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Unactivated', inSetupAssistant: true });
    expect(erases(device)).toBe(1);
  });

  it('lockdown drops the connection on StartService during prepare: the step is retried and the device is prepared', async () => {
    const udid = await freshDevice();
    await sim.control.injectFault(udid, { kind: 'drop', request: 'StartService', count: 2 });
    const result = await run(['prepare', '--udid', udid, '--progress', '--format', 'json', '--timeout', '20000', ...bench.args]).done;

    expect(result.code, result.stderr).toBe(0);
    const job = onlyJob(result);
    expect(job).toMatchObject({ state: 'succeeded', error: null });
    expect(job.steps.map((step) => step.state)).toEqual(['skipped', 'succeeded', 'succeeded']);
    expect(auditOf(bench, job.id)).toContainEqual(expect.stringMatching(/^step\.retrying attempt 2 StartService .*lockdownd answered/));

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Activated', supervised: true, faults: [] });
    expect(device.profiles).toHaveLength(1);
    expect(erases(device)).toBe(0);
  });
});

describe('a second erase of a device that is erasing', () => {
  let bench: ActionBench;
  let serve: ServeProcess | undefined;
  let client: ApiClient | undefined;
  beforeAll(async () => {
    bench = newBench();
    // Long enough for the second request and a CLI run to happen while the device is away erasing.
    await sim.control.setLifecycle({ eraseGoneMs: 6000 });
  });
  afterAll(async () => {
    client?.close();
    await serve?.stop();
    await sim.control.setLifecycle({ eraseGoneMs: ERASE_GONE_MS });
  });

  it('is refused with AlreadyInProgress by serve, the CLI on the same record exits 10 naming serve, and the device receives EraseDevice once', async () => {
    const udid = await freshDevice();
    serve = await startServe(['--port', '0', '--store', bench.store, '--org', bench.organization, '--workflows', bench.workflows], env);
    client = await connected(serve.port);
    expect((await client.call('technician.set', { name: 'Test Technician' })).ok).toBe(true);
    await expect
      .poll(async () => {
        const listed = await client!.call('devices.list');
        return listed.ok ? (listed.value as Device[]).find((device) => device.udid === udid)?.state : undefined;
      }, { timeout: 20_000, interval: 200 })
      .toBe('ready');

    const request = { workflowId: 'erase', udids: [udid], acknowledged: true, reason: 'retire' };
    const first = await client.call('jobs.start', request);
    expect(first.ok).toBe(true);
    const [job] = (first as { ok: true; value: { jobs: Job[]; refused: JobRefusal[] } }).value.jobs;
    expect(job).toBeDefined();
    await expect.poll(async () => erases(await sim.control.device(udid)), { timeout: 20_000, interval: 100 }).toBe(1);

    const second = await client.call('jobs.start', request);
    expect(second).toMatchObject({ ok: true, value: { jobs: [], refused: [{ udid, code: 'AlreadyInProgress' }] } });
    const refusal = (second as { ok: true; value: { refused: JobRefusal[] } }).value.refused[0]!;
    expect(refusal.message).toMatch(/^erase is already in progress on .* by Test Technician\)\.$/);
    expect(refusal.hint).toMatch(/never sent twice/);

    // The CLI on the same record while serve holds it: refused before it touches any device.
    const owner = Number.parseInt(readFileSync(`${bench.store}.lock`, 'utf8'), 10);
    expect(readFileSync(`/proc/${owner}/cmdline`, 'utf8').split('\0')).toContain('serve');
    const cli = await benchline(['erase', '--udid', udid, '--yes', '--reason', 'retire', ...bench.args], env);
    expect(cli.code, cli.stderr).toBe(10);
    expect(cli.stderr).toContain(`Another Benchline (pid ${owner}) is running actions on this record.`);

    const finished = await client.event((event) => event.event === 'jobs.changed' && (event.data as Job).id === job!.id && ['succeeded', 'failed'].includes((event.data as Job).state));
    expect((finished.data as Job).state).toBe('succeeded');
    const jobs = await client.call('jobs.list', {});
    expect(jobs.ok && (jobs.value as Job[]).filter((candidate) => candidate.udid === udid)).toHaveLength(1);

    const device = await sim.control.device(udid);
    expect(device).toMatchObject({ activationState: 'Unactivated', inSetupAssistant: true });
    expect(device.erasures).toHaveLength(1);
    expect(erases(device)).toBe(1);
  }, 90_000);
});
