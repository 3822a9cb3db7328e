/** What a UI gets back from the host for each contract method, including every kind of refusal. */
import { describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, DeviceSchema } from '../../core/contract/index.js';
import { LockdownError, instructionFor } from '../../core/devices/errors.js';
import { BenchHost } from '../../core/host/bench-host.js';
import { FakeRegistry, manualTicker, record } from './host-fakes.js';

function hostOver(registry: FakeRegistry, simulated = false): BenchHost {
  return new BenchHost({ registry, simulated, muxAddress: 'UNIX:/var/run/usbmuxd', benchName: 'bench-7', statusTicker: manualTicker().ticker });
}

describe('devices.list', () => {
  it('answers with every device on the bench, each a valid contract Device', async () => {
    const registry = new FakeRegistry();
    registry.records = [record({ id: 'ecid:1', serialNumber: 'SERIAL1' }), record({ id: 'ecid:2', serialNumber: 'SERIAL2', state: 'locked' })];
    const result = await hostOver(registry).call('devices.list', {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.map((device) => device.serialNumber)).toEqual(['SERIAL1', 'SERIAL2']);
    for (const device of result.value) expect(DeviceSchema.safeParse(device).success).toBe(true);
  });

  it('answers an empty list on an empty bench', async () => {
    expect(await hostOver(new FakeRegistry()).call('devices.list', {})).toEqual({ ok: true, value: [] });
  });
});

describe('devices.refresh', () => {
  it('re-reads the device and answers with its new record', async () => {
    const registry = new FakeRegistry();
    registry.records = [record({ id: 'ecid:5', state: 'locked' })];
    registry.refreshWith = async () => record({ id: 'ecid:5', state: 'ready' });
    const result = await hostOver(registry).call('devices.refresh', { id: 'ecid:5' });
    expect(registry.refreshed).toEqual(['ecid:5']);
    expect(result).toMatchObject({ ok: true, value: { id: 'ecid:5', state: 'ready' } });
  });

  it('answers null for a device that is no longer connected', async () => {
    expect(await hostOver(new FakeRegistry()).call('devices.refresh', { id: 'ecid:404' })).toEqual({ ok: true, value: null });
  });

  it("turns a device error into an error envelope whose hint is the error's instruction", async () => {
    const registry = new FakeRegistry();
    registry.refreshWith = async () => {
      throw new LockdownError('PasswordProtected', 'GetValue');
    };
    const result = await hostOver(registry).call('devices.refresh', { id: 'ecid:5' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'PasswordProtected', message: expect.stringContaining('PasswordProtected') as unknown, hint: instructionFor('PasswordProtected') },
    });
  });

  it('refuses malformed parameters with BadRequest before touching the bench', async () => {
    const registry = new FakeRegistry();
    const host = hostOver(registry);
    for (const params of [{}, { id: '' }, { id: 5 }, null, 'ecid:5']) {
      const result = await host.request('devices.refresh', params);
      expect(result).toMatchObject({ ok: false, error: { code: 'BadRequest' } });
    }
    expect(registry.refreshed).toEqual([]);
  });

  it('reports an unexpected failure as InternalError with a hint, and keeps serving', async () => {
    const registry = new FakeRegistry();
    registry.refreshWith = async () => {
      throw new TypeError('boom');
    };
    const host = hostOver(registry);
    const result = await host.call('devices.refresh', { id: 'x' });
    expect(result).toMatchObject({ ok: false, error: { code: 'InternalError', message: 'boom' } });
    if (!result.ok) expect(result.error.hint).toMatch(/Restart/);
    expect((await host.call('devices.list', {})).ok).toBe(true);
  });
});

describe('unknown methods', () => {
  it('are refused with UnknownMethod, whatever the caller sends as a name', async () => {
    const host = hostOver(new FakeRegistry());
    for (const method of ['devices.erase', '__proto__', 'toString', 42, undefined]) {
      expect(await host.request(method, {})).toMatchObject({ ok: false, error: { code: 'UnknownMethod' } });
    }
  });
});

describe('bench.hello', () => {
  it('accepts a UI of the same contract version and names the bench', async () => {
    expect(await hostOver(new FakeRegistry()).call('bench.hello', { contractVersion: CONTRACT_VERSION })).toEqual({
      ok: true,
      value: { contractVersion: CONTRACT_VERSION, benchName: 'bench-7' },
    });
  });

  it('refuses an older UI and says to reload it', async () => {
    const result = await hostOver(new FakeRegistry()).call('bench.hello', { contractVersion: CONTRACT_VERSION - 1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'ContractMismatch' } });
    if (!result.ok) expect(result.error.hint).toMatch(/reload/);
  });

  it('refuses a newer UI and says to update the bench host', async () => {
    const result = await hostOver(new FakeRegistry()).call('bench.hello', { contractVersion: CONTRACT_VERSION + 1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'ContractMismatch' } });
    if (!result.ok) expect(result.error.hint).toMatch(/update Benchline/);
  });
});

describe('bench.status', () => {
  it('says whether the devices are simulated, and where usbmuxd is', async () => {
    const registry = new FakeRegistry();
    registry.usbStatus = { available: false, reason: 'USB unavailable: permission denied' };
    const result = await hostOver(registry, true).call('bench.status', {});
    expect(result).toEqual({
      ok: true,
      value: {
        simulated: true,
        usbmuxd: { address: 'UNIX:/var/run/usbmuxd', connected: true, error: null },
        usb: { available: false, reason: 'USB unavailable: permission denied' },
        library: { available: true, hint: null },
      },
    });
  });
});
