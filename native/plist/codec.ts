/**
 * Property lists in and out, XML or binary, with uint64 kept exact (bigint)
 * and data as Buffer. A thin wrapper over @plist/plist so the rest of the code
 * sees Node types rather than ArrayBuffers.
 */
import { parse, serialize } from '@plist/plist';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { ProtocolError } from '../../core/devices/errors.js';

// @plist/common's PlistFormat enum values; imported by number to avoid a deep import.
const BINARY = 0;
const XML = 1;

type LibValue = null | string | number | bigint | boolean | ArrayBuffer | Date | LibValue[] | { [key: string]: LibValue };

function fromLib(value: LibValue): PlistValue {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(fromLib);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: PlistDict = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromLib(v);
    return out;
  }
  return value;
}

function toLib(value: PlistValue): LibValue {
  if (value instanceof Uint8Array) {
    return value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
  }
  if (Array.isArray(value)) return value.map(toLib);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: { [key: string]: LibValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toLib(v);
    return out;
  }
  return value;
}

/** Parses XML or binary (detected from the bytes). Throws ProtocolError on garbage. */
export function parsePlist(bytes: Uint8Array | string): PlistValue {
  try {
    const input = typeof bytes === 'string' ? bytes : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    return fromLib(parse(input) as LibValue);
  } catch (error) {
    throw new ProtocolError(`Malformed property list: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function parsePlistDict(bytes: Uint8Array | string): PlistDict {
  const value = parsePlist(bytes);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date) {
    throw new ProtocolError('Expected a property list dictionary');
  }
  return value;
}

export function toXmlPlist(value: PlistValue): Buffer {
  return Buffer.from(serialize(toLib(value), XML) as string, 'utf8');
}

export function toBinaryPlist(value: PlistValue): Buffer {
  return Buffer.from(serialize(toLib(value), BINARY) as ArrayBuffer);
}

export function isDict(value: PlistValue | undefined): value is PlistDict {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}
