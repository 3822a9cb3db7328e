/**
 * Composition root of the CLI: builds the bench from real parts (usbmuxd,
 * libimobiledevice, libusb) or, with `simulate`, from the device simulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeviceRegistry, type RegistryOptions } from '../devices/registry.js';
import type { UsbModeSource } from '../devices/ports.js';
import { UsbmuxdClient } from '../../native/usbmuxd/client.js';
import { ImobiledeviceLockdown } from '../../native/imobiledevice/lockdown.js';
import { createUsbModeSource } from '../../native/usb/index.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';

export interface BenchOptions {
  /** usbmuxd address in libusbmuxd's form; default: USBMUXD_SOCKET_ADDRESS or the system socket. */
  muxAddress?: string;
  /** Run against this many simulated devices instead of the machine's USB. */
  simulate?: number;
  seed?: number | string;
  /** Watch USB for Recovery/DFU devices (default: on, unless simulating). */
  usbModes?: UsbModeSource | false;
  registry?: RegistryOptions;
  /** Share a lockdown with device services (bench actions); the caller then owns and closes it. */
  lockdown?: ImobiledeviceLockdown;
}

export interface Bench {
  registry: DeviceRegistry;
  lockdown: ImobiledeviceLockdown;
  /** Set when the bench runs on simulated devices. */
  simulator: DeviceSimulator | null;
  stop(): Promise<void>;
}

/**
 * Simulated benches show what a technician meets: most devices trusted, one
 * waiting for Trust, one locked since reboot.
 */
async function startSimulator(devices: number, seed: number | string): Promise<{ simulator: DeviceSimulator; cleanup: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'benchline-sim-'));
  const simulator = new DeviceSimulator();
  await simulator.start({ socketPath: path.join(dir, 'usbmuxd.sock'), devices, seed, allTrusted: true, control: false });
  const fleet = simulator.allDevices();
  if (fleet.length >= 6) {
    fleet[1]!.trustPolicy = 'untrusted';
    fleet[3]!.lockScreen(true);
  }
  return { simulator, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openBench(options: BenchOptions = {}): Promise<Bench> {
  let simulator: DeviceSimulator | null = null;
  let cleanup = (): void => undefined;
  let muxAddress = options.muxAddress;
  if (options.simulate !== undefined) {
    ({ simulator, cleanup } = await startSimulator(options.simulate, options.seed ?? 1));
    muxAddress = simulator.address;
  }
  // libimobiledevice finds usbmuxd only through this variable (read at each
  // connect), so both halves of the bench must see the same address.
  if (muxAddress !== undefined) process.env.USBMUXD_SOCKET_ADDRESS = muxAddress;

  const usbModes = options.usbModes === false || simulator ? undefined : (options.usbModes ?? createUsbModeSource());
  const ownsLockdown = options.lockdown === undefined;
  const lockdown = options.lockdown ?? new ImobiledeviceLockdown();
  const registry = new DeviceRegistry({ mux: new UsbmuxdClient(muxAddress), lockdown, usbModes }, options.registry);
  try {
    await registry.start();
  } catch (error) {
    await simulator?.stop();
    cleanup();
    throw error;
  }
  return {
    registry,
    lockdown,
    simulator,
    stop: async () => {
      await registry.stop();
      if (ownsLockdown) await lockdown.close();
      await simulator?.stop();
      cleanup();
    },
  };
}
