/** The hash-chained audit log: the store opens it (BenchStore.audit); the hash rule is in canonical.ts. */
export { createAuditLog, AUDIT_PAGE_SIZE } from './sqlite-audit-log.js';
export { CANONICAL_FIELDS, GENESIS_HASH, canonicalJson, recordHash } from './canonical.js';
