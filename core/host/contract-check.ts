/**
 * Compile-time guard: core/devices' DeviceRecord and the contract's Device
 * must stay the same shape, or the host would send UIs something the
 * contract does not describe. Nothing here runs.
 */
import type { Device } from '../contract/device.js';
import type { DeviceRecord } from '../devices/identity.js';

type Assignable<From, To> = [From] extends [To] ? true : false;
type Expect<T extends true> = T;

/** Every record the registry emits is a valid contract Device… */
export type RecordIsDevice = Expect<Assignable<DeviceRecord, Device>>;
/** …and the contract promises nothing the registry does not have. */
export type DeviceIsRecord = Expect<Assignable<Device, DeviceRecord>>;
