import { afterEach, describe, expect, it } from 'vitest';
import { loadNodeUsbBackend, NodeUsbBackend, type UsbBinding } from '../../native/usb/node-usb-backend.js';
import { createUsbModeSource } from '../../native/usb/index.js';
import { UsbModeWatcher } from '../../native/usb/usb-mode-watcher.js';
import type { UsbModeSource } from '../../core/devices/ports.js';

const binding = (devices: unknown[] = []): UsbBinding =>
  ({
    Emitter: class {
      addAttach = async (): Promise<void> => undefined;
      removeAttach = async (): Promise<void> => undefined;
      addDetach = async (): Promise<void> => undefined;
      removeDetach = async (): Promise<void> => undefined;
    },
    nativeGetDevices: async () => devices,
  }) as unknown as UsbBinding;

let source: UsbModeSource | undefined;
afterEach(() => source?.stop());

describe('the usb-package backend', () => {
  it('on Linux without /sys/bus/usb says there is no USB bus and how to pass one into a container', () => {
    const backend = new NodeUsbBackend(binding(), { platform: 'linux', pathExists: () => false });
    expect(backend.probe()).toMatchObject({ available: false, reason: expect.stringMatching(/^USB unavailable: this machine shows no USB bus.*--device \/dev\/bus\/usb/) });
  });

  it('on Linux without /dev/bus/usb says the device nodes are missing', () => {
    const backend = new NodeUsbBackend(binding(), { platform: 'linux', pathExists: (path) => path.startsWith('/sys') });
    expect(backend.probe()).toMatchObject({ available: false, reason: expect.stringContaining('/dev/bus/usb') });
  });

  it('turns the package\'s devices into port paths: Linux buses are decimal, macOS buses hex', async () => {
    const device = { vendorId: 0x05ac, productId: 0x1227, bus: '003', address: 12, ports: [1, 4], handle: 'DeviceId(3, 12)', serialNumber: 'CPID:8030 ECID:1' };
    const linux = await new NodeUsbBackend(binding([device]), { platform: 'linux' }).listDevices();
    expect(linux[0]).toMatchObject({ key: 'DeviceId(3, 12)', busNumber: 3, portNumbers: [1, 4], deviceAddress: 12 });
    expect(linux[0]?.readSerial()).toBe('CPID:8030 ECID:1');
    const mac = await new NodeUsbBackend(binding([{ ...device, bus: '14' }]), { platform: 'darwin' }).listDevices();
    expect(mac[0]?.busNumber).toBe(0x14);
    const windows = await new NodeUsbBackend(binding([{ ...device, bus: 'PCI\\VEN_8086' }]), { platform: 'win32' }).listDevices();
    expect(windows[0]?.busNumber).toBeNull();
  });

  it('a package without the expected binding is refused at load, which the watcher reports as unavailable', () => {
    expect(() => loadNodeUsbBackend({ load: () => ({}) })).toThrow(/usb 3\.x/);
    source = new UsbModeWatcher(() => loadNodeUsbBackend({ load: () => ({}) }));
    expect(source.start(() => undefined)).toMatchObject({ available: false, reason: expect.stringMatching(/^USB unavailable: the usb module could not be loaded/) });
  });

  it('the real package on this machine starts without throwing, whatever USB it has', () => {
    source = createUsbModeSource();
    const status = source.start(() => undefined);
    if (!status.available) expect(status.reason).toMatch(/^USB unavailable: /);
    source.stop();
  });
});
