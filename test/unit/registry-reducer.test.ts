import { describe, expect, it } from 'vitest';
import { EMPTY_REGISTRY_STATE, reduceRegistry, type RegistryEvent, type RegistryState } from '../../core/devices/record-reducer.js';
import type { MuxDevice, UsbModeDevice } from '../../core/devices/ports.js';
import { READY_STATUS } from '../../core/devices/read-failure.js';
import { STATE_INSTRUCTIONS } from '../../core/devices/states.js';

const NEW_UDID = '00008110-001A2C3E3A12802E';
const NEW_ECID = BigInt('0x001A2C3E3A12802E').toString(10);
const OLD_UDID = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

const mux = (muxId: number, udid = NEW_UDID, locationId: number | null = (1 << 16) | 7): MuxDevice => ({ muxId, udid, connectionType: 'usb', locationId, productId: 0x12a8 });
const usb = (overrides: Partial<UsbModeDevice> = {}): UsbModeDevice => ({
  mode: 'dfu',
  portPath: '1-3.2',
  locationId: (1 << 16) | 9,
  productId: 0x1227,
  ecid: NEW_ECID,
  cpid: 0x8110,
  serialString: '',
  ...overrides,
});

function run(...events: RegistryEvent[]): RegistryState {
  return events.reduce(reduceRegistry, EMPTY_REGISTRY_STATE);
}

const generationOf = (state: RegistryState, muxId: number): number => state.mux.get(muxId)?.generation ?? -1;

describe('the registry reducer', () => {
  it('an attach creates one reading record keyed by the ECID inside a new-format UDID, slotted by LocationID', () => {
    const state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 });
    expect([...state.records.values()]).toMatchObject([
      { id: `ecid:${NEW_ECID}`, udid: NEW_UDID, ecid: NEW_ECID, state: 'reading', instruction: STATE_INSTRUCTIONS.reading, slot: '1-7', mode: 'normal', attachedAt: '1970-01-01T00:00:00.000Z' },
    ]);
  });

  it('a device with an old UDID is keyed by UDID until its ECID is read', () => {
    let state = run({ type: 'mux-attached', device: mux(3, OLD_UDID), flapping: false, at: 0 });
    expect([...state.records.keys()]).toEqual([`udid:${OLD_UDID}`]);
    state = reduceRegistry(state, { type: 'identity-read', muxId: 3, generation: generationOf(state, 3), identity: { ecid: '99', productType: 'iPhone8,1' }, complete: false, at: 1 });
    expect([...state.records.keys()]).toEqual(['ecid:99']);
    expect(state.records.get('ecid:99')).toMatchObject({ state: 'reading', productType: 'iPhone8,1', udid: OLD_UDID });
  });

  it('does not change state for a read of an earlier plug-in or of a device that left', () => {
    let state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 });
    const oldGeneration = generationOf(state, 3);
    state = reduceRegistry(state, { type: 'mux-detached', muxId: 3, at: 1 });
    expect(reduceRegistry(state, { type: 'identity-read', muxId: 3, generation: oldGeneration, identity: { productType: 'x' }, complete: true, at: 2 })).toBe(state);

    // usbmuxd may reuse the DeviceID: the generation still tells the plug-ins apart.
    state = reduceRegistry(state, { type: 'mux-attached', device: mux(3), flapping: false, at: 3 });
    expect(reduceRegistry(state, { type: 'read-failed', muxId: 3, generation: oldGeneration, status: READY_STATUS, at: 4 })).toBe(state);
    expect(reduceRegistry(state, { type: 'mux-detached', muxId: 77, at: 5 })).toBe(state);
  });

  it('a complete read makes the record ready; unknown values never erase known ones', () => {
    let state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 });
    const generation = generationOf(state, 3);
    state = reduceRegistry(state, { type: 'identity-read', muxId: 3, generation, identity: { serialNumber: 'F2LX', deviceName: 'Bench 1' }, complete: false, at: 1 });
    state = reduceRegistry(state, { type: 'identity-read', muxId: 3, generation, identity: { deviceName: 'Renamed', serialNumber: null }, complete: true, at: 2 });
    expect(state.records.get(`ecid:${NEW_ECID}`)).toMatchObject({ state: 'ready', serialNumber: 'F2LX', deviceName: 'Renamed', updatedAt: '1970-01-01T00:00:00.002Z' });
  });

  it('keeps the same record object when an event changes nothing visible', () => {
    const state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 }, { type: 'usb-attached', device: usb({ ecid: '5', portPath: '2-1' }), flapping: false, at: 1 });
    const next = reduceRegistry(state, { type: 'usb-detached', portPath: '2-1', at: 2 });
    expect(next.records.get(`ecid:${NEW_ECID}`)).toBe(state.records.get(`ecid:${NEW_ECID}`));
  });

  it('with both attachments of one ECID present, the later one is shown; dropping it shows the other', () => {
    let state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 }, { type: 'usb-attached', device: usb({ mode: 'recovery' }), flapping: false, at: 1 });
    expect(state.records.size).toBe(1);
    expect(state.records.get(`ecid:${NEW_ECID}`)).toMatchObject({ state: 'recovery', mode: 'recovery', slot: '1-3.2', udid: NEW_UDID });
    state = reduceRegistry(state, { type: 'usb-detached', portPath: '1-3.2', at: 2 });
    expect(state.records.get(`ecid:${NEW_ECID}`)).toMatchObject({ state: 'reading', mode: 'normal', slot: '1-7' });
  });

  it('mux-lost removes every normal-mode record and keeps Recovery/DFU ones', () => {
    const state = run(
      { type: 'mux-attached', device: mux(3), flapping: false, at: 0 },
      { type: 'mux-attached', device: mux(4, OLD_UDID), flapping: false, at: 0 },
      { type: 'usb-attached', device: usb({ ecid: '5', portPath: '2-1' }), flapping: false, at: 1 },
      { type: 'mux-lost', at: 2 },
    );
    expect([...state.records.keys()]).toEqual(['ecid:5']);
    expect(state.mux.size).toBe(0);
  });

  it('a re-announced UDID under a new DeviceID replaces the stale attachment instead of adding a record', () => {
    const state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 }, { type: 'mux-attached', device: mux(9), flapping: false, at: 1 });
    expect(state.records.size).toBe(1);
    expect([...state.mux.keys()]).toEqual([9]);
  });

  it('a Wi-Fi announcement of a plugged-in device neither replaces the USB attachment nor removes it when it ends', () => {
    const wifi: MuxDevice = { ...mux(8), connectionType: 'network', locationId: 0 };
    let state = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 });
    expect(reduceRegistry(state, { type: 'mux-attached', device: wifi, flapping: false, at: 1 })).toBe(state);
    state = reduceRegistry(state, { type: 'mux-detached', muxId: 8, at: 2 });
    expect(state.records.get(`ecid:${NEW_ECID}`)).toMatchObject({ connectionType: 'usb', slot: '1-7' });

    // Plugging in a device known over Wi-Fi switches it to USB.
    state = run({ type: 'mux-attached', device: wifi, flapping: false, at: 0 });
    expect(state.records.get(`ecid:${NEW_ECID}`)).toMatchObject({ connectionType: 'network', slot: null });
    state = reduceRegistry(state, { type: 'mux-attached', device: mux(3), flapping: false, at: 1 });
    expect([...state.mux.keys()]).toEqual([3]);
    expect(state.records.get(`ecid:${NEW_ECID}`)).toMatchObject({ connectionType: 'usb', slot: '1-7' });
  });

  it('remembers who a device was after it left, so an old UDID is keyed by ECID on its next attach', () => {
    let state = run({ type: 'mux-attached', device: mux(3, OLD_UDID), flapping: false, at: 0 });
    state = reduceRegistry(state, { type: 'identity-read', muxId: 3, generation: generationOf(state, 3), identity: { ecid: '99', serialNumber: 'C39', batteryLevel: 50 }, complete: true, at: 1 });
    state = reduceRegistry(state, { type: 'mux-detached', muxId: 3, at: 2 });
    expect(state.records.size).toBe(0);
    state = reduceRegistry(state, { type: 'mux-attached', device: mux(4, OLD_UDID), flapping: false, at: 3 });
    expect(state.records.get('ecid:99')).toMatchObject({ serialNumber: 'C39', batteryLevel: null, state: 'reading' });
  });

  it('flapping is set by the attach and cleared by its own event', () => {
    let state = run({ type: 'usb-attached', device: usb(), flapping: true, at: 0 });
    expect(state.records.get(`ecid:${NEW_ECID}`)?.flapping).toBe(true);
    state = reduceRegistry(state, { type: 'flapping-changed', recordId: `ecid:${NEW_ECID}`, flapping: false, at: 1 });
    expect(state.records.get(`ecid:${NEW_ECID}`)?.flapping).toBe(false);
  });

  it('never mutates the state it was given', () => {
    const before = run({ type: 'mux-attached', device: mux(3), flapping: false, at: 0 });
    const snapshot = { records: new Map(before.records), mux: new Map(before.mux), entries: new Map(before.entries) };
    reduceRegistry(before, { type: 'mux-detached', muxId: 3, at: 1 });
    expect(before.records).toEqual(snapshot.records);
    expect(before.mux).toEqual(snapshot.mux);
    expect(before.entries).toEqual(snapshot.entries);
  });
});
