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
 * in memory. A record is taken only when it continues the chain and hashes to what it claims;
 * otherwise EventRejected says which record the server expected. Records taken are queued and
 * stored together by `flush` (one INSERT for a run of them: audit records are most of a busy
 * bench's outbox), inside the batch's transaction.
 */
export class AuditChain {
  private head: { seq: number; hash: string } | undefined;
  private readonly queued: AuditRecord[] = [];

  constructor(
    private readonly tx: Queryable,
    private readonly benchId: string,
  ) {}

  /** Checks the record against the chain so far (stored and queued) and queues it. */
  async queue(record: AuditRecord): Promise<void> {
    this.head ??= await this.lastHeld();
    this.check(record, this.head);
    this.queued.push(record);
    this.head = { seq: record.seq, hash: record.hash };
  }

  /** Stores the queued records, in one statement. */
  async flush(now: Date): Promise<void> {
    if (this.queued.length === 0) return;
    const rows = this.queued.splice(0);
    const column = <T>(pick: (record: AuditRecord) => T): T[] => rows.map(pick);
    await this.tx.query(
      `INSERT INTO bench_audit (bench_id, seq, at, technician, action, job_id, workflow_id, step_kind, udid, serial_number, result, detail, prev_hash, hash, received_at)
       SELECT $1, r.*, $15 FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[]) AS r`,
      [
        this.benchId,
        column((r) => r.seq), column((r) => r.at), column((r) => r.technician), column((r) => r.action), column((r) => r.jobId), column((r) => r.workflowId),
        column((r) => r.stepKind), column((r) => r.udid), column((r) => r.serialNumber), column((r) => r.result), column((r) => r.detail), column((r) => r.prevHash), column((r) => r.hash),
        now,
      ],
    );
  }

  /** Queues and stores one record; when storing fails the chain is as before it (the caller rolls back its savepoint). */
  async append(record: AuditRecord, now: Date): Promise<void> {
    const before = this.head;
    try {
      await this.queue(record);
      await this.flush(now);
    } catch (error) {
      this.head = before;
      this.queued.length = 0;
      throw error;
    }
  }

  private check(record: AuditRecord, head: { seq: number; hash: string }): void {
    const expectedSeq = head.seq + 1;
    if (record.seq !== expectedSeq) {
      throw broken(
        `Audit record ${record.seq} does not follow the server's copy of this bench's log: the server expected record ${expectedSeq}.`,
        record.seq < expectedSeq
          ? 'The server already holds a different record at this position: the bench log was rewritten or the bench was restored from a backup; have it checked (benchline audit verify) before it syncs its audit again.'
          : `Records ${expectedSeq}-${record.seq - 1} were never received: the bench must push them first, in order.`,
      );
    }
    if (record.prevHash !== head.hash) {
      throw broken(
        `Audit record ${record.seq} names previous hash ${record.prevHash.slice(0, 12)}…, but the server's copy of record ${head.seq} has hash ${head.hash.slice(0, 12)}…: the server expected record ${expectedSeq} to chain to it.`,
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
  }

  private async lastHeld(): Promise<{ seq: number; hash: string }> {
    const rows = await this.tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM bench_audit WHERE bench_id = $1 ORDER BY seq DESC LIMIT 1', [this.benchId]);
    const last = rows[0];
    return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }
}
