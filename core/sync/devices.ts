/**
 * The tethered devices as sync needs them: looked up by UDID (pre-approve the
 * selected devices) or serial number (deprovision a device picked from the
 * inventory that happens to be on this bench), and told when one becomes
 * ready (so the server learns its identity: device.observed).
 */
import type { DeviceRecord } from '../devices/identity.js';
import type { Subscription } from '../devices/ports.js';
import type { RegistryLike } from '../jobs/presence.js';

export interface TetheredDevice {
  udid: string;
  serialNumber: string | null;
  ecid: string | null;
  productType: string | null;
  productVersion: string | null;
  deviceName: string | null;
  /** Ready for jobs (trusted, unlocked, normal mode). */
  ready: boolean;
}

export interface TetheredDevices {
  byUdid(udid: string): TetheredDevice | null;
  bySerial(serialNumber: string): TetheredDevice | null;
  /** Called for each device that is (or becomes) ready; optional for callers that only look devices up. */
  onReady?(listener: (device: TetheredDevice) => void): Subscription;
}

function toTethered(record: DeviceRecord): TetheredDevice | null {
  if (record.udid === null || record.state === 'detached') return null;
  return {
    udid: record.udid,
    serialNumber: record.serialNumber,
    ecid: record.ecid,
    productType: record.productType,
    productVersion: record.productVersion,
    deviceName: record.deviceName,
    ready: record.state === 'ready' && record.mode === 'normal',
  };
}

/** The devices of a registry (the bench's, or the host's supervised one). */
export function tetheredDevices(registry: RegistryLike): TetheredDevices {
  const all = (): TetheredDevice[] => registry.list().map(toTethered).filter((device): device is TetheredDevice => device !== null);
  return {
    byUdid: (udid) => all().find((device) => device.udid === udid) ?? null,
    bySerial: (serialNumber) => all().find((device) => device.serialNumber === serialNumber) ?? null,
    onReady(listener) {
      for (const device of all()) if (device.ready) listener(device);
      return registry.onChange(({ kind, record }) => {
        const device = kind === 'removed' ? null : toTethered(record);
        if (device?.ready) listener(device);
      });
    },
  };
}
