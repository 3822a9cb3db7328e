import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsbModeWatcher } from '../../native/usb/usb-mode-watcher.js';
import type { HotplugHandlers, HotplugWatch, RawUsbDevice, UsbBackend } from '../../native/usb/backend.js';
import type { UsbAvailability, UsbModeEvent } from '../../core/devices/ports.js';

const DFU_SERIAL = 'CPID:8030 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:001A2C3E3A12802E IBFL:3C SRTG:[iBoot-7459.0.0]';

function raw(key: string, overrides: Partial<RawUsbDevice> & { serial?: string | null } = {}): RawUsbDevice {
  const { serial = DFU_SERIAL, ...rest } = overrides;
  return {
    key,
    vendorId: 0x05ac,
    productId: 0x1227,
    busId: '1',
    busNumber: 1,
    deviceAddress: 9,
    portNumbers: [3, 2],
    readSerial: () => serial,
    ...rest,
  };
}

class FakeBackend implements UsbBackend {
  devices: RawUsbDevice[] = [];
  hotplug = true;
  probeResult: UsbAvailability = { available: true };
  listError: Error | null = null;
  handlers: HotplugHandlers | null = null;
  closedWatches = 0;
  listCalls = 0;

  probe(): UsbAvailability {
    return this.probeResult;
  }
  async listDevices(): Promise<RawUsbDevice[]> {
    this.listCalls += 1;
    if (this.listError) throw this.listError;
    return [...this.devices];
  }
  async watch(handlers: HotplugHandlers): Promise<HotplugWatch> {
    if (!this.hotplug) throw new Error('hotplug not supported on this platform');
    this.handlers = handlers;
    return {
      close: async () => {
        this.closedWatches += 1;
        this.handlers = null;
      },
    };
  }
  plug(device: RawUsbDevice): void {
    this.devices.push(device);
    this.handlers?.attach(device);
  }
  unplug(key: string): void {
    this.devices = this.devices.filter((device) => device.key !== key);
    this.handlers?.detach(key);
  }
}

let backend: FakeBackend;
let watcher: UsbModeWatcher;
let events: UsbModeEvent[];
let statuses: UsbAvailability[];

function start(): UsbAvailability {
  watcher = new UsbModeWatcher(() => backend, { pollIntervalMs: 1000 });
  return watcher.start(
    (event) => events.push(event),
    (status) => statuses.push(status),
  );
}

beforeEach(() => {
  vi.useFakeTimers();
  backend = new FakeBackend();
  events = [];
  statuses = [];
});

afterEach(() => {
  watcher?.stop();
  vi.useRealTimers();
});

describe('Recovery and DFU devices over USB', () => {
  it('a DFU device is reported with its ECID, chip ID, port path and location', async () => {
    expect(start()).toEqual({ available: true });
    backend.plug(raw('h1'));
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([
      {
        kind: 'attached',
        device: { mode: 'dfu', portPath: '1-3.2', locationId: (1 << 16) | 9, productId: 0x1227, ecid: '7366995168362542', cpid: 0x8030, serialString: DFU_SERIAL },
      },
    ]);
  });

  it('a device already in Recovery when the bench starts is reported too', async () => {
    backend.devices = [raw('h1', { productId: 0x1281, busNumber: 2, busId: '2', portNumbers: [1], deviceAddress: 4 })];
    start();
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toMatchObject([{ kind: 'attached', device: { mode: 'recovery', portPath: '2-1', locationId: (2 << 16) | 4, ecid: '7366995168362542' } }]);
  });

  it('ignores other vendors and Apple devices in normal mode (usbmuxd shows those)', async () => {
    start();
    backend.plug(raw('keyboard', { vendorId: 0x046d, productId: 0xc31c }));
    backend.plug(raw('iphone', { productId: 0x12a8 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual([]);
  });

  it('reports the port as empty when the device leaves', async () => {
    start();
    backend.plug(raw('h1'));
    backend.unplug('h1');
    backend.unplug('never-seen');
    expect(events.map((e) => e.kind)).toEqual(['attached', 'detached']);
    expect(events[1]).toEqual({ kind: 'detached', portPath: '1-3.2' });
  });

  it('a fast replug announced before the old device leaves does not empty the port', () => {
    start();
    backend.plug(raw('old'));
    backend.plug(raw('new', { deviceAddress: 10 }));
    backend.unplug('old');
    expect(events.map((e) => e.kind)).toEqual(['attached', 'attached']);
    backend.unplug('new');
    expect(events.at(-1)).toEqual({ kind: 'detached', portPath: '1-3.2' });
  });

  it('still shows a device whose serial cannot be read, without an ECID', async () => {
    start();
    backend.plug(raw('h1', { readSerial: () => { throw new Error('open error: Permission denied'); } }));
    expect(events).toMatchObject([{ kind: 'attached', device: { mode: 'dfu', ecid: null, cpid: null, serialString: '' } }]);
  });
});

describe('without hotplug', () => {
  it('polls: devices appear and disappear within one interval', async () => {
    backend.hotplug = false;
    start();
    await vi.advanceTimersByTimeAsync(0);
    backend.devices = [raw('h1')];
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.map((e) => e.kind)).toEqual(['attached']);
    backend.devices = [];
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.map((e) => e.kind)).toEqual(['attached', 'detached']);
  });

  it('stop() ends polling and hotplug, leaving no timer', async () => {
    backend.hotplug = false;
    start();
    await vi.advanceTimersByTimeAsync(0);
    watcher.stop();
    expect(vi.getTimerCount()).toBe(0);
    const calls = backend.listCalls;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(backend.listCalls).toBe(calls);

    backend.hotplug = true;
    start();
    await vi.advanceTimersByTimeAsync(0);
    watcher.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(backend.closedWatches).toBe(1);
    backend.plug(raw('late'));
    expect(events).toEqual([]);
  });
});

describe('a machine where USB cannot be used', () => {
  it('reports the probe\'s reason and never throws', () => {
    backend.probeResult = { available: false, reason: 'USB unavailable: this machine shows no USB bus' };
    expect(start()).toEqual({ available: false, reason: 'USB unavailable: this machine shows no USB bus' });
  });

  it('a usb module that fails to load is reported with what to do', () => {
    watcher = new UsbModeWatcher(() => {
      throw new Error('Cannot find native binding. npm has a bug related to optional dependencies');
    });
    const status = watcher.start(() => undefined);
    expect(status.available).toBe(false);
    expect(status).toMatchObject({ reason: expect.stringMatching(/^USB unavailable: the usb module could not be loaded .*npm install/) });
  });

  it('a permission error while listing becomes unavailable with the udev rule to add, and recovers', async () => {
    backend.hotplug = false;
    backend.listError = new Error('LIBUSB_ERROR_ACCESS');
    expect(start()).toEqual({ available: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ available: false, reason: expect.stringContaining('SUBSYSTEM=="usb", ATTR{idVendor}=="05ac"') });
    expect(statuses[0]).toMatchObject({ reason: expect.stringMatching(/^USB unavailable: permission denied/) });

    backend.listError = null;
    backend.devices = [raw('h1')];
    await vi.advanceTimersByTimeAsync(1000);
    expect(statuses.at(-1)).toEqual({ available: true });
    expect(events.map((e) => e.kind)).toEqual(['attached']);
  });

  it('a bus that vanishes while polling empties the ports instead of showing stale devices', async () => {
    backend.hotplug = false;
    backend.devices = [raw('h1')];
    start();
    await vi.advanceTimersByTimeAsync(0);
    backend.listError = new Error('getDevices error: /sys/bus/usb/devices/ not found (errno 2)');
    await vi.advanceTimersByTimeAsync(1000);
    expect(events.map((e) => e.kind)).toEqual(['attached', 'detached']);
    expect(statuses.at(-1)).toMatchObject({ available: false, reason: expect.stringMatching(/^USB unavailable: no USB bus is visible/) });
  });
});
