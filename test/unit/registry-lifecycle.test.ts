import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeviceRegistry, type RegistryChange, type RegistryOptions } from '../../core/devices/registry.js';
import type { DeviceMux, Lockdown, LockdownSnapshot, MuxDevice, MuxListener, Subscription, UsbAvailability, UsbModeDevice, UsbModeEvent, UsbModeSource } from '../../core/devices/ports.js';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { LockdownError, UsbmuxdUnavailableError, type LockdownErrorName } from '../../core/devices/errors.js';
import { STATE_INSTRUCTIONS } from '../../core/devices/states.js';

// ---- fakes of the ports ----------------------------------------------------

class FakeMux implements DeviceMux {
  readonly address = 'UNIX:/tmp/fake-usbmuxd';
  readonly present = new Map<number, MuxDevice>();
  down = false;
  listenCalls = 0;
  private listener: MuxListener | null = null;

  async listDevices(): Promise<MuxDevice[]> {
    return [...this.present.values()];
  }

  async listen(listener: MuxListener): Promise<Subscription> {
    this.listenCalls += 1;
    if (this.down) throw new UsbmuxdUnavailableError(this.address, new Error('connect ECONNREFUSED'));
    this.listener = listener;
    // Like usbmuxd: one Attached per device already present.
    for (const device of this.present.values()) listener.onEvent({ kind: 'attached', device });
    return { close: () => void (this.listener === listener && (this.listener = null)) };
  }

  attach(device: MuxDevice): void {
    this.present.set(device.muxId, device);
    this.listener?.onEvent({ kind: 'attached', device });
  }

  detach(muxId: number): void {
    this.present.delete(muxId);
    this.listener?.onEvent({ kind: 'detached', muxId });
  }

  paired(muxId: number): void {
    this.listener?.onEvent({ kind: 'paired', muxId });
  }

  /** usbmuxd dies: the stream closes and connecting fails until revive(). */
  crash(): void {
    this.down = true;
    const listener = this.listener;
    this.listener = null;
    listener?.onClosed(new UsbmuxdUnavailableError(this.address, new Error('usbmuxd closed the connection')));
  }

  revive(): void {
    this.down = false;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

}

type Outcome<T> = T | LockdownError | ((call: number) => T | LockdownError);

interface FakeDevice {
  untrusted: Outcome<PlistDict>;
  identity: Outcome<LockdownSnapshot>;
}

class FakeLockdown implements Lockdown {
  readonly devices = new Map<string, FakeDevice>();
  delayMs = 50;
  readonly calls = { untrusted: 0, identity: 0 };
  readonly active = new Map<string, number>();
  maxConcurrentPerDevice = 0;

  private async run<T>(udid: string, outcome: Outcome<T> | undefined, call: number): Promise<T> {
    const active = (this.active.get(udid) ?? 0) + 1;
    this.active.set(udid, active);
    this.maxConcurrentPerDevice = Math.max(this.maxConcurrentPerDevice, active);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const result = typeof outcome === 'function' ? (outcome as (call: number) => T | LockdownError)(call) : outcome;
      if (result === undefined) throw new LockdownError('MuxError', `no fake device ${udid}`);
      if (result instanceof LockdownError) throw result;
      return result;
    } finally {
      this.active.set(udid, (this.active.get(udid) ?? 1) - 1);
    }
  }

  readUntrusted(udid: string): Promise<PlistDict> {
    this.calls.untrusted += 1;
    return this.run(udid, this.devices.get(udid)?.untrusted, this.calls.untrusted);
  }

  readIdentity(udid: string): Promise<LockdownSnapshot> {
    this.calls.identity += 1;
    return this.run(udid, this.devices.get(udid)?.identity, this.calls.identity);
  }

  getValue(): Promise<PlistValue> {
    throw new Error('not used by the registry');
  }
  pair(): Promise<void> {
    throw new Error('not used by the registry');
  }
  validatePair(): Promise<void> {
    throw new Error('not used by the registry');
  }
  unpair(): Promise<void> {
    throw new Error('not used by the registry');
  }

  /** UDIDs this host holds no pair record for; everything counts as paired unless a test says otherwise. */
  readonly neverPaired = new Set<string>();
  pairRecordQueries = 0;
  async hasPairRecord(udid: string): Promise<boolean> {
    this.pairRecordQueries += 1;
    return !this.neverPaired.has(udid);
  }

  readonly released: string[] = [];
  async release(udid: string): Promise<void> {
    this.released.push(udid);
  }
}

class FakeUsbModes implements UsbModeSource {
  private onEvent: ((event: UsbModeEvent) => void) | null = null;
  private onStatus: ((status: UsbAvailability) => void) | undefined;
  availability: UsbAvailability = { available: true };

  start(onEvent: (event: UsbModeEvent) => void, onStatus?: (status: UsbAvailability) => void): UsbAvailability {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    return this.availability;
  }
  stop(): void {
    this.onEvent = null;
  }
  attach(device: UsbModeDevice): void {
    this.onEvent?.({ kind: 'attached', device });
  }
  detach(portPath: string): void {
    this.onEvent?.({ kind: 'detached', portPath });
  }
  status(status: UsbAvailability): void {
    this.onStatus?.(status);
  }
}

// ---- devices ---------------------------------------------------------------

const ECID_HEX = '001A2C3E3A12802E';
const ECID = BigInt(`0x${ECID_HEX}`).toString(10);
/** An iPhone 13 Pro: A15, so its UDID is CPID-ECID. */
const UDID = `00008110-${ECID_HEX}`;
const LOCATION = (1 << 16) | 7; // bus 1, address 7

function muxDevice(muxId: number, udid = UDID, locationId: number | null = LOCATION): MuxDevice {
  return { muxId, udid, connectionType: 'usb', locationId, productId: 0x12a8 };
}

function untrustedValues(udid = UDID, ecid: PlistValue = BigInt(`0x${ECID_HEX}`)): PlistDict {
  return { ProductType: 'iPhone14,2', ProductVersion: '17.6.1', BuildVersion: '21G93', UniqueChipID: ecid, UniqueDeviceID: udid, DeviceName: 'Bench 07', DeviceClass: 'iPhone', HardwareModel: 'D63AP' };
}

function snapshot(udid = UDID, ecid: PlistValue = BigInt(`0x${ECID_HEX}`)): LockdownSnapshot {
  return {
    values: {
      ...untrustedValues(udid, ecid),
      SerialNumber: 'F2LXK0ABCD12',
      InternationalMobileEquipmentIdentity: '356789012345678',
      WiFiAddress: 'a4:83:e7:00:11:22',
      ActivationState: 'Activated',
      PasswordProtected: true,
    },
    domains: {
      'com.apple.mobile.battery': { BatteryCurrentCapacity: 87, BatteryIsCharging: true },
      'com.apple.disk_usage': { TotalDiskCapacity: 128_000_000_000, TotalDataAvailable: 64_000_000_000 },
    },
  };
}

function dfuDevice(overrides: Partial<UsbModeDevice> = {}): UsbModeDevice {
  return {
    mode: 'dfu',
    portPath: '1-3.2',
    locationId: (1 << 16) | 9,
    productId: 0x1227,
    ecid: ECID,
    cpid: 0x8110,
    serialString: `CPID:8110 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:${ECID_HEX} IBFL:3C SRTG:[iBoot-7459.0.0]`,
    ...overrides,
  };
}

// ---- harness ---------------------------------------------------------------

let mux: FakeMux;
let lockdown: FakeLockdown;
let usb: FakeUsbModes;
let registry: DeviceRegistry;
let changes: RegistryChange[];

async function startRegistry(options: RegistryOptions = {}): Promise<void> {
  registry = new DeviceRegistry({ mux, lockdown, usbModes: usb }, options);
  registry.onChange((change) => changes.push(change));
  await registry.start();
}

const statesSeen = (): string[] => changes.filter((c) => c.kind !== 'removed').map((c) => c.record.state);

beforeEach(() => {
  vi.useFakeTimers();
  mux = new FakeMux();
  lockdown = new FakeLockdown();
  usb = new FakeUsbModes();
  changes = [];
  lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: snapshot() });
});

afterEach(async () => {
  // stop() waits for reads in flight, which run on the fake clock here.
  const stopping = registry?.stop();
  await vi.advanceTimersByTimeAsync(60_000);
  await stopping;
  vi.useRealTimers();
});

describe('a device plugged in normal mode', () => {
  it('shows at once as reading, then ready with the identity lockdown reported', async () => {
    await startRegistry();
    mux.attach(muxDevice(3));

    expect(registry.list()).toHaveLength(1);
    expect(registry.list()[0]).toMatchObject({ id: `ecid:${ECID}`, state: 'reading', instruction: STATE_INSTRUCTIONS.reading, udid: UDID, slot: '1-7', mode: 'normal' });

    await vi.advanceTimersByTimeAsync(50); // one trusted read is all a paired device needs
    const [record] = registry.list();
    expect(record).toMatchObject({
      id: `ecid:${ECID}`,
      state: 'ready',
      instruction: 'Ready.',
      udid: UDID,
      ecid: ECID,
      serialNumber: 'F2LXK0ABCD12',
      productType: 'iPhone14,2',
      marketingName: 'iPhone 13 Pro',
      hardwareModel: 'D63AP',
      productVersion: '17.6.1',
      buildVersion: '21G93',
      imei: '356789012345678',
      wifiAddress: 'a4:83:e7:00:11:22',
      batteryLevel: 87,
      batteryCharging: true,
      activationState: 'Activated',
      passwordProtected: true,
      totalDiskCapacity: 128_000_000_000,
      totalDataAvailable: 64_000_000_000,
      locationId: LOCATION,
      connectionType: 'usb',
      flapping: false,
      errorCode: null,
    });
    expect(changes.map((c) => c.kind)).toEqual(['added', 'updated']);
    expect(lockdown.calls).toEqual({ untrusted: 0, identity: 1 });
  });

  it('is not read again when usbmuxd repeats its Attached announcement', async () => {
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(5000);
    expect(lockdown.calls).toEqual({ untrusted: 0, identity: 1 });
    expect(registry.list()[0]?.state).toBe('ready');
  });

  it('refresh() re-reads a ready device and returns the new values', async () => {
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: { ...snapshot(), domains: { 'com.apple.mobile.battery': { BatteryCurrentCapacity: 92, BatteryIsCharging: false } } } });

    const refreshed = registry.refresh(`ecid:${ECID}`);
    await vi.advanceTimersByTimeAsync(50);
    expect(await refreshed).toMatchObject({ state: 'ready', batteryLevel: 92, batteryCharging: false, serialNumber: 'F2LXK0ABCD12' });
    expect(lockdown.calls.identity).toBe(2);
    expect(await registry.refresh('ecid:0')).toBeUndefined();
  });
});

describe('trust, passcode and errors', () => {
  it('needs-trust tells the technician to tap Trust, is retried quietly and becomes ready once trusted', async () => {
    const pending = new LockdownError('PairingDialogResponsePending');
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: (call) => (call < 3 ? pending : snapshot()) });
    await startRegistry({ retryIntervalMs: 1500 });
    mux.attach(muxDevice(3));

    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list()[0]).toMatchObject({ state: 'needs-trust', instruction: STATE_INSTRUCTIONS['needs-trust'], errorCode: 'PairingDialogResponsePending', productType: 'iPhone14,2' });

    await vi.advanceTimersByTimeAsync(1550); // first retry after 1.5 s: still waiting
    expect(registry.list()[0]?.state).toBe('needs-trust');
    await vi.advanceTimersByTimeAsync(3050); // the next one 3 s later: trusted by then
    expect(registry.list()[0]).toMatchObject({ state: 'ready', errorCode: null, errorMessage: null, serialNumber: 'F2LXK0ABCD12' });
    // The UI never flickers back to "reading" between retries, and the untrusted read is not repeated.
    expect(statesSeen().filter((s, i, all) => s !== all[i - 1])).toEqual(['reading', 'needs-trust', 'ready']);
    expect(lockdown.calls).toEqual({ untrusted: 1, identity: 3 });
  });

  it('reads again right away when usbmuxd reports the device was just paired', async () => {
    let trusted = false;
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: () => (trusted ? snapshot() : new LockdownError('PairingDialogResponsePending')) });
    await startRegistry({ retryIntervalMs: 60_000 });
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    trusted = true;
    mux.paired(3);
    await vi.advanceTimersByTimeAsync(50);
    expect(registry.list()[0]?.state).toBe('ready');
  });

  it('a locked device shows locked with the unlock instruction and is polled until unlocked', async () => {
    let locked = true;
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: () => (locked ? new LockdownError('PasswordProtected') : snapshot()) });
    await startRegistry({ retryIntervalMs: 1000 });
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list()[0]).toMatchObject({ state: 'locked', instruction: 'Unlock the device with its passcode.', errorCode: 'PasswordProtected' });

    await vi.advanceTimersByTimeAsync(10_000);
    expect(lockdown.calls.identity).toBeGreaterThanOrEqual(4);
    locked = false;
    await vi.advanceTimersByTimeAsync(5100); // at most the longest retry interval
    expect(registry.list()[0]?.state).toBe('ready');
  });

  it('retries a device that keeps failing less and less often, never less often than every 5 s', async () => {
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: new LockdownError('PairingDialogResponsePending') });
    await startRegistry({ retryIntervalMs: 1000 });
    mux.attach(muxDevice(3));
    const callTimes: number[] = [];
    let last = 0;
    for (let t = 0; t < 30_000; t += 50) {
      await vi.advanceTimersByTimeAsync(50);
      if (lockdown.calls.identity !== last) {
        last = lockdown.calls.identity;
        callTimes.push(t);
      }
    }
    const gaps = callTimes.slice(1).map((time, i) => time - callTimes[i]!);
    expect(gaps.slice(0, 3)).toEqual([1050, 2050, 4050]); // 1, 2, 4 s (+ the read's own 50 ms)
    expect(Math.max(...gaps)).toBe(5050);
  });

  it('asks whether a device was ever paired on its first read only, not when a ready device is refreshed', async () => {
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(lockdown.pairRecordQueries).toBe(1);
    const refreshed = registry.refresh(`ecid:${ECID}`);
    await vi.advanceTimersByTimeAsync(100);
    await refreshed;
    expect(lockdown.calls.identity).toBe(2);
    expect(lockdown.pairRecordQueries).toBe(1);
  });

  it('reads devices never paired with this bench one at a time from the start: their first read pairs', async () => {
    const udids = Array.from({ length: 4 }, (_, i) => `0000803${i}-001A2C3E3A12802${i}`);
    udids.forEach((udid, i) => lockdown.devices.set(udid, { untrusted: { ...untrustedValues(), UniqueDeviceID: udid, UniqueChipID: BigInt(`0x001A2C3E3A12802${i}`) }, identity: snapshot(udid, BigInt(`0x001A2C3E3A12802${i}`)) }));
    for (const udid of udids.slice(0, 3)) lockdown.neverPaired.add(udid);
    let reading = 0;
    let peak = 0;
    const readIdentity = lockdown.readIdentity.bind(lockdown);
    lockdown.readIdentity = async (udid: string) => {
      reading += 1;
      peak = Math.max(peak, reading);
      try {
        return await readIdentity(udid);
      } finally {
        reading -= 1;
      }
    };
    await startRegistry();
    udids.forEach((udid, i) => mux.attach(muxDevice(20 + i, udid, 0x20000 + i)));
    await vi.advanceTimersByTimeAsync(1000);
    expect(peak).toBe(2); // the three unpaired one after another, the paired one beside them
    expect(registry.list().map((r) => r.state)).toEqual(['ready', 'ready', 'ready', 'ready']);
  });

  it('lets devices waiting for Trust pair one at a time (each Pair costs fresh RSA keys)', async () => {
    const pending = new LockdownError('PairingDialogResponsePending');
    const udids = Array.from({ length: 6 }, (_, i) => `0000803${i}-001A2C3E3A12802${i}`);
    udids.forEach((udid, i) => lockdown.devices.set(udid, { untrusted: { ...untrustedValues(), UniqueDeviceID: udid, UniqueChipID: BigInt(`0x001A2C3E3A12802${i}`) }, identity: pending }));
    lockdown.delayMs = 400;
    let pairing = 0;
    let peak = 0;
    const readIdentity = lockdown.readIdentity.bind(lockdown);
    lockdown.readIdentity = async (udid: string) => {
      pairing += 1;
      peak = Math.max(peak, pairing);
      try {
        return await readIdentity(udid);
      } finally {
        pairing -= 1;
      }
    };
    await startRegistry({ retryIntervalMs: 1000 });
    udids.forEach((udid, i) => mux.attach(muxDevice(10 + i, udid, 0x10000 + i)));
    await vi.advanceTimersByTimeAsync(1000); // first reads: everyone at once, nobody is known to need Trust yet
    expect(peak).toBe(6);
    peak = 0;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(lockdown.calls.identity).toBeGreaterThan(12); // every device keeps being retried
    expect(peak).toBe(1);
  });

  it('EscrowLocked (restarted, not unlocked yet) is also shown as locked', async () => {
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: new LockdownError('EscrowLocked') });
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list()[0]?.state).toBe('locked');
  });

  it('a declined Trust is not retried: it waits for a replug, which reads again', async () => {
    let answer: LockdownErrorName | null = 'UserDeniedPairing';
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: () => (answer ? new LockdownError(answer) : snapshot()) });
    await startRegistry({ retryIntervalMs: 1000 });
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list()[0]).toMatchObject({ state: 'trust-declined', instruction: STATE_INSTRUCTIONS['trust-declined'] });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lockdown.calls.identity).toBe(1);

    answer = null;
    mux.detach(3);
    mux.attach(muxDevice(4));
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list()[0]?.state).toBe('ready');
  });

  it('any other lockdown error shows error with that error\'s own instruction and code, and is retried', async () => {
    lockdown.devices.set(UDID, { untrusted: untrustedValues(), identity: new LockdownError('SslError', 'StartSession') });
    await startRegistry({ retryIntervalMs: 1000 });
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list()[0]).toMatchObject({
      state: 'error',
      errorCode: 'SslError',
      errorMessage: 'StartSession: lockdownd answered SslError (-5)',
      instruction: 'The secure session failed. Unplug the device and plug it back in.',
    });
    await vi.advanceTimersByTimeAsync(1050);
    expect(lockdown.calls.identity).toBe(2);
  });
});

describe('unplugging', () => {
  it('removes the record at once, shown as detached, and ignores the read still in flight', async () => {
    lockdown.delayMs = 500;
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    mux.detach(3);

    expect(registry.list()).toEqual([]);
    const removed = changes.at(-1);
    expect(removed).toMatchObject({ kind: 'removed', record: { id: `ecid:${ECID}`, state: 'detached', instruction: STATE_INSTRUCTIONS.detached } });

    await vi.advanceTimersByTimeAsync(5000);
    expect(registry.list()).toEqual([]);
    expect(changes.at(-1)).toBe(removed);
    expect(lockdown.calls).toEqual({ untrusted: 0, identity: 1 }); // the in-flight read finished unseen; nothing after it
    expect(lockdown.released).toEqual([UDID]); // and the session kept for the device is let go
  });
});

describe('one record per physical device', () => {
  it('a device in DFU that comes back in normal mode stays one record, found by its ECID', async () => {
    await startRegistry();
    usb.attach(dfuDevice());
    expect(registry.list()).toMatchObject([{ id: `ecid:${ECID}`, state: 'dfu', mode: 'dfu', slot: '1-3.2', instruction: STATE_INSTRUCTIONS.dfu, udid: null }]);

    // usbmuxd can announce the restored device before libusb reports the DFU device gone.
    mux.attach(muxDevice(3));
    expect(registry.list()).toHaveLength(1);
    expect(registry.list()[0]).toMatchObject({ id: `ecid:${ECID}`, mode: 'normal', state: 'reading', udid: UDID });
    usb.detach('1-3.2');
    await vi.advanceTimersByTimeAsync(100);

    expect(registry.list()).toHaveLength(1);
    expect(registry.list()[0]).toMatchObject({ id: `ecid:${ECID}`, mode: 'normal', state: 'ready', productType: 'iPhone14,2' });
    expect(changes.some((c) => c.kind === 'removed')).toBe(false);
    expect(registry.find({ ecid: `0x${ECID_HEX}` })?.udid).toBe(UDID);
  });

  it('an older device (40-hex UDID) is merged into its Recovery record once lockdown reveals the ECID', async () => {
    const oldUdid = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const oldEcid = 0x000012345678abcdn;
    lockdown.devices.set(oldUdid, { untrusted: untrustedValues(oldUdid, oldEcid), identity: snapshot(oldUdid, oldEcid) });
    await startRegistry();
    usb.attach(dfuDevice({ mode: 'recovery', productId: 0x1281, ecid: oldEcid.toString(10), portPath: '1-4' }));
    mux.attach(muxDevice(8, oldUdid));
    expect(registry.list().map((r) => r.id).sort()).toEqual([`ecid:${oldEcid}`, `udid:${oldUdid}`]);

    await vi.advanceTimersByTimeAsync(50);
    expect(registry.list()).toHaveLength(1);
    expect(registry.list()[0]).toMatchObject({ id: `ecid:${oldEcid}`, mode: 'normal', udid: oldUdid, productType: 'iPhone14,2' });
    const rekeyed = changes.find((c) => c.previousId === `udid:${oldUdid}`);
    expect(rekeyed).toMatchObject({ kind: 'updated', record: { id: `ecid:${oldEcid}` } });
    expect(changes.find((c) => c.kind === 'removed')?.record).toMatchObject({ id: `udid:${oldUdid}`, state: 'reading' });
  });

  it('a device that leaves normal mode for Recovery keeps the identity learned earlier', async () => {
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    mux.detach(3);
    usb.attach(dfuDevice({ mode: 'recovery', productId: 0x1281 }));

    expect(registry.list()).toMatchObject([
      { id: `ecid:${ECID}`, state: 'recovery', mode: 'recovery', udid: UDID, serialNumber: 'F2LXK0ABCD12', marketingName: 'iPhone 13 Pro', imei: '356789012345678', batteryLevel: null, productVersion: null },
    ]);
    expect(registry.find({ serialNumber: 'f2lxk0abcd12' })?.id).toBe(`ecid:${ECID}`);
  });

  it('a Recovery device without a readable ECID is keyed by its port', async () => {
    await startRegistry();
    usb.attach(dfuDevice({ ecid: null, serialString: '', portPath: '2-1' }));
    expect(registry.list()).toMatchObject([{ id: 'usb:2-1', slot: '2-1', ecid: null }]);
    usb.detach('2-1');
    expect(registry.list()).toEqual([]);
  });
});

describe('a flapping port', () => {
  async function replug20Times(endAttached: boolean): Promise<void> {
    lockdown.delayMs = 300; // slower than the replugs: reads of old plug-ins are still in flight
    for (let i = 0; i < 20; i += 1) {
      mux.attach(muxDevice(100 + i));
      await vi.advanceTimersByTimeAsync(250);
      if (i < 19 || !endAttached) mux.detach(100 + i);
      await vi.advanceTimersByTimeAsync(200);
    }
  }

  it('after 20 replugs in 10 s there is exactly one record, ready and flagged flapping', async () => {
    await startRegistry();
    await replug20Times(true);
    await vi.advanceTimersByTimeAsync(1000);

    expect(registry.list()).toHaveLength(1);
    expect(registry.list()[0]).toMatchObject({ id: `ecid:${ECID}`, state: 'ready', flapping: true, udid: UDID });
    expect(lockdown.maxConcurrentPerDevice).toBe(1);
  });

  it('ends with no record when the device ends unplugged, and stale reads never bring it back', async () => {
    await startRegistry();
    await replug20Times(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(registry.list()).toEqual([]);
    expect(changes.at(-1)?.kind).toBe('removed');
  });

  it('clears the flag after a quiet window, and leaves no timer behind after stop()', async () => {
    await startRegistry({ flapWindowMs: 10_000 });
    await replug20Times(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(registry.list()[0]?.flapping).toBe(true);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(registry.list()[0]).toMatchObject({ flapping: false, state: 'ready' });
    expect(vi.getTimerCount()).toBe(0);

    mux.detach(119);
    mux.attach(muxDevice(200));
    await registry.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a few replugs are normal and do not flag the port', async () => {
    await startRegistry();
    for (let i = 0; i < 5; i += 1) {
      mux.attach(muxDevice(10 + i));
      mux.detach(10 + i);
    }
    mux.attach(muxDevice(20));
    expect(registry.list()[0]?.flapping).toBe(false);
  });
});

describe('never two reads of one device at once', () => {
  it('refresh() during a read waits for it instead of opening a second session', async () => {
    lockdown.delayMs = 400;
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(200); // identity read in flight
    const first = registry.refresh(`ecid:${ECID}`);
    const second = registry.refresh(`ecid:${ECID}`);
    await vi.advanceTimersByTimeAsync(2000);
    await Promise.all([first, second]);
    expect(lockdown.maxConcurrentPerDevice).toBe(1);
    expect(lockdown.calls.identity).toBe(2); // the in-flight read, then one more for both refreshes
  });

  it('a replug while the old read runs waits for it; the new plug-in gets its own read', async () => {
    lockdown.delayMs = 400;
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(450);
    mux.detach(3);
    mux.attach(muxDevice(4));
    await vi.advanceTimersByTimeAsync(2000);
    expect(lockdown.maxConcurrentPerDevice).toBe(1);
    expect(registry.list()).toMatchObject([{ state: 'ready' }]);
  });
});

describe('usbmuxd', () => {
  it('start() throws UsbmuxdUnavailableError when usbmuxd cannot be reached, and muxStatus says why', async () => {
    mux.down = true;
    registry = new DeviceRegistry({ mux, lockdown });
    await expect(registry.start()).rejects.toBeInstanceOf(UsbmuxdUnavailableError);
    expect(registry.muxStatus).toEqual({ connected: false, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('when usbmuxd dies, its devices go, DFU devices stay, and everything returns once it is back', async () => {
    mux.attach(muxDevice(3));
    await startRegistry({ reconnectMinMs: 500, reconnectMaxMs: 4000 });
    usb.attach(dfuDevice({ ecid: '42', portPath: '1-5' }));
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.muxStatus).toEqual({ connected: true, error: null });
    expect(registry.list()).toHaveLength(2);

    mux.crash();
    expect(registry.muxStatus).toEqual({ connected: false, error: expect.stringContaining('usbmuxd closed the connection') });
    expect(registry.list()).toMatchObject([{ id: 'ecid:42', state: 'dfu' }]);

    // Backoff: attempts at +500 ms, +1 s, +2 s, +4 s, +4 s …
    await vi.advanceTimersByTimeAsync(500);
    expect(mux.listenCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(mux.listenCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(mux.listenCalls).toBe(4);
    await vi.advanceTimersByTimeAsync(4000);
    await vi.advanceTimersByTimeAsync(4000);
    expect(mux.listenCalls).toBe(6);
    expect(registry.muxStatus.error).toContain('ECONNREFUSED');

    mux.revive();
    await vi.advanceTimersByTimeAsync(4000);
    expect(registry.muxStatus).toEqual({ connected: true, error: null });
    await vi.advanceTimersByTimeAsync(100);
    expect(registry.list().map((r) => [r.id, r.state])).toEqual([
      ['ecid:42', 'dfu'],
      [`ecid:${ECID}`, 'ready'],
    ]);
  });

  it('stop() closes the subscription and cancels reconnecting', async () => {
    await startRegistry();
    mux.crash();
    await registry.stop();
    expect(vi.getTimerCount()).toBe(0);
    mux.revive();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(mux.listenCalls).toBe(1);
    expect(mux.listening).toBe(false);
  });
});

describe('queries and status', () => {
  it('ignores devices usbmuxd reaches over Wi-Fi: they are not on the bench', async () => {
    await startRegistry();
    mux.attach({ ...muxDevice(7), connectionType: 'network', locationId: 0 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(registry.list()).toEqual([]);
    expect(lockdown.calls).toEqual({ untrusted: 0, identity: 0 });
  });

  it('stop() resolves only once the read in flight has finished, so nothing talks to a device afterwards', async () => {
    lockdown.delayMs = 500;
    await startRegistry();
    mux.attach(muxDevice(3));
    await vi.advanceTimersByTimeAsync(100);
    expect(lockdown.active.get(UDID)).toBe(1);
    let stopped = false;
    const stopping = registry.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(400);
    await stopping;
    expect(lockdown.active.get(UDID)).toBe(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(lockdown.calls.identity).toBe(1); // no retry after stop
  });

  it('knows every device already plugged in once start() resolves, even before usbmuxd has announced them', async () => {
    // usbmuxd sends its Attached announcements on the Listen stream at its own pace; a
    // one-shot `benchline list` must not conclude "no devices" before they arrive.
    mux.present.set(3, muxDevice(3));
    const silentListen = mux.listen.bind(mux);
    mux.listen = async (listener) => {
      const quiet = { onEvent: () => undefined, onClosed: listener.onClosed };
      const subscription = await silentListen(quiet);
      return subscription;
    };
    await startRegistry();
    expect(registry.list().map((r) => r.udid)).toEqual([UDID]);
  });

  it('does not bring back a device the stream saw leave while the list was on its way', async () => {
    mux.present.set(3, muxDevice(3));
    const listDevices = mux.listDevices.bind(mux);
    mux.listDevices = async () => {
      const stale = await listDevices();
      mux.detach(3); // Detached arrives on the stream before the (stale) list is handled
      return stale;
    };
    await startRegistry();
    expect(registry.list()).toEqual([]);
  });

  it('settled() resolves once no device is reading, or at the timeout', async () => {
    lockdown.delayMs = 1000;
    await startRegistry();
    mux.attach(muxDevice(3));
    let settled = false;
    void registry.settled(10_000).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(900);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(settled).toBe(true);

    mux.detach(3);
    mux.attach(muxDevice(4));
    let timedOut = false;
    void registry.settled(300).then(() => (timedOut = true));
    await vi.advanceTimersByTimeAsync(300);
    expect(timedOut).toBe(true);
    expect(registry.list()[0]?.state).toBe('reading');
  });

  it('lists by slot as a person reads a hub, devices without a slot last', async () => {
    const second = '00008030-0000000000000002';
    const third = '00008030-0000000000000003';
    await startRegistry();
    mux.attach(muxDevice(1, second, (1 << 16) | 10));
    mux.attach(muxDevice(2, third, null));
    mux.attach(muxDevice(3, UDID, (1 << 16) | 9));
    expect(registry.list().map((r) => r.slot)).toEqual(['1-9', '1-10', null]);
    expect(registry.find({ udid: second.toLowerCase() })?.slot).toBe('1-10');
    expect(registry.find({})).toBeUndefined();
    expect(registry.find({ ecid: 'not-an-ecid' })).toBeUndefined();
  });

  it('reports USB availability, including changes the USB watcher learns later', async () => {
    usb.availability = { available: false, reason: 'USB unavailable: no USB bus is visible' };
    await startRegistry();
    expect(registry.usbStatus).toEqual({ available: false, reason: 'USB unavailable: no USB bus is visible' });
    usb.status({ available: true });
    expect(registry.usbStatus).toEqual({ available: true });

    const bare = new DeviceRegistry({ mux, lockdown });
    expect(bare.usbStatus.available).toBe(false);
    expect(bare.usbStatus).toMatchObject({ reason: expect.stringMatching(/^USB unavailable: /) });
  });
});
