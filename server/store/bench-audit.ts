/**
 * Reading the server's copy of a bench's audit log (written by sync, server/sync/audit-copy.ts):
 * how many records it holds and the newest one's hash, which an auditor compares with
 * `benchline audit export` at the bench — a bench whose log was rewritten no longer matches.
 */
import type { Queryable } from '../db/database.js';

export interface AuditCopyHead {
  count: number;
  lastSeq: number | null;
  headHash: string | null;
  lastAt: string | null;
}

export async function auditCopyHead(q: Queryable, benchId: string): Promise<AuditCopyHead> {
  const [totals] = await q.query<{ count: string | number; last_seq: number | null }>('SELECT count(*) AS count, max(seq) AS last_seq FROM bench_audit WHERE bench_id = $1', [benchId]);
  const lastSeq = totals?.last_seq ?? null;
  if (lastSeq === null) return { count: 0, lastSeq: null, headHash: null, lastAt: null };
  const [head] = await q.query<{ hash: string; at: string }>('SELECT hash, at FROM bench_audit WHERE bench_id = $1 AND seq = $2', [benchId, lastSeq]);
  return { count: Number(totals!.count), lastSeq, headHash: head?.hash ?? null, lastAt: head?.at ?? null };
}
