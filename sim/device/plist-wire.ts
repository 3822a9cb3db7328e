/**
 * The simulator's plist encoding and decoding on the wire, tuned for one
 * Node thread playing 64+ devices at once.
 *
 * - `encodeXmlPlist` writes the same bytes as native/plist/codec.ts's
 *   toXmlPlist (@plist/plist over fast-xml-parser's builder: no indentation,
 *   empty elements self-closed, the five XML entities escaped), without its
 *   intermediate object tree: in a profile of the simulator that builder was
 *   the largest single cost after TLS.
 * - `parseRequestPlist` remembers what recent request bodies parsed to.
 *   Clients send the same few requests over and over (QueryType, GetValue of
 *   a domain, ReadPairRecord of a UDID), and the same bytes always parse to
 *   the same dictionary, so a hit skips the XML parser entirely.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { parsePlistDict } from '../../native/plist/codec.js';

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n';
const XML_TAIL = '\n</plist>';

const NEEDS_ESCAPE = /[&<>'"]/;
const ESCAPABLE = /[&<>'"]/g;
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

function escapeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPABLE, (char) => ENTITIES[char]!) : text;
}

/** `<tag>text</tag>`, or `<tag/>` for empty text (the builder's suppressEmptyNode). */
function element(tag: string, text: string): string {
  return text.length === 0 ? `<${tag}/>` : `<${tag}>${escapeText(text)}</${tag}>`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** @plist/plist's date format: UTC, seconds, no milliseconds, year unpadded. */
function isoDate(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}Z`;
}

function encodeValue(value: PlistValue): string {
  if (value === null) throw new Error('Unsupported null value');
  switch (typeof value) {
    case 'string':
      return element('string', value);
    case 'bigint':
      return element('integer', value.toString());
    case 'number':
      return element(Number.isInteger(value) ? 'integer' : 'real', value.toString());
    case 'boolean':
      return value ? '<true/>' : '<false/>';
    default:
      break;
  }
  if (Array.isArray(value)) {
    let inner = '';
    for (const item of value) inner += encodeValue(item);
    return inner.length === 0 ? '<array/>' : `<array>${inner}</array>`;
  }
  if (value instanceof Date) return element('date', isoDate(value));
  if (value instanceof Uint8Array) return element('data', Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  let inner = '';
  for (const key of Object.keys(value)) {
    // codec.ts copies dicts key by key, and assigning "__proto__" sets the
    // prototype instead of a key: such an entry never reaches its output.
    if (key === '__proto__') continue;
    const item = value[key];
    if (item === undefined || item === null) continue;
    inner += element('key', key) + encodeValue(item);
  }
  return inner.length === 0 ? '<dict/>' : `<dict>${inner}</dict>`;
}

/** An XML plist, byte for byte what toXmlPlist() produces for the same value. */
export function encodeXmlPlist(value: PlistValue): Buffer {
  return Buffer.from(XML_HEAD + encodeValue(value) + XML_TAIL, 'utf8');
}

/*
 * The one shape most requests have, as libplist writes it: the standard
 * header, then a dict of keys with short strings, small non-negative
 * integers or booleans. Texts are limited to printable ASCII without `&`,
 * `<`, `>` and without surrounding spaces, where the XML parser would decode
 * or trim them: for those, parsing by hand gives exactly its result. Anything
 * else (another header, nesting, data, entities, big numbers) goes to the
 * full parser.
 */
const FLAT_HEAD = `${XML_HEAD}<dict>`;
const TEXT = "[!-%'-;=?-~](?:[ -%'-;=?-~]*[!-%'-;=?-~])?";
/** XML's whitespace (\s would also match U+00A0, which a latin1 decode makes of a stray byte). */
const WS = '[ \\t\\r\\n]*';
const FLAT_ENTRY = new RegExp(`${WS}<key>(${TEXT})</key>${WS}(?:<string>(${TEXT})</string>|<integer>(\\d{1,15})</integer>|<(true|false)/>)`, 'y');
const FLAT_TAIL = new RegExp(`${WS}</dict>${WS}</plist>${WS}$`, 'y');

function parseFlatDict(text: string): PlistDict | null {
  if (!text.startsWith(FLAT_HEAD)) return null;
  const dict: PlistDict = {};
  let at = FLAT_HEAD.length;
  let entries = 0;
  for (;;) {
    FLAT_ENTRY.lastIndex = at;
    const entry = FLAT_ENTRY.exec(text);
    if (entry === null) break;
    const key = entry[1]!;
    // The full parser refuses this key; let it say so.
    if (key === '__proto__') return null;
    if (entry[2] !== undefined) dict[key] = entry[2];
    else if (entry[3] !== undefined) dict[key] = parseInt(entry[3], 10);
    else dict[key] = entry[4] === 'true';
    at = FLAT_ENTRY.lastIndex;
    entries += 1;
  }
  FLAT_TAIL.lastIndex = at;
  return entries > 0 && FLAT_TAIL.test(text) ? dict : null;
}

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
  // Requests that differ every time (StopSession's SessionID) miss the cache; most are flat.
  const dict = parseFlatDict(key) ?? parsePlistDict(body);
  if (isFlat(dict)) {
    if (parsed.size >= MAX_CACHED_ENTRIES) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, { ...dict });
  }
  return dict;
}
