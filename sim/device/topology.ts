/**
 * Where each simulated device is plugged in. A bench is a few USB buses with
 * 7-port hubs; Linux usbmuxd reports LocationID = (bus << 16) | address, and
 * the bench maps that to a slot. The simulator keeps each port's address
 * stable across replugs so slot mapping can be tested deterministically.
 */
export const PORTS_PER_HUB = 7;
export const HUBS_PER_BUS = 4;
export const PORTS_PER_BUS = PORTS_PER_HUB * HUBS_PER_BUS;

export interface UsbPort {
  bus: number;
  /** USB device address on the bus (1 is the root hub, hubs sit every 8 addresses). */
  address: number;
  locationId: number;
  /** Linux sysfs-style path, e.g. "2-3.5": bus 2, root port 3, hub port 5. */
  portPath: string;
}

export function portForIndex(index: number): UsbPort {
  const bus = 1 + Math.floor(index / PORTS_PER_BUS);
  const onBus = index % PORTS_PER_BUS;
  const hub = Math.floor(onBus / PORTS_PER_HUB);
  const hubPort = (onBus % PORTS_PER_HUB) + 1;
  const hubAddress = 2 + hub * (PORTS_PER_HUB + 1);
  const address = hubAddress + hubPort;
  return { bus, address, locationId: ((bus << 16) | address) >>> 0, portPath: `${bus}-${hub + 1}.${hubPort}` };
}
