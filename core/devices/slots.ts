/**
 * Bench slots: the label a technician uses for "where is that device plugged
 * in". The physical port path is the best label; usbmuxd only tells us
 * LocationID = (bus << 16) | address, so normal-mode devices fall back to that.
 */

/** Splits usbmuxd's LocationID; null when it carries no usable location (0 is what network devices send). */
export function splitLocationId(locationId: number | null | undefined): { bus: number; address: number } | null {
  if (locationId === null || locationId === undefined || !Number.isInteger(locationId) || locationId <= 0) return null;
  return { bus: Math.floor(locationId / 0x10000), address: locationId % 0x10000 };
}

/** "1-3.2" from a port path when known, else "bus-address" from the LocationID, else null. */
export function slotFor(locationId: number | null | undefined, portPath?: string | null): string | null {
  if (portPath) return portPath;
  const location = splitLocationId(locationId);
  return location ? `${location.bus}-${location.address}` : null;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Orders slots as a person reads a hub: "1-2" before "1-10"; devices without a slot last. */
export function compareSlots(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return collator.compare(a, b);
}
