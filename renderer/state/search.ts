/**
 * The search box: which devices a technician's text matches. Matches serial,
 * UDID, ECID (decimal, or hex as Apple Configurator and DFU tools print it),
 * IMEI and name, case-insensitively. Several words must all match, so
 * "iphone 13 locked" is not needed: the state chips filter states.
 */
import type { Device } from '../../core/contract/index.js';

export interface SearchQuery {
  /** Lower-cased words, each of which must match some field. */
  readonly terms: readonly string[];
}

export const EMPTY_QUERY: SearchQuery = { terms: [] };

export function parseSearch(text: string): SearchQuery {
  const terms = text.trim().toLowerCase().split(/\s+/).filter((term) => term.length > 0);
  return terms.length === 0 ? EMPTY_QUERY : { terms };
}

function haystack(device: Device): string[] {
  const fields = [device.serialNumber, device.udid, device.ecid, device.imei, device.deviceName, device.marketingName, device.productType];
  const out: string[] = [];
  for (const field of fields) if (field) out.push(field.toLowerCase());
  if (device.ecid && /^\d+$/.test(device.ecid)) out.push(BigInt(device.ecid).toString(16));
  return out;
}

function termMatches(term: string, fields: readonly string[]): boolean {
  // "0x1a2b…" is an ECID in hex; compare without the prefix and its leading zeros.
  const hex = /^0x0*([0-9a-f]+)$/.exec(term);
  const needle = hex ? hex[1]! : term;
  return fields.some((field) => field.includes(needle));
}

export function matchesSearch(device: Device, query: SearchQuery): boolean {
  if (query.terms.length === 0) return true;
  const fields = haystack(device);
  return query.terms.every((term) => termMatches(term, fields));
}
