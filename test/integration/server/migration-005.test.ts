/** Migration 005 (serial-number order index), on PGlite and on PostgreSQL. */
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { migrate } from '../../../server/db/migrations/index.js';
import { listPreapproved, importPreapproved } from '../../../server/store/preapproved.js';
import { databaseTargets, describeEachDatabase } from '../../support/postgres.js';
import { useDatabase } from '../../support/server.js';

const targets = await databaseTargets();

describeEachDatabase('migration 005', targets, (target) => {
  const db = useDatabase(target, { migrated: false });

  it('keeps the list and pages it in byte order of serial numbers (upper case before lower case), as before', async () => {
    await migrate(db(), 4);
    const csv = ['Name,Email,Ownership,Serial Number,Platform', 'Ana,ana@example.org,corporate,b100,ios', 'Ana,ana@example.org,corporate,B200,ios', 'Bo,bo@example.org,personal,A300,macos'].join('\n');
    await importPreapproved(db(), Readable.from([csv]), { mode: 'skip', now: new Date(), actor: 'test' });
    const before = await listPreapproved(db(), { offset: 0, limit: 10 });
    expect(await migrate(db(), 5)).toEqual([5]);
    const after = await listPreapproved(db(), { offset: 0, limit: 10 });
    expect(after.devices.map((device) => device.serialNumber)).toEqual(['A300', 'B200', 'b100']);
    expect(after).toEqual(before);
    const indexes = (await db().query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE tablename = 'devices' AND indexname = 'devices_by_serial_c'")).map((row) => row.name);
    expect(indexes).toEqual(['devices_by_serial_c']);
  });
});
