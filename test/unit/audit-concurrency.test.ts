/** Appends from several connections and processes on one file make one chain, never a fork. */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/sqlite-store.js';
import type { AuditRecord } from '../../core/store/types.js';
import { storeChildFixture } from './store-fixtures.js';
import { auditEntry } from './store-samples.js';

const child = storeChildFixture();

describe('concurrent appends', () => {
  it('two connections taking turns each continue from the other\'s newest record', () => {
    const file = child.tempFile('turns.db');
    const a = openStore(file);
    const b = openStore(file);
    try {
      for (let i = 0; i < 10; i += 1) (i % 2 ? b : a).audit.append(auditEntry({ detail: String(i) }));
      expect(a.audit.verify()).toMatchObject({ ok: true, records: 10 });
      expect(b.audit.records().map((record) => record.detail)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    } finally {
      a.close();
      b.close();
    }
  });

  it('two processes appending at once keep one intact chain with every record', async () => {
    const file = child.tempFile('race.db');
    openStore(file).close();
    // Both start hammering at the same instant (after their start-up) for the same window.
    const startAt = Date.now() + 1500;
    const children = ['left', 'right'].map((name) => child.run(['append', file, name, String(startAt), '400']));
    const exits = await Promise.all(children);
    const counts = exits.map((exit) => {
      expect(exit).toMatchObject({ code: 0, stderr: '' });
      return Number(exit.stdout);
    });

    const store = openStore(file);
    try {
      const total = counts[0]! + counts[1]!;
      expect(store.audit.verify()).toMatchObject({ ok: true, records: total });
      const records: AuditRecord[] = [];
      for (let page = store.audit.records(); page.length > 0; page = store.audit.records(page.at(-1)!.seq + 1)) records.push(...page);
      ['left', 'right'].forEach((name, i) => {
        expect(records.filter((record) => record.technician === name).map((record) => Number(record.detail))).toEqual(Array.from({ length: counts[i]! }, (_, n) => n));
      });
      // The writer changed many times: the appends really did contend for the head.
      const switches = records.filter((record, i) => i > 0 && record.technician !== records[i - 1]!.technician).length;
      expect(switches, `appends interleaved only ${switches} times`).toBeGreaterThan(2);
    } finally {
      store.close();
    }
  });
});
