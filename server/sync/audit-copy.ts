/**
 * The server's copy of each bench's hash-chained audit log (migration 004): an anchor outside
 * the bench, so a bench whose log was rewritten afterwards no longer matches what it sent.
 * Records arrive in the bench's order; each must continue the chain the server already holds
 * and hash to what it claims (core/contract/audit-hash.ts).
 */
import { GENESIS_HASH, recordHash } from '../../core/contract/audit-hash.js';
import type { AuditRecord } from '../../core/contract/server-wire.js';
import type { Queryable } from '../db/database.js';
import { EventRejected } from './rejection.js';

const broken = (message: string, hint: string): EventRejected => new EventRejected({ code: 'audit-chain-broken', message, hint });

/**
 * One bench's chain as a batch appends to it: the last record held is read once, then followed
 * in memory as records are stored (inside the batch's transaction). A record is stored only when
 * it continues the chain; otherwise EventRejected says which record the server expected.
 */
export class AuditChain {
  private head: { seq: number; hash: string } | undefined;

  constructor(
    private readonly tx: Queryable,
    private readonly benchId: string,
  ) {}

  async append(record: AuditRecord, now: Date): Promise<void> {
    this.head ??= await this.lastHeld();
    const expectedSeq = this.head.seq + 1;
    const expectedPrev = this.head.hash;
    if (record.seq !== expectedSeq) {
      throw broken(
        `Audit record ${record.seq} does not follow the server's copy of this bench's log: the server expected record ${expectedSeq}.`,
        record.seq < expectedSeq
          ? 'The server already holds a different record at this position: the bench log was rewritten or the bench was restored from a backup; have it checked (benchline audit verify) before it syncs its audit again.'
          : `Records ${expectedSeq}-${record.seq - 1} were never received: the bench must push them first, in order.`,
      );
    }
    if (record.prevHash !== expectedPrev) {
      throw broken(
        `Audit record ${record.seq} names previous hash ${record.prevHash.slice(0, 12)}…, but the server's copy of record ${expectedSeq - 1} has hash ${expectedPrev.slice(0, 12)}…: the server expected record ${expectedSeq} to chain to it.`,
        "The bench's log differs from what it sent before; have it checked (benchline audit verify).",
      );
    }
    if (recordHash(record.prevHash, record) !== record.hash) {
      throw new EventRejected({
        code: 'audit-hash-mismatch',
        message: `Audit record ${record.seq}'s hash does not match its content: it was changed after it was hashed.`,
        hint: "The bench's log was altered; have it checked (benchline audit verify). The server kept the records before this one.",
      });
    }
    await this.tx.query(
      `INSERT INTO bench_audit (bench_id, seq, at, technician, action, job_id, workflow_id, step_kind, udid, serial_number, result, detail, prev_hash, hash, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [this.benchId, record.seq, record.at, record.technician, record.action, record.jobId, record.workflowId, record.stepKind, record.udid, record.serialNumber, record.result, record.detail, record.prevHash, record.hash, now],
    );
    this.head = { seq: record.seq, hash: record.hash };
  }

  private async lastHeld(): Promise<{ seq: number; hash: string }> {
    const rows = await this.tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM bench_audit WHERE bench_id = $1 ORDER BY seq DESC LIMIT 1', [this.benchId]);
    const last = rows[0];
    return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }
}
