/**
 * What a deprovision does to a device (seeds 000-002), decided the same way by
 * the server and by a bench working offline: which wipe, and which status the
 * device takes. Pure functions over the wire's names.
 */
import type { DeprovisionReason, DeviceStatus, Ownership, WipeKind } from './server-wire.js';

/** Personal devices retired are removed from the server this long after (seed 000). */
export const PERSONAL_PURGE_DAYS = 90;

/**
 * The wipe a reason calls for. Ownership decides (the product brief): a corporate device is
 * erased, a personal one loses only what management put on it — its owner's data is theirs.
 * Only `other` lets the person choose (seed 000), and then the choice is required.
 */
export function wipeFor(reason: DeprovisionReason, ownership: Ownership, chosen: WipeKind | undefined): WipeKind | null {
  if (reason === 'other') return chosen ?? null;
  return ownership === 'corporate' ? 'full' : 'corporate-data';
}

/**
 * The status after a deprovision: a device in repair is In service (it may re-enroll after the
 * repair); a retired one is Retired; otherwise corporate devices return to stock and personal
 * ones are Retired (and purged after PERSONAL_PURGE_DAYS).
 */
export function statusAfterDeprovision(reason: DeprovisionReason, ownership: Ownership): DeviceStatus {
  if (reason === 'in-repair') return 'in-service';
  if (reason === 'retire') return 'retired';
  return ownership === 'corporate' ? 'in-stock' : 'retired';
}

/** Retired personal devices are purged; corporate hardware stays on record. */
export function purgeAfter(status: DeviceStatus, ownership: Ownership, at: Date): Date | null {
  return status === 'retired' && ownership === 'personal' ? new Date(at.getTime() + PERSONAL_PURGE_DAYS * 24 * 60 * 60 * 1000) : null;
}

/** Platform of an Apple device from its ProductType (iPhone14,2 → ios); null when not recognisable. */
export function platformOfProductType(productType: string | null): 'ios' | 'macos' | 'tvos' | null {
  if (productType === null) return null;
  if (/^(iPhone|iPad|iPod)/.test(productType)) return 'ios';
  if (/^(Mac|iMac|MacBook)/.test(productType)) return 'macos';
  if (/^AppleTV/.test(productType)) return 'tvos';
  return null;
}
