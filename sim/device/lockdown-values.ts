/**
 * The values a simulated device's lockdownd reports: the domain-less keys, the
 * domains the bench reads, and which keys a host may see before it has a
 * session (the device hides most of its identity from untrusted hosts).
 */
import type { PlistDict } from '../../core/devices/identity.js';
import type { SimDevice } from './device.js';

/** Keys answered without a session (DevicePublicKey only when asked for by name). */
export const PRE_SESSION_KEYS: ReadonlySet<string> = new Set([
  'ProductVersion',
  'DevicePublicKey',
  'WiFiAddress',
  'UniqueDeviceID',
  'UniqueChipID',
  'ProductType',
  'BuildVersion',
  'DeviceClass',
  'DeviceName',
  'HardwareModel',
  'ActivationState',
  'PasswordProtected',
]);

/** Keys SetValue may not change: they describe the hardware. */
export const IMMUTABLE_KEYS: ReadonlySet<string> = new Set([
  'UniqueDeviceID',
  'UniqueChipID',
  'SerialNumber',
  'ProductType',
  'ProductVersion',
  'BuildVersion',
  'HardwareModel',
  'DeviceClass',
  'WiFiAddress',
  'BluetoothAddress',
  'InternationalMobileEquipmentIdentity',
  'DevicePublicKey',
  'ChipID',
]);

function hardwarePlatform(cpid: number): string {
  const hex = cpid.toString(16);
  return cpid >= 0x8000 && cpid < 0x8900 ? `t${hex}` : `s5l${hex}x`;
}

/** Domain-less values, without DevicePublicKey (the caller adds it: it is generated asynchronously). */
export function rootValues(device: SimDevice): PlistDict {
  const id = device.identity;
  const values: PlistDict = {
    ActivationState: device.management.activationState,
    BluetoothAddress: id.bluetoothAddress,
    BuildVersion: id.buildVersion,
    CPUArchitecture: id.cpid >= 0x8960 || id.cpid < 0x8900 ? 'arm64' : 'armv7',
    ChipID: id.cpid,
    DeviceClass: id.deviceClass,
    DeviceColor: id.deviceColor,
    DeviceName: device.deviceName,
    HardwareModel: id.hardwareModel,
    HardwarePlatform: hardwarePlatform(id.cpid),
    ModelNumber: id.modelNumber,
    // A locked device necessarily has a passcode.
    PasswordProtected: device.passcode || device.lock !== 'unlocked',
    ProductName: 'iPhone OS',
    ProductType: id.productType,
    ProductVersion: id.productVersion,
    ProtocolVersion: '2',
    RegionInfo: id.regionInfo,
    SerialNumber: id.serialNumber,
    TelephonyCapability: id.imei !== null,
    TimeZone: id.timeZone,
    UniqueChipID: id.uniqueChipId,
    UniqueDeviceID: id.udid,
    WiFiAddress: id.wifiAddress,
  };
  if (id.imei !== null) values.InternationalMobileEquipmentIdentity = id.imei;
  const merged: PlistDict = { ...values, ...device.overridesFor(null) };
  // Sorted, so ideviceinfo's output reads like an alphabetical listing.
  return Object.fromEntries(Object.keys(merged).sort().map((key) => [key, merged[key]!]));
}

/** What GetValue without Domain/Key returns to a host without a session. */
export function preSessionValues(device: SimDevice): PlistDict {
  const all = rootValues(device);
  const out: PlistDict = {};
  for (const key of PRE_SESSION_KEYS) {
    const value = all[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** A domain's values, or undefined for a domain this device does not have. */
export function domainValues(device: SimDevice, domain: string): PlistDict | undefined {
  const id = device.identity;
  let values: PlistDict | undefined;
  switch (domain) {
    case 'com.apple.mobile.battery':
      values = {
        BatteryCurrentCapacity: device.battery.level,
        BatteryIsCharging: device.battery.charging,
        ExternalChargeCapable: device.battery.externalConnected,
        ExternalConnected: device.battery.externalConnected,
        FullyCharged: device.battery.level === 100,
        GasGaugeCapability: true,
        HasBattery: true,
      };
      break;
    case 'com.apple.disk_usage':
      values = {
        TotalDataAvailable: id.disk.totalDataAvailable,
        TotalDataCapacity: id.disk.totalDataCapacity,
        TotalDiskCapacity: id.disk.totalDiskCapacity,
        TotalSystemAvailable: Math.floor(id.disk.totalSystemCapacity * 0.1),
        TotalSystemCapacity: id.disk.totalSystemCapacity,
      };
      break;
    case 'com.apple.international':
      values = { Language: 'en', Locale: 'en_US', SupportedLanguages: ['en', 'de', 'fr', 'ja', 'zh-Hans'] };
      break;
    default:
      values = undefined;
  }
  const overrides = device.overridesFor(domain);
  if (values === undefined && Object.keys(overrides).length === 0) return undefined;
  return { ...values, ...overrides };
}

/**
 * Everything the functions above read from a device's changing state (its
 * identity is fixed, DevicePublicKey is generated once): two equal answers
 * mean every GetValue reply is still what it was, which is what lets the
 * connection reuse encoded replies.
 */
export function valuesState(device: SimDevice): string {
  const battery = device.battery;
  return `${device.deviceName}\0${device.lock}\0${device.passcode}\0${device.management.activationState}\0${battery.level}\0${battery.charging}\0${battery.externalConnected}\0${device.overridesVersion}`;
}
