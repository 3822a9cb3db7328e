/**
 * The simulated activation handshake's formats, shared by the simulated
 * device (mobileactivationd) and the simulated Apple activation server
 * (albert). Shaped like Apple's: the device's ActivationInfo carries an
 * ActivationInfoXML (identity and a fresh ActivationRandomness nonce) with a
 * "FairPlay" signature over it; the server's ActivationRecord carries an
 * AccountToken (the device's identity and that nonce) with a signature. The
 * signatures are HMAC-SHA256 under a secret device and server share: not
 * Apple's cryptography, but no record passes by accident — not one made for
 * another device, for an older nonce, or edited after signing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PlistDict } from '../../core/devices/identity.js';
import { isDict, parsePlist, toXmlPlist } from '../../native/plist/codec.js';

/** What every simulator and SimActivationAuthority use unless told otherwise. */
export const DEFAULT_ACTIVATION_SECRET = 'benchline-sim/albert/v1';

export interface ActivationDeviceFacts {
  udid: string;
  serialNumber: string;
  productType: string;
  productVersion: string;
  buildVersion: string;
  imei: string | null;
  activationState: string;
}

/** The part of an ActivationInfo the server acts on. */
export interface ActivationRequestFacts {
  udid: string;
  serialNumber: string;
  nonce: Buffer;
}

export class ActivationFormatError extends Error {}

function sign(secret: string, purpose: 'info' | 'record', bytes: Buffer): Buffer {
  return createHmac('sha256', `${secret}/${purpose}`).update(bytes).digest();
}

function signatureMatches(expected: Buffer, actual: unknown): boolean {
  return actual instanceof Uint8Array && actual.length === expected.length && timingSafeEqual(Buffer.from(actual), expected);
}

function dictFrom(bytes: unknown, what: string): PlistDict {
  if (!(bytes instanceof Uint8Array)) throw new ActivationFormatError(`${what} is missing or not data`);
  let value;
  try {
    value = parsePlist(bytes);
  } catch {
    throw new ActivationFormatError(`${what} is not a property list`);
  }
  if (!isDict(value)) throw new ActivationFormatError(`${what} is not a dictionary`);
  return value;
}

function text(dict: PlistDict, key: string, what: string): string {
  const value = dict[key];
  if (typeof value !== 'string' || value === '') throw new ActivationFormatError(`${what} has no ${key}`);
  return value;
}

/** What CreateActivationInfoRequest answers: the device's identity and `nonce`, signed by the device. */
export function createActivationInfo(device: ActivationDeviceFacts, nonce: Buffer, secret: string): PlistDict {
  const requestInfo: PlistDict = { ActivationState: device.activationState, IsInCommerceMode: false, IsInternal: false };
  const infoXml: PlistDict = {
    ActivationRandomness: nonce.toString('base64'),
    ActivationRequestInfo: requestInfo,
    DeviceID: { SerialNumber: device.serialNumber, UniqueDeviceID: device.udid },
    DeviceInfo: { BuildVersion: device.buildVersion, ProductType: device.productType, ProductVersion: device.productVersion },
  };
  if (device.imei !== null) infoXml.BasebandRequestInfo = { InternationalMobileEquipmentIdentity: device.imei };
  const bytes = toXmlPlist(infoXml);
  return {
    ActivationInfoComplete: true,
    ActivationInfoXML: bytes,
    FairPlayCertChain: Buffer.from('simulated FairPlay certificate chain'),
    FairPlaySignature: sign(secret, 'info', bytes),
  };
}

/** Checks an ActivationInfo's signature and reads what the server needs. Throws ActivationFormatError. */
export function readActivationInfo(info: PlistDict, secret: string): ActivationRequestFacts {
  const bytes = info.ActivationInfoXML;
  const xml = dictFrom(bytes, 'ActivationInfoXML');
  if (!signatureMatches(sign(secret, 'info', Buffer.from(bytes as Uint8Array)), info.FairPlaySignature)) {
    throw new ActivationFormatError('the ActivationInfo signature does not match (not made by a simulated device, or altered)');
  }
  const deviceId = xml.DeviceID;
  if (!isDict(deviceId)) throw new ActivationFormatError('ActivationInfoXML has no DeviceID');
  const nonce = Buffer.from(text(xml, 'ActivationRandomness', 'ActivationInfoXML'), 'base64');
  return { udid: text(deviceId, 'UniqueDeviceID', 'DeviceID'), serialNumber: text(deviceId, 'SerialNumber', 'DeviceID'), nonce };
}

/** The ActivationRecord the server issues for one activation request. */
export function createActivationRecord(facts: ActivationRequestFacts, secret: string): PlistDict {
  const token = toXmlPlist({
    ActivationRandomness: facts.nonce.toString('base64'),
    ActivityURL: 'https://albert.apple.com/deviceservices/activity',
    IssuedAt: new Date().toISOString(),
    SerialNumber: facts.serialNumber,
    UniqueDeviceID: facts.udid,
  });
  return {
    unbrick: true,
    AccountToken: token,
    AccountTokenSignature: sign(secret, 'record', token),
    AccountTokenCertificate: Buffer.from('simulated account token certificate'),
    DeviceCertificate: Buffer.from('simulated device certificate'),
    FairPlayKeyData: randomBytes(32),
  };
}

/** Why `record` does not activate the device `udid` that issued `nonce`, or null when it does. */
export function activationRecordProblem(record: PlistDict, expected: { udid: string; nonce: Buffer | null }, secret: string): string | null {
  try {
    const tokenBytes = record.AccountToken;
    const token = dictFrom(tokenBytes, 'AccountToken');
    if (!signatureMatches(sign(secret, 'record', Buffer.from(tokenBytes as Uint8Array)), record.AccountTokenSignature)) return 'the AccountToken signature does not match';
    if (text(token, 'UniqueDeviceID', 'AccountToken') !== expected.udid) return 'the activation record is for another device';
    if (expected.nonce === null) return 'the device has not asked for activation (no CreateActivationInfoRequest)';
    if (!Buffer.from(text(token, 'ActivationRandomness', 'AccountToken'), 'base64').equals(expected.nonce)) return 'the activation record was made for an earlier activation request';
    return null;
  } catch (error) {
    if (error instanceof ActivationFormatError) return error.message;
    throw error;
  }
}
