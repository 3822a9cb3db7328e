import { describe, expect, it } from 'vitest';
import { EMPTY_SCANNER, SCANNER_MAX_GAP_MS, findScanned, scannerKey } from '../../renderer/state/scanner.js';
import { deviceMapOf } from '../../renderer/state/devices.js';
import type { ScannerState } from '../../renderer/state/types.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { READY_STATUS, device } from './renderer-fixtures.js';

/** Types `text` then Enter, `gap` ms apart starting at `start`; returns the completed code, if any. */
function type(text: string, gap: number, start = 1000, from: ScannerState = EMPTY_SCANNER): { code: string | null; scanner: ScannerState } {
  let scanner = from;
  let at = start;
  for (const key of text) {
    scanner = scannerKey(scanner, key, at).scanner;
    at += gap;
  }
  return scannerKey(scanner, 'Enter', at);
}

describe('telling a barcode scanner from a person', () => {
  it('takes a serial typed with a few ms between keys, then Enter, as a scan', () => {
    expect(type('DNPX1234ABCD', 8).code).toBe('DNPX1234ABCD');
    expect(type('DNPX1234ABCD', SCANNER_MAX_GAP_MS).code).toBe('DNPX1234ABCD');
  });

  it('ignores a person typing at human speed', () => {
    expect(type('DNPX1234ABCD', 120).code).toBeNull();
    expect(type('DNPX1234ABCD', SCANNER_MAX_GAP_MS + 1).code).toBeNull();
  });

  it('ignores short bursts (two keys pressed together) and Enter alone', () => {
    expect(type('ab', 5).code).toBeNull();
    expect(scannerKey(EMPTY_SCANNER, 'Enter', 5).code).toBeNull();
  });

  it('does not complete a scan when Enter comes late', () => {
    let scanner = EMPTY_SCANNER;
    for (const [i, key] of [...'DNPX1234'].entries()) scanner = scannerKey(scanner, key, 1000 + i * 5).scanner;
    expect(scannerKey(scanner, 'Enter', 1035 + 500).code).toBeNull();
  });

  it('starts over when a pause splits the keys: only the fast run after it counts', () => {
    let scanner = EMPTY_SCANNER;
    scanner = scannerKey(scanner, 'x', 0).scanner;
    scanner = scannerKey(scanner, 'y', 5).scanner;
    expect(type('SERIAL99', 5, 2000, scanner).code).toBe('SERIAL99');
  });

  it('lets Shift through (scanners press it for capitals) but a named key like an arrow breaks the run', () => {
    let scanner = EMPTY_SCANNER;
    let at = 0;
    for (const key of ['Shift', 'D', 'Shift', 'N', 'P', 'X', '1']) scanner = scannerKey(scanner, key, (at += 5)).scanner;
    expect(scannerKey(scanner, 'Enter', at + 5).code).toBe('DNPX1');
    scanner = EMPTY_SCANNER;
    for (const key of ['D', 'N', 'ArrowDown', 'P', 'X', '1']) scanner = scannerKey(scanner, key, (at += 5)).scanner;
    expect(scannerKey(scanner, 'Enter', at + 5).code).toBeNull();
  });
});

describe('finding the scanned device', () => {
  const phone = device({ serialNumber: 'DNPX1234ABCD', imei: '356789012345678', udid: '00008110-001A2C3E3A12802E', ecid: BigInt('0x1A2C3E3A12802E').toString(10) });
  const devices = deviceMapOf([phone, device()]);

  it('by serial, in any case, also with the "S" Apple prints before the serial barcode', () => {
    expect(findScanned(devices, 'DNPX1234ABCD')?.id).toBe(phone.id);
    expect(findScanned(devices, 'dnpx1234abcd')?.id).toBe(phone.id);
    expect(findScanned(devices, 'SDNPX1234ABCD')?.id).toBe(phone.id);
  });

  it('by IMEI, UDID or ECID (decimal or hex)', () => {
    expect(findScanned(devices, '356789012345678')?.id).toBe(phone.id);
    expect(findScanned(devices, '00008110-001a2c3e3a12802e')?.id).toBe(phone.id);
    expect(findScanned(devices, '7366995168362542')?.id).toBe(phone.id);
    expect(findScanned(devices, '0x1A2C3E3A12802E')?.id).toBe(phone.id);
  });

  it('finds nothing for a code no device carries', () => {
    expect(findScanned(devices, 'C02XYZ12345')).toBeNull();
  });
});

describe('a scan in the app', () => {
  function benchWith(...devices: ReturnType<typeof device>[]) {
    const store = createBenchStore('websocket');
    store.getState().actions.synced({ name: 'B', contractVersion: 1 }, READY_STATUS, devices, []);
    return store;
  }
  const scan = (store: ReturnType<typeof benchWith>, code: string, start = 1000): boolean => {
    const { actions } = store.getState();
    let at = start;
    for (const key of code) actions.scannerKey(key, (at += 4));
    return actions.scannerKey('Enter', at + 4);
  };

  it('highlights and selects the device, says where it is, and tells the caller to swallow the Enter', () => {
    const target = device({ serialNumber: 'DNPX1234ABCD', slot: '2-3' });
    const store = benchWith(device(), target);
    expect(scan(store, 'DNPX1234ABCD')).toBe(true);
    const state = store.getState();
    expect(state.highlight?.id).toBe(target.id);
    expect(state.selection.ids).toEqual({ [target.id]: true });
    expect(state.scanner.message).toEqual({ kind: 'found', code: 'DNPX1234ABCD', id: target.id });
  });

  it('scanning the same device again highlights it anew (so the window scrolls to it again)', () => {
    const target = device({ serialNumber: 'DNPX1234ABCD' });
    const store = benchWith(target);
    scan(store, 'DNPX1234ABCD');
    const first = store.getState().highlight!.seq;
    scan(store, 'DNPX1234ABCD', 5000);
    expect(store.getState().highlight!.seq).toBeGreaterThan(first);
  });

  it('says the serial is not tethered when no device matches, and clears the old highlight', () => {
    const target = device({ serialNumber: 'DNPX1234ABCD' });
    const store = benchWith(target);
    scan(store, 'DNPX1234ABCD');
    expect(scan(store, 'C02XYZ12345', 5000)).toBe(true);
    expect(store.getState().scanner.message).toEqual({ kind: 'missing', code: 'C02XYZ12345' });
    expect(store.getState().highlight).toBeNull();
  });

  it('clears a search or filter that hides the scanned device, so it can be seen', () => {
    const target = device({ serialNumber: 'DNPX1234ABCD', state: 'ready' });
    const store = benchWith(target, device({ state: 'locked' }));
    store.getState().actions.toggleStateFilter('locked');
    store.getState().actions.setSearch('something else');
    scan(store, 'DNPX1234ABCD');
    expect(store.getState().filter.states).toEqual([]);
    expect(store.getState().search).toBe('');
    expect(store.visible.ids(store.getState())).toContain(target.id);
  });

  it('Escape (dismiss) takes the message and the highlight away', () => {
    const store = benchWith(device({ serialNumber: 'DNPX1234ABCD' }));
    scan(store, 'DNPX1234ABCD');
    store.getState().actions.dismissScan();
    expect(store.getState().scanner.message).toBeNull();
    expect(store.getState().highlight).toBeNull();
  });
});
