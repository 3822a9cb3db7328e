/**
 * How a bench's audit record is hashed, precisely enough to verify an export with another
 * tool. core/audit writes the chain with it; the server (which may import only core/contract)
 * keeps a copy of each bench's chain and checks every record it receives with it.
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

export const GENESIS_HASH = '0'.repeat(64);

export const CANONICAL_FIELDS = ['seq', 'at', 'technician', 'action', 'jobId', 'workflowId', 'stepKind', 'udid', 'serialNumber', 'result', 'detail'] as const;

/** The hashed fields of a record (core/store's AuditEntry plus its seq; the wire's AuditRecord). */
export interface HashedAuditFields {
  readonly seq: number;
  readonly at: string;
  readonly technician: string;
  readonly action: string;
  readonly jobId: string | null;
  readonly workflowId: string | null;
  readonly stepKind: string | null;
  readonly udid: string | null;
  readonly serialNumber: string | null;
  readonly result: string;
  readonly detail: string | null;
}

export function canonicalJson(record: HashedAuditFields): string {
  return JSON.stringify(CANONICAL_FIELDS.map((field) => record[field]));
}

export function recordHash(prevHash: string, record: HashedAuditFields): string {
  return createHash('sha256').update(prevHash + canonicalJson(record), 'utf8').digest('hex');
}
