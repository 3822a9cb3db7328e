import { describe, expect, it } from 'vitest';
import { UDEV_RULE, emptyAdvice, statusAlerts } from '../../renderer/features/status/advice.js';
import { STATE_LOOK, deviceTitle, osLabel, primaryIdentifier, storageLabel } from '../../renderer/state/device-view.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { READY_STATUS, device } from './renderer-fixtures.js';

function stateAfter(setup: (store: ReturnType<typeof createBenchStore>) => void) {
  const store = createBenchStore('websocket');
  setup(store);
  const state = store.getState();
  return { state, shown: store.visible.ids(state).length };
}

const NO_USBMUXD = { ...READY_STATUS, usbmuxd: { address: 'UNIX:/var/run/usbmuxd', connected: false, error: 'connect ENOENT /var/run/usbmuxd' } };

describe('what the window says when it has no devices to show', () => {
  it('is connecting at first, and says it cannot reach the bench (and why that may be) once attempts fail', () => {
    let { state, shown } = stateAfter(() => {});
    expect(emptyAdvice(state, shown)?.reason).toBe('connecting');
    ({ state, shown } = stateAfter((store) => store.getState().actions.setConnection({ transport: 'websocket', phase: 'connecting', attempt: 3 })));
    const advice = emptyAdvice(state, shown);
    expect(advice?.reason).toBe('unreachable');
    expect(advice?.body).toMatch(/#token=/);
  });

  it('asks for a device to be plugged in when the bench is fine but empty', () => {
    const { state, shown } = stateAfter((store) => store.getState().actions.synced({ name: 'B', contractVersion: 1 }, READY_STATUS, [], []));
    expect(emptyAdvice(state, shown)).toMatchObject({ reason: 'no-devices', title: 'Plug a device in…' });
  });

  it('says usbmuxd is not running, with its error and the command to start it', () => {
    const { state, shown } = stateAfter((store) => store.getState().actions.synced({ name: 'B', contractVersion: 1 }, NO_USBMUXD, [], []));
    const advice = emptyAdvice(state, shown);
    expect(advice?.reason).toBe('no-usbmuxd');
    expect(advice?.body).toContain('connect ENOENT /var/run/usbmuxd');
    expect(advice?.code).toBe('sudo systemctl start usbmuxd');
  });

  it('says nothing matches (not "plug a device in") when a search hides every device', () => {
    const { state, shown } = stateAfter((store) => {
      store.getState().actions.synced({ name: 'B', contractVersion: 1 }, READY_STATUS, [device(), device()], []);
      store.getState().actions.setSearch('no such serial');
    });
    expect(emptyAdvice(state, shown)).toMatchObject({ reason: 'no-matches' });
    expect(emptyAdvice(state, shown)?.body).toContain('2 devices are on the bench');
  });

  it('shows a fatal error with its hint above everything else', () => {
    const { state, shown } = stateAfter((store) => store.getState().actions.setFatal({ code: 'ContractMismatch', message: 'Versions differ', hint: 'Update Benchline.' }));
    expect(emptyAdvice(state, shown)).toMatchObject({ reason: 'fatal', title: 'Versions differ', body: 'Update Benchline.' });
  });

  it('has nothing to say when devices are shown', () => {
    const { state, shown } = stateAfter((store) => store.getState().actions.synced({ name: 'B', contractVersion: 1 }, READY_STATUS, [device()], []));
    expect(emptyAdvice(state, shown)).toBeNull();
  });
});

describe('alerts above the devices', () => {
  it('name a missing libimobiledevice with the host hint, and USB trouble with its reason', () => {
    const alerts = statusAlerts(
      { ...READY_STATUS, library: { available: false, hint: 'Install libimobiledevice6' }, usb: { available: false, reason: 'USB unavailable: no USB bus is visible' } },
      true,
    );
    expect(alerts.map((a) => a.reason)).toEqual(['no-library', 'no-usb']);
    expect(alerts[0]?.body).toContain('Install libimobiledevice6.');
    expect(alerts[1]?.body).toContain('USB unavailable: no USB bus is visible.');
    expect(alerts[1]?.code).toBeUndefined();
  });

  it('offer the udev rule to copy when USB is denied for want of permission', () => {
    const [alert] = statusAlerts({ ...READY_STATUS, usb: { available: false, reason: 'USB unavailable: permission denied (LIBUSB_ERROR_ACCESS); add a udev rule' } }, true);
    expect(alert?.code).toBe(UDEV_RULE);
  });

  it('leave out the USB alert on a simulated bench, which has no USB bus to fix', () => {
    expect(statusAlerts({ ...READY_STATUS, simulated: true, usb: { available: false, reason: 'USB unavailable: no USB watcher is configured' } }, true)).toEqual([]);
  });

  it('put a restarting device service first, in the words of the host', () => {
    const alerts = statusAlerts({ ...READY_STATUS, service: { running: false, message: 'The device service stopped', hint: 'Benchline restarts it; wait a moment.' } }, true);
    expect(alerts[0]).toMatchObject({ reason: 'service-down', title: 'The device service stopped', body: 'Benchline restarts it; wait a moment.' });
  });

  it('mention usbmuxd only when devices are shown anyway (otherwise the empty state says it)', () => {
    expect(statusAlerts(NO_USBMUXD, false)).toEqual([]);
    expect(statusAlerts(NO_USBMUXD, true).map((a) => a.reason)).toEqual(['no-usbmuxd']);
    expect(statusAlerts(READY_STATUS, true)).toEqual([]);
  });
});

describe('how a device is labelled', () => {
  it('gives each state the instruction a technician acts on', () => {
    expect(STATE_LOOK['needs-trust'].badge).toBe('Tap Trust');
    expect(STATE_LOOK.locked.badge).toBe('Unlock with passcode');
    expect(STATE_LOOK.recovery.badge).toBe('Recovery mode');
    expect(STATE_LOOK.dfu.badge).toBe('DFU mode');
    expect(STATE_LOOK.ready.badge).toBe('Ready');
  });

  it('falls back from the device name to the model, and from the serial to the ECID in hex', () => {
    const dfu = device({ deviceName: null, marketingName: null, productType: null, serialNumber: null, udid: null, ecid: '7366995168362542', mode: 'dfu', state: 'dfu' });
    expect(deviceTitle(dfu)).toBe('Device in DFU mode');
    expect(primaryIdentifier(dfu)).toEqual({ label: 'ECID', value: '0x1A2C3E3A12802E' });
    expect(deviceTitle(device({ deviceName: null, marketingName: 'iPhone 13 Pro' }))).toBe('iPhone 13 Pro');
  });

  it('writes the OS as Apple names it and storage as the box says', () => {
    expect(osLabel(device({ deviceClass: 'iPad', productVersion: '17.6.1', buildVersion: '21G93' }))).toBe('iPadOS 17.6.1 (21G93)');
    expect(osLabel(device({ deviceClass: 'iPhone', productVersion: '9.3.5', buildVersion: null }))).toBe('iOS 9.3.5');
    expect(storageLabel(127_968_000_000)).toBe('128 GB');
    expect(storageLabel(63_900_000_000)).toBe('64 GB');
    expect(storageLabel(1_000_200_000_000)).toBe('1 TB');
  });
});
