/**
 * Setting a device's management state straight from the control interface
 * (`POST /devices/:id/management`), so a test can start from "supervised,
 * activated, MDM profile installed" without walking the device there
 * through the services first. JSON in; plist data (SupervisorHostCertificates)
 * as base64 strings, the way device info shows it.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import type { SimDevice } from './device.js';
import type { ProfileRecord } from './management.js';

export class ManagementBodyError extends Error {}

export interface ManagementChange {
  activationState?: string;
  inSetupAssistant?: boolean;
  passcode?: boolean;
  /** null removes it. */
  cloudConfiguration?: PlistDict | null;
  /** Replaces the installed profiles. */
  profiles?: ProfileRecord[];
}

function jsonToPlist(value: unknown, where: string): PlistValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((entry, index) => jsonToPlist(entry, `${where}[${index}]`));
  if (typeof value === 'object') {
    const out: PlistDict = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) out[key] = jsonToPlist(entry, `${where}.${key}`);
    return out;
  }
  throw new ManagementBodyError(`${where} is not a plist value`);
}

function cloudConfiguration(value: unknown): PlistDict | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ManagementBodyError('"cloudConfiguration" must be an object or null');
  const dict = jsonToPlist(value, 'cloudConfiguration') as PlistDict;
  const certificates = dict.SupervisorHostCertificates;
  if (certificates !== undefined) {
    if (!Array.isArray(certificates) || !certificates.every((entry) => typeof entry === 'string')) {
      throw new ManagementBodyError('"cloudConfiguration.SupervisorHostCertificates" must be an array of base64 DER certificates');
    }
    dict.SupervisorHostCertificates = certificates.map((entry) => Buffer.from(entry as string, 'base64'));
  }
  return dict;
}

function profile(value: unknown, index: number): ProfileRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ManagementBodyError(`profiles[${index}] must be an object`);
  const entry = value as Record<string, unknown>;
  if (typeof entry.identifier !== 'string' || entry.identifier === '') throw new ManagementBodyError(`profiles[${index}].identifier is required`);
  const text = (key: string): string | null => (typeof entry[key] === 'string' ? (entry[key] as string) : null);
  const types = entry.payloadTypes ?? [];
  if (!Array.isArray(types) || !types.every((type) => typeof type === 'string')) throw new ManagementBodyError(`profiles[${index}].payloadTypes must be strings`);
  return {
    identifier: entry.identifier,
    uuid: text('uuid') ?? `${entry.identifier}-uuid`,
    version: typeof entry.version === 'number' ? entry.version : 1,
    displayName: text('displayName') ?? entry.identifier,
    description: text('description'),
    organization: text('organization'),
    removalDisallowed: entry.removalDisallowed === true,
    payloadTypes: types as string[],
  };
}

/** Parses the JSON body; throws ManagementBodyError on anything malformed. */
export function parseManagementChange(body: Record<string, unknown>): ManagementChange {
  const change: ManagementChange = {};
  if (body.activationState !== undefined) {
    if (typeof body.activationState !== 'string' || body.activationState === '') throw new ManagementBodyError('"activationState" must be a string such as "Activated"');
    change.activationState = body.activationState;
  }
  for (const key of ['inSetupAssistant', 'passcode'] as const) {
    if (body[key] === undefined) continue;
    if (typeof body[key] !== 'boolean') throw new ManagementBodyError(`"${key}" must be true or false`);
    change[key] = body[key];
  }
  if (body.cloudConfiguration !== undefined) change.cloudConfiguration = cloudConfiguration(body.cloudConfiguration);
  if (body.profiles !== undefined) {
    if (!Array.isArray(body.profiles)) throw new ManagementBodyError('"profiles" must be an array');
    change.profiles = body.profiles.map(profile);
  }
  return change;
}

export function applyManagementChange(device: SimDevice, change: ManagementChange): void {
  const management = device.management;
  if (change.activationState !== undefined) management.activationState = change.activationState;
  if (change.inSetupAssistant !== undefined) management.inSetupAssistant = change.inSetupAssistant;
  if (change.passcode !== undefined) device.passcode = change.passcode;
  if (change.cloudConfiguration !== undefined) management.cloudConfiguration = change.cloudConfiguration;
  if (change.profiles !== undefined) {
    management.profiles.clear();
    for (const entry of change.profiles) management.profiles.set(entry.identifier, entry);
  }
}
