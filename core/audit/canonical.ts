/**
 * How an audit record is hashed: sha256(prevHash + canonical JSON of its fields), spelled out in
 * core/contract/audit-hash.ts, which the server shares to check the copies benches send it.
 */
import type { AuditEntry } from '../store/types.js';

export { CANONICAL_FIELDS, GENESIS_HASH, canonicalJson, recordHash } from '../contract/audit-hash.js';

export type HashedFields = AuditEntry & { seq: number };
