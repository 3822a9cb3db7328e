/**
 * How an audit record is hashed, precisely enough to verify an export with
 * another tool:
 *
 *   hash = sha256( prevHash + canonical(record) ), as lowercase hex
 *
 * where `prevHash` is the previous record's hash as 64 lowercase hex
 * characters (64 zeros for record 1; fixed length, so the concatenation is
 * unambiguous) and `canonical(record)` is the UTF-8 of a JSON array (no
 * whitespace, ECMAScript JSON.stringify string escaping) of these fields in
 * this order, `null` for absent values:
 *
 *   [seq, at, technician, action, jobId, workflowId, stepKind, udid, serialNumber, result, detail]
 *
 * An array, not an object, so that no key order has to be agreed on; `seq`
 * is inside so that a record moved to another position no longer matches.
 */
import { createHash } from 'node:crypto';
import type { AuditEntry } from '../store/types.js';

export const GENESIS_HASH = '0'.repeat(64);

export const CANONICAL_FIELDS = ['seq', 'at', 'technician', 'action', 'jobId', 'workflowId', 'stepKind', 'udid', 'serialNumber', 'result', 'detail'] as const;

export type HashedFields = AuditEntry & { seq: number };

export function canonicalJson(record: HashedFields): string {
  return JSON.stringify(CANONICAL_FIELDS.map((field) => record[field]));
}

export function recordHash(prevHash: string, record: HashedFields): string {
  return createHash('sha256').update(prevHash + canonicalJson(record), 'utf8').digest('hex');
}
