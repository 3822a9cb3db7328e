/**
 * After an erase a device no longer knows this host. Benchline pairs it again
 * with the host identity it already has (no new keys: the device trusts the
 * same HostID afterwards), and the pair record it saves in usbmuxd is one
 * Debian's own ideviceinfo can use for a TLS session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchline, startSimulatorProcess, type SimProcess } from '../support/processes.js';
import { parseKeyValues, runTool } from '../../sim/device/tools.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

let sim: SimProcess;
let dir: string;

beforeAll(async () => {
  sim = await startSimulatorProcess({ devices: 2, seed: 'repair', allTrusted: true, extraArgs: ['--erase-gone-ms', '200'] });
  dir = mkdtempSync(path.join(tmpdir(), 'bl-repair-'));
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('pairing again after an erase', () => {
  it('reuses the host identity and saves a record the real tools accept', async () => {
    await sim.control.setManagement('all', { activationState: 'Activated' });
    const env = { USBMUXD_SOCKET_ADDRESS: sim.address };
    // A first read pairs the devices the ordinary way (libimobiledevice generates the host identity).
    expect((await benchline(['list', '--format', 'json'], env)).code).toBe(0);
    const before = await sim.control.devices();
    const erase = await benchline(['erase', '--foreach', '--yes', '--reason', 'retire', '--technician', 'T', '--store', path.join(dir, 'bench.db')], env);
    expect(erase.code, erase.stderr).toBe(0);
    const after = await sim.control.devices();
    for (const device of after) {
      expect(device.counters.EraseDevice).toBe(1);
      expect(device.activationState).toBe('Unactivated');
      const previous = before.find((candidate) => candidate.udid === device.udid);
      expect(previous?.trustedHostIds.length).toBe(1);
      // The erase made the device forget every host; it trusts this one again, under the same HostID.
      expect(device.trustedHostIds).toEqual(previous?.trustedHostIds);
      const info = await runTool('ideviceinfo', ['-u', device.udid, '-k', 'ActivationState'], sim.address);
      expect(info.code, info.stderr).toBe(0);
      expect(info.stdout.trim()).toBe('Unactivated');
      const full = parseKeyValues((await runTool('ideviceinfo', ['-u', device.udid], sim.address)).stdout);
      expect(full.SerialNumber).toBe(device.serialNumber);
    }
  }, 120_000);
});
