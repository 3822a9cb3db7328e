/**
 * The simulator's plist work on the wire, for one Node thread playing 64+
 * devices at once. Encoding and parsing stay with @plist/plist
 * (native/plist/codec.ts); what is saved is doing them again: replies are
 * encoded once and reused by their callers (usbmuxd-server.ts,
 * lockdown-connection.ts), and `parseRequestPlist` remembers what recent
 * request bodies parsed to. Clients send the same few requests over and over
 * (QueryType, GetValue of a domain, ReadPairRecord of a UDID), and the same
 * bytes always parse to the same dictionary, so a hit skips the XML parser.
 */
import type { PlistDict } from '../../core/devices/identity.js';
import { parsePlistDict, toXmlPlist } from '../../native/plist/codec.js';

export { toXmlPlist as encodeXmlPlist };

/** Bodies larger than this are pair records and the like: rare, and not worth keeping. */
const MAX_CACHED_BODY = 2048;
const MAX_CACHED_ENTRIES = 4096;
/** Body (as latin1, one char per byte) → its dictionary; Map order doubles as recency for LRU eviction. */
const parsed = new Map<string, PlistDict>();

function isFlat(dict: PlistDict): boolean {
  for (const key in dict) {
    const value = dict[key];
    if (value !== null && typeof value === 'object') return false;
  }
  return true;
}

/**
 * parsePlistDict() with a cache. Only dictionaries of plain values (strings,
 * numbers, booleans) are kept, and each caller gets its own shallow copy, so
 * no one can change what another caller (or the cache) sees.
 */
export function parseRequestPlist(body: Buffer): PlistDict {
  if (body.length > MAX_CACHED_BODY) return parsePlistDict(body);
  const key = body.toString('latin1');
  const hit = parsed.get(key);
  if (hit !== undefined) {
    parsed.delete(key);
    parsed.set(key, hit);
    return { ...hit };
  }
  // Requests that differ every time (StopSession's SessionID) miss the cache.
  const dict = parsePlistDict(body);
  if (isFlat(dict)) {
    if (parsed.size >= MAX_CACHED_ENTRIES) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, { ...dict });
  }
  return dict;
}
