/**
 * Fault injection, observed through the real ideviceinfo: delayed replies,
 * dropped connections and garbage, per request type and count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimControlClient } from '../../sim/device/control-client.js';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { runTool } from '../../sim/device/tools.js';

const sim = new DeviceSimulator();
let dir = '';
let control: SimControlClient;
let device: SimDeviceInfo;

const readSerial = () => runTool('ideviceinfo', ['-u', device.udid, '-k', 'SerialNumber'], sim.address);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-sim-'));
  await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 4, seed: 'faults', allTrusted: true });
  control = new SimControlClient(sim.controlUrl!);
  device = sim.devices()[0]!;
  // Pair once so every run below takes the same path: QueryType, GetValue, StartSession, GetValue, StopSession.
  expect((await readSerial()).code).toBe(0);
});

beforeEach(async () => {
  await control.clearFaults(device.udid);
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fault injection', () => {
  it('delays the next N matching replies', async () => {
    const info = await control.injectFault(device.udid, { kind: 'delay', request: 'GetValue', delayMs: 600, count: 2 });
    expect(info.faults).toEqual([{ kind: 'delay', request: 'GetValue', remaining: 2, delayMs: 600 }]);
    const started = Date.now();
    const result = await readSerial();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
    expect(result).toMatchObject({ code: 0, stdout: `${device.serialNumber}\n` });
    expect((await control.device(device.udid)).faults).toEqual([]);
  });

  it('drops the connection mid-request', async () => {
    await control.injectFault(device.udid, { kind: 'drop', request: 'QueryType' });
    const dropped = await readSerial();
    expect(dropped.code).toBe(255);
    expect(dropped.stderr).toBe('ERROR: Could not connect to lockdownd: Mux error (-8)\n');
    // One use only: the next run is fine.
    expect((await readSerial()).code).toBe(0);
  });

  it('answers with garbage', async () => {
    await control.injectFault(device.udid, { kind: 'garbage', request: 'StartSession' });
    const garbled = await readSerial();
    expect(garbled.code).toBe(255);
    expect(garbled.stderr).toBe('ERROR: Could not connect to lockdownd: PropertyList error (-3)\n');
  });

  it('applies an unnamed fault to whatever request comes next', async () => {
    await control.injectFault(device.udid, { kind: 'drop' });
    expect((await readSerial()).stderr).toContain('Mux error (-8)');
    expect((await readSerial()).code).toBe(0);
  });

  it('keeps a persistent fault until cleared', async () => {
    await control.injectFault(device.udid, { kind: 'garbage', request: 'StartSession', persistent: true });
    expect((await readSerial()).code).toBe(255);
    expect((await readSerial()).code).toBe(255);
    await control.clearFaults(device.udid);
    expect((await readSerial()).code).toBe(0);
  });

  it('leaves other devices alone', async () => {
    await control.injectFault(device.udid, { kind: 'drop', persistent: true });
    const other = sim.devices()[1]!;
    const result = await runTool('ideviceinfo', ['-u', other.udid, '-k', 'ProductType'], sim.address);
    expect(result).toMatchObject({ code: 0, stdout: `${other.productType}\n` });
  });
});
