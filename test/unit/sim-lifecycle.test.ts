import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlistDict } from '../../core/devices/identity.js';
import { DeviceKeyCache } from '../../sim/device/crypto.js';
import { ControlConflictError, SimDevice } from '../../sim/device/device.js';
import { FaultQueue } from '../../sim/device/faults.js';
import { generateIdentities } from '../../sim/device/generator.js';
import { LifecycleSettings } from '../../sim/device/lifecycle.js';
import { handleLockdownRequest } from '../../sim/device/lockdown-requests.js';
import type { LockdownSession } from '../../sim/device/lockdown-requests.js';
import { rootValues } from '../../sim/device/lockdown-values.js';
import { createMcInstallService } from '../../sim/device/mcinstall.js';
import { ConnectionClosedError, connectInMemory } from '../../sim/device/memory-client.js';
import { ServiceRegistry } from '../../sim/device/services.js';

const fleet = generateIdentities(16, 'lifecycle-unit');
const withPasscode = fleet.find((identity) => identity.passwordProtected)!;
const keys = new DeviceKeyCache(1024);
const mcinstall = createMcInstallService();
const HOST = { HostID: 'HOST-A', SystemBUID: 'BUID-A' };

afterEach(() => {
  vi.useRealTimers();
});

function makeDevice(options: { identity?: (typeof fleet)[number]; policy?: 'trusted' | 'untrusted'; lifecycle?: LifecycleSettings } = {}) {
  const events: string[] = [];
  let next = 1;
  const device = new SimDevice(
    options.identity ?? fleet[0]!,
    options.policy ?? 'trusted',
    {
      attach: (d) => {
        d.muxId = next++;
        events.push(`attach ${d.muxId}`);
      },
      detach: (d) => {
        events.push(`detach ${d.muxId}`);
        d.muxId = null;
      },
    },
    options.lifecycle ?? new LifecycleSettings({ eraseGoneMs: 3000, restartGoneMs: 2000 }),
  );
  device.attach();
  return { device, events };
}

async function lockdown(device: SimDevice, request: PlistDict, session: LockdownSession | null = null): Promise<PlistDict> {
  return (await handleLockdownRequest({ device, keys, services: new ServiceRegistry(), session }, request)).reply;
}

const pair = (device: SimDevice) => lockdown(device, { Request: 'Pair', PairRecord: HOST, ProtocolVersion: '2' });
const startSession = (device: SimDevice) => lockdown(device, { Request: 'StartSession', ...HOST });

describe('device life cycle', () => {
  it('an erased device forgets its hosts, pairs without the Trust dialog in Setup Assistant, and reads as new', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { device, events } = makeDevice({ identity: withPasscode, policy: 'untrusted' });
    device.tapTrust();
    expect((await pair(device)).Error).toBeUndefined();
    device.override(null, 'DeviceName', 'Front desk');
    expect(rootValues(device)).toMatchObject({ DeviceName: 'Front desk', PasswordProtected: true });

    device.erase({ preserveDataPlan: false, disallowProximitySetup: true });
    expect(events).toEqual(['attach 1', 'detach 1']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(events).toEqual(['attach 1', 'detach 1', 'attach 2']);

    // The old pairing is gone: libimobiledevice sees InvalidHostID, deletes its record and pairs again…
    expect(await startSession(device)).toEqual({ Request: 'StartSession', Error: 'InvalidHostID' });
    // …and the device, at the Hello screen, accepts without anyone tapping Trust.
    expect(await pair(device)).toMatchObject({ Request: 'Pair' });
    expect(device.trustDialog).toBe('none');
    expect((await startSession(device)).Error).toBeUndefined();
    expect(rootValues(device)).toMatchObject({ DeviceName: withPasscode.deviceClass, ActivationState: 'Unactivated', PasswordProtected: false });
    expect(device.info()).toMatchObject({ inSetupAssistant: true, lock: 'unlocked', passcode: false });
  });

  it('a seeded device is out of Setup Assistant and still asks for Trust', async () => {
    const { device } = makeDevice({ policy: 'untrusted' });
    expect(device.info()).toMatchObject({ activationState: fleet[0]!.activationState, inSetupAssistant: false, supervised: false, profiles: [], counters: {}, erasures: [] });
    expect((await pair(device)).Error).toBe('PairingDialogResponsePending');
  });

  it('a restarted device comes back after restartGoneMs still paired, locked if it has a passcode', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { device, events } = makeDevice({ identity: withPasscode });
    await pair(device);
    device.restart();
    expect(device.info()).toMatchObject({ attached: false, power: 'restarting' });
    await vi.advanceTimersByTimeAsync(1999);
    expect(device.attached).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['attach 1', 'detach 1', 'attach 2']);
    expect(device.isTrustedHost(HOST.HostID)).toBe(true);
    expect(await startSession(device)).toEqual({ Request: 'StartSession', Error: 'PasswordProtected' });
    device.unlock();
    expect((await startSession(device)).Error).toBeUndefined();
  });

  it('a shut-down device stays off until powered on; the cable decides whether it shows up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { device, events } = makeDevice();
    device.shutdown();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(device.info()).toMatchObject({ attached: false, power: 'off', cable: true });
    device.detach();
    device.powerOn();
    expect(device.info()).toMatchObject({ attached: false, power: 'on', cable: false });
    device.attach();
    expect(events).toEqual(['attach 1', 'detach 1', 'attach 2']);
  });

  it('power-on while erasing is a conflict; a pulled cable keeps the erased device away until plugged in', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { device, events } = makeDevice();
    device.erase({ preserveDataPlan: false, disallowProximitySetup: false });
    expect(() => device.powerOn()).toThrow(ControlConflictError);
    device.detach();
    await vi.advanceTimersByTimeAsync(3000);
    expect(device.info()).toMatchObject({ attached: false, power: 'on', activationState: 'Unactivated' });
    device.attach();
    expect(events).toEqual(['attach 1', 'detach 1', 'attach 2']);
  });

  it('follows eraseGoneMs changed at run time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const lifecycle = new LifecycleSettings();
    expect(lifecycle.info()).toEqual({ eraseGoneMs: 3000, restartGoneMs: 2000, durations: {} });
    const { device } = makeDevice({ lifecycle });
    lifecycle.update({ eraseGoneMs: 100, durations: { EraseDevice: 5 } });
    device.erase({ preserveDataPlan: false, disallowProximitySetup: false });
    await vi.advanceTimersByTimeAsync(100);
    expect(device.attached).toBe(true);
  });

  it('validates settings without changing anything on a bad update', () => {
    const lifecycle = new LifecycleSettings({ durations: { Restart: 10 } });
    expect(() => lifecycle.update({ eraseGoneMs: 50, durations: { EraseDevice: -1 } })).toThrow(RangeError);
    expect(lifecycle.info()).toEqual({ eraseGoneMs: 3000, restartGoneMs: 2000, durations: { Restart: 10 } });
    lifecycle.update({ durations: { Restart: null, EraseDevice: 250 } });
    expect(lifecycle.info().durations).toEqual({ EraseDevice: 250 });
  });
});

describe('faults on service steps', () => {
  it('targets a step by name; a nameless fault stays a lockdown fault', () => {
    const faults = new FaultQueue();
    faults.add({ kind: 'drop' });
    faults.add({ kind: 'error', request: 'EraseDevice' });
    faults.add({ kind: 'hang', service: 'diagnostics' });
    expect(faults.take('HelloHostIdentifier', 'mcinstall')).toBeNull();
    expect(faults.take('EraseDevice', 'mcinstall')?.kind).toBe('error');
    expect(faults.take('Restart', 'diagnostics')?.kind).toBe('hang');
    expect(faults.take('GetValue')?.kind).toBe('drop');
    expect(() => faults.add({ kind: 'unplug', phase: 'during' as 'before' })).toThrow(RangeError);
  });

  it('error: a well-formed MCInstall error, and the step has no effect', async () => {
    const { device } = makeDevice();
    device.injectFault({ kind: 'error', request: 'SetCloudConfiguration' });
    const client = connectInMemory(mcinstall, device);
    const reply = await client.request({ RequestType: 'SetCloudConfiguration', CloudConfiguration: { IsSupervised: true } });
    expect(reply.Status).toBe('Error');
    expect((reply.ErrorChain as PlistDict[])[0]).toMatchObject({ ErrorCode: expect.any(Number), ErrorDomain: expect.any(String) });
    expect(device.management.cloudConfiguration).toBeNull();
    expect(await client.request({ RequestType: 'SetCloudConfiguration', CloudConfiguration: { IsSupervised: true } })).toEqual({ Status: 'Acknowledged' });
    expect(device.info().counters.SetCloudConfiguration).toBe(2);
  });

  it('drop and garbage', async () => {
    const { device } = makeDevice();
    device.injectFault({ kind: 'garbage', request: 'GetProfileList' });
    const client = connectInMemory(mcinstall, device);
    const raw = await client.requestRaw({ RequestType: 'GetProfileList' });
    expect(raw.subarray(0, 8).toString('latin1')).not.toMatch(/^(<\?xml|bplist)/);
    device.injectFault({ kind: 'drop', request: 'Flush' });
    await expect(client.request({ RequestType: 'Flush' })).rejects.toThrow(ConnectionClosedError);
  });

  it('hang: the step is never answered, nor anything after it', async () => {
    const { device } = makeDevice();
    device.injectFault({ kind: 'hang', request: 'EraseDevice' });
    const client = connectInMemory(mcinstall, device);
    const outcome = await Promise.race([client.request({ RequestType: 'EraseDevice' }).then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('silence'), 200))]);
    expect(outcome).toBe('silence');
    expect(device.power).toBe('on');
    const after = await Promise.race([client.request({ RequestType: 'Flush' }).then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('silence'), 100))]);
    expect(after).toBe('silence');
    client.close();
  });

  it('unplug before: the cable comes out and the erase never happens', async () => {
    const { device } = makeDevice();
    device.injectFault({ kind: 'unplug', request: 'EraseDevice' });
    const client = connectInMemory(mcinstall, device);
    await expect(client.request({ RequestType: 'EraseDevice' })).rejects.toThrow(ConnectionClosedError);
    expect(device.info()).toMatchObject({ attached: false, cable: false, power: 'on', erasures: [] });
  });

  it('unplug after: EraseDevice is acknowledged, the cable comes out, and the device is wiped once plugged back in', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { device, events } = makeDevice();
    device.injectFault({ kind: 'unplug', request: 'EraseDevice', phase: 'after' });
    const client = connectInMemory(mcinstall, device);
    expect(await client.request({ RequestType: 'EraseDevice' })).toEqual({ Status: 'Acknowledged' });
    await client.closed;
    expect(device.info()).toMatchObject({ attached: false, cable: false, power: 'erasing' });
    await vi.advanceTimersByTimeAsync(3000);
    expect(device.attached).toBe(false);
    device.attach();
    expect(device.info()).toMatchObject({ attached: true, activationState: 'Unactivated', inSetupAssistant: true });
    expect(events).toEqual(['attach 1', 'detach 1', 'attach 2']);
  });
});
