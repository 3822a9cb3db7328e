import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlRequestError, SimControlClient } from '../../sim/device/control-client.js';
import { createMcInstallService } from '../../sim/device/mcinstall.js';
import { connectInMemory } from '../../sim/device/memory-client.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { createSupervisionIdentity } from '../../sim/device/supervision-identity.js';

const sim = new DeviceSimulator();
let dir = '';
let control: SimControlClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-ctl-'));
  await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 3, seed: 'control-lifecycle', lifecycle: { eraseGoneMs: 200, restartGoneMs: 100, durations: { Flush: 1 } } });
  control = new SimControlClient(sim.controlUrl!);
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    if (error instanceof ControlRequestError) return error.status;
    throw error;
  }
}

describe('control interface: life cycle', () => {
  it('reads and changes the life cycle settings, refusing bad ones with 400', async () => {
    expect(await control.lifecycle()).toEqual({ eraseGoneMs: 200, restartGoneMs: 100, durations: { Flush: 1 } });
    expect(await control.setLifecycle({ durations: { Flush: null, EraseDevice: 20 } })).toEqual({ eraseGoneMs: 200, restartGoneMs: 100, durations: { EraseDevice: 20 } });
    expect(await status(control.setLifecycle({ eraseGoneMs: -5 }))).toBe(400);
    expect(await status(control.setLifecycle({ durations: { Restart: 'slow' as unknown as number } }))).toBe(400);
    expect((await control.lifecycle()).eraseGoneMs).toBe(200);
    expect(sim.lifecycle.durationOf('EraseDevice')).toBe(20);
  });

  it('shows management state and counters, and resets counters per device or for all', async () => {
    const [a, b] = sim.allDevices();
    for (const device of [a!, b!]) {
      const client = connectInMemory(createMcInstallService(), device);
      await client.request({ RequestType: 'HelloHostIdentifier' });
      await client.request({ RequestType: 'GetProfileList' });
      client.close();
    }
    const info = await control.device(a!.udid);
    expect(info).toMatchObject({ power: 'on', cable: true, inSetupAssistant: false, supervised: false, cloudConfiguration: null, profiles: [], erasures: [] });
    expect(info.counters).toEqual({ HelloHostIdentifier: 1, GetProfileList: 1 });
    expect((await control.resetCounters(a!.udid)).counters).toEqual({});
    expect((await control.device(b!.udid)).counters).toEqual({ HelloHostIdentifier: 1, GetProfileList: 1 });
    await control.resetAllCounters();
    expect((await control.devices()).map((d) => d.counters)).toEqual([{}, {}, {}]);
  });

  it('power-on: 409 while erasing, brings back a shut-down device, works with "all"', async () => {
    const [a, b, c] = sim.allDevices();
    a!.erase({ preserveDataPlan: false, disallowProximitySetup: false });
    expect(await status(control.powerOn(a!.udid))).toBe(409);
    b!.shutdown();
    c!.shutdown();
    // "all" powers on what is off and leaves the erasing device to come back by itself.
    const now = (await control.powerOn('all')) as unknown as { udid: string; power: string }[];
    expect(now.map((d) => d.power)).toEqual(['erasing', 'on', 'on']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await control.device(a!.udid)).erasures).toHaveLength(1);
    const back = await control.powerOn('all');
    expect(Array.isArray(back)).toBe(true);
    expect((back as unknown as { power: string; attached: boolean }[]).every((d) => d.power === 'on' && d.attached)).toBe(true);
  });

  it('validates service faults', async () => {
    const udid = sim.allDevices()[0]!.udid;
    const fault = await control.injectFault(udid, { kind: 'unplug', request: 'EraseDevice', phase: 'after' });
    expect(fault.faults).toEqual([{ kind: 'unplug', request: 'EraseDevice', remaining: 1, delayMs: 0, phase: 'after' }]);
    expect(await status(control.injectFault(udid, { kind: 'unplug', phase: 'later' as 'after' }))).toBe(400);
    expect(await status(control.injectFault(udid, { kind: 'hang', service: 'afc' as 'mcinstall' }))).toBe(400);
    expect(await status(control.injectFault(udid, { kind: 'explode' as 'hang' }))).toBe(400);
    await control.clearFaults(udid);
  });

  it('sets management state directly, and a supervision certificate set that way escalates', async () => {
    const device = sim.allDevices()[2]!;
    const supervisor = createSupervisionIdentity();
    const info = await control.setManagement(device.udid, {
      activationState: 'Activated',
      inSetupAssistant: false,
      cloudConfiguration: { IsSupervised: true, OrganizationName: 'Acme', SupervisorHostCertificates: [Buffer.from(supervisor.certificateDer).toString('base64')] },
      profiles: [{ identifier: 'com.acme.mdm', payloadTypes: ['com.apple.mdm'], removalDisallowed: true }],
    });
    expect(info).toMatchObject({ supervised: true, profiles: [{ identifier: 'com.acme.mdm', uuid: 'com.acme.mdm-uuid', version: 1, removalDisallowed: true, payloadTypes: ['com.apple.mdm'] }] });
    const client = connectInMemory(createMcInstallService(), device);
    const challenge = await client.request({ RequestType: 'Escalate', SupervisorCertificate: Buffer.from(supervisor.certificateDer) });
    expect(challenge.Status).toBe('Acknowledged');
    client.close();
    expect(await status(control.setManagement(device.udid, { cloudConfiguration: { SupervisorHostCertificates: [42 as unknown as string] } }))).toBe(400);
    expect(await status(control.setManagement(device.udid, { profiles: [{ identifier: '' }] }))).toBe(400);
    expect((await control.setManagement(device.udid, { cloudConfiguration: null })).supervised).toBe(false);
  });

  it('erases from the device\'s own Settings: gone, then back wiped; 409 while already gone', async () => {
    const device = sim.allDevices()[1]!;
    const gone = await control.erase(device.udid, { preserveDataPlan: true });
    expect(gone).toMatchObject({ attached: false, power: 'erasing' });
    expect(gone.erasures.at(-1)).toMatchObject({ preserveDataPlan: true, disallowProximitySetup: false });
    expect(await status(control.restart(device.udid))).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await control.device(device.udid)).toMatchObject({ attached: true, power: 'on', activationState: 'Unactivated', inSetupAssistant: true, trustedHostIds: [] });
  });
});
