/** The pre-approved list's fields (seed 004) and the values its closed fields accept. */
import { MANDATORY_PREAPPROVED_FIELDS, PLATFORMS as WIRE_PLATFORMS, PREAPPROVED_FIELDS } from '../../core/contract/server-wire.js';

/** The wire's values in the order the CSV's messages list them ("one of personal, corporate"). */
export const OWNERSHIPS = ['personal', 'corporate'] as const;
export type Ownership = (typeof OWNERSHIPS)[number];

export const PLATFORMS = WIRE_PLATFORMS;
export type Platform = (typeof PLATFORMS)[number];

/** In the order of the canonical header (the one export writes); the bench and server share the list. */
export const FIELDS = PREAPPROVED_FIELDS;
export type PreapprovedField = (typeof FIELDS)[number];

export const MANDATORY_FIELDS = MANDATORY_PREAPPROVED_FIELDS;

/** The header export writes; every label maps back to its field automatically. */
export const CANONICAL_HEADER: Readonly<Record<PreapprovedField, string>> = {
  name: 'Name',
  email: 'Email',
  mobile: 'Mobile',
  ownership: 'Ownership',
  serialNumber: 'Serial Number',
  deviceName: 'Device Name',
  platform: 'Platform',
  samAccountName: 'SAMAccountName',
  password: 'Password',
};

/** How a field is named in messages. */
export const FIELD_LABEL: Readonly<Record<PreapprovedField, string>> = {
  name: 'name',
  email: 'email',
  mobile: 'mobile',
  ownership: 'ownership',
  serialNumber: 'serial number',
  deviceName: 'device name',
  platform: 'platform',
  samAccountName: 'SAMAccountName',
  password: 'password',
};

/** One valid row of the list. Optional values that were empty are null. */
export interface PreapprovedRow {
  /** The line the row starts on, as a text editor numbers it (the header is line 1). */
  line: number;
  name: string;
  email: string;
  ownership: Ownership;
  serialNumber: string;
  platform: Platform;
  mobile: string | null;
  deviceName: string | null;
  samAccountName: string | null;
  password: string | null;
}

/** A row to export: a PreapprovedRow without its line (rows from a database have none). */
export type PreapprovedEntry = Omit<PreapprovedRow, 'line'>;
