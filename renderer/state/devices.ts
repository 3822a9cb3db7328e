/**
 * The device map, kept current from `devices.changed` events. A batch of
 * events copies the map once, not once per event: at 256 devices changing
 * ten times a second that is the difference between a copy per frame and
 * thousands.
 */
import type { Device, EventData } from '../../core/contract/index.js';

export type DeviceChange = EventData<'devices.changed'>;
export type DeviceMap = Readonly<Record<string, Device>>;

export function deviceMapOf(list: readonly Device[]): DeviceMap {
  const map: Record<string, Device> = {};
  for (const device of list) map[device.id] = device;
  return map;
}

/** Applies changes in order; returns the same map when nothing changed. */
export function applyDeviceChanges(devices: DeviceMap, changes: readonly DeviceChange[]): DeviceMap {
  let next: Record<string, Device> | null = null;
  const current = (): Record<string, Device> => (next ??= { ...devices });
  for (const change of changes) {
    const { device } = change;
    if (change.kind === 'removed') {
      if ((next ?? devices)[device.id] !== undefined) delete current()[device.id];
      continue;
    }
    const map = current();
    // The host re-keys a record when it learns more (an ECID, say); the old key must not linger as a ghost tile.
    if (change.previousId !== undefined && change.previousId !== device.id) delete map[change.previousId];
    map[device.id] = device;
  }
  return next ?? devices;
}

/** Old id → new id for every re-keyed record in a batch, so selection and highlight can follow. */
export function renamesIn(changes: readonly DeviceChange[]): ReadonlyMap<string, string> {
  const renames = new Map<string, string>();
  for (const change of changes) {
    if (change.kind !== 'removed' && change.previousId !== undefined && change.previousId !== change.device.id) renames.set(change.previousId, change.device.id);
  }
  return renames;
}
