/**
 * Lockdown services: StartService, the one-shot port, the usbmuxd Connect to
 * it and a TLS service connection, driven by the real idevicediagnostics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlistDict } from '../../core/devices/identity.js';
import { createPlistService } from '../../sim/device/services.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { runTool } from '../../sim/device/tools.js';

const sim = new DeviceSimulator();
let dir = '';
const received: PlistDict[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-sim-'));
  const diagnostics = createPlistService({
    name: 'com.apple.mobile.diagnostics_relay',
    ssl: true,
    // Only some devices offer it, to prove `available` is honoured.
    available: (device) => device.identity.index === 0,
    handle: (request, device): PlistDict => {
      received.push(request);
      if (request.Request === 'GasGauge') return { Status: 'Success', Diagnostics: { GasGauge: { CycleCount: 7, DesignCapacity: 3000, BatteryLevel: device.battery.level } } };
      return { Status: 'Success' };
    },
  });
  await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 2, seed: 'services', allTrusted: true, control: false, services: [diagnostics] });
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('lockdown services', () => {
  it('hands a StartService port to the service over TLS', async () => {
    const [device] = sim.devices();
    sim.device(device!.udid).setBattery({ level: 64 });
    const result = await runTool('idevicediagnostics', ['-u', device!.udid, 'diagnostics', 'GasGauge'], sim.address);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('<key>CycleCount</key>');
    expect(result.stdout).toContain('<integer>64</integer>');
    expect(received.map((r) => r.Request)).toEqual(['GasGauge', 'Goodbye']);
  });

  it('answers InvalidService where the service is not offered', async () => {
    const other = sim.devices()[1]!;
    const result = await runTool('idevicediagnostics', ['-u', other.udid, 'diagnostics', 'GasGauge'], sim.address);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('ERROR: Could not start diagnostics service!');
  });
});
