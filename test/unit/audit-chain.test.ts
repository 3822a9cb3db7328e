/** The audit log as appended and read: the chain, the documented hash, paging. */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_PAGE_SIZE } from '../../core/audit/sqlite-audit-log.js';
import { openStore } from '../../core/store/sqlite-store.js';
import type { BenchStore } from '../../core/store/types.js';
import { tempDir } from './store-fixtures.js';
import { auditEntry } from './store-samples.js';

let temp: ReturnType<typeof tempDir>;
let store: BenchStore;
beforeEach(() => {
  temp = tempDir();
  store = openStore(temp.file());
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

describe('audit append', () => {
  it('chains each record to the one before, by the hash documented in canonical.ts', () => {
    const first = store.audit.append(auditEntry());
    const second = store.audit.append(auditEntry({ action: 'step.succeeded', stepKind: 'erase', detail: 'Erase accepted — «ok» 📱' }));
    expect(first).toMatchObject({ seq: 1, prevHash: '0'.repeat(64) });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });

    // Recomputed here from the documented rule, independently of the implementation.
    const expected = (prev: string, r: typeof first): string =>
      createHash('sha256')
        .update(prev + JSON.stringify([r.seq, r.at, r.technician, r.action, r.jobId, r.workflowId, r.stepKind, r.udid, r.serialNumber, r.result, r.detail]))
        .digest('hex');
    expect(first.hash).toBe(expected('0'.repeat(64), first));
    expect(second.hash).toBe(expected(first.hash, second));
    expect(store.audit.verify()).toEqual({ ok: true, records: 2, headHash: second.hash });
  });

  it('reads back exactly what was appended, from another connection too', () => {
    const appended = [store.audit.append(auditEntry()), store.audit.append(auditEntry({ result: 'failed: Locked', detail: 'The device is locked' }))];
    const other = openStore(temp.file());
    try {
      expect(other.audit.records()).toEqual(appended);
      // The other connection continues the same chain.
      expect(other.audit.append(auditEntry({ action: 'job.failed' }))).toMatchObject({ seq: 3, prevHash: appended[1]!.hash });
    } finally {
      other.close();
    }
    expect(store.audit.append(auditEntry({ action: 'job.retried' })).seq).toBe(4);
    expect(store.audit.verify()).toMatchObject({ ok: true, records: 4 });
  });

  it('stores a lone UTF-16 surrogate as SQLite will (U+FFFD), so the record still verifies', () => {
    const record = store.audit.append(auditEntry({ detail: 'cut emoji \uD83D' }));
    expect(record.detail).toBe('cut emoji \uFFFD');
    expect(store.audit.records()[0]).toEqual(record);
    expect(store.audit.verify()).toMatchObject({ ok: true, records: 1 });
  });

  it('refuses a malformed entry instead of recording it forever', () => {
    expect(() => store.audit.append({ ...auditEntry(), action: '' })).toThrow();
    expect(() => store.audit.append({ ...auditEntry(), technician: 42 } as never)).toThrow();
    expect(store.audit.records()).toEqual([]);
  });
});

describe('audit records', () => {
  it('pages by seq, oldest first', () => {
    const count = AUDIT_PAGE_SIZE + 5;
    for (let i = 1; i <= count; i += 1) store.audit.append(auditEntry({ detail: String(i) }));
    const page1 = store.audit.records();
    expect(page1).toHaveLength(AUDIT_PAGE_SIZE);
    expect(page1[0]!.seq).toBe(1);
    const page2 = store.audit.records(page1.at(-1)!.seq + 1);
    expect(page2.map((record) => record.detail)).toEqual(['1001', '1002', '1003', '1004', '1005']);
    expect(store.audit.records(count + 1)).toEqual([]);
  });
});
