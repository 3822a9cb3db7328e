/**
 * The 90-day purge of personal devices (seed 000): a personal device Retired stays on the server
 * for PERSONAL_PURGE_DAYS, then everything about it goes: its record, history and deprovisions,
 * and its user when no other device names them. What remains is a tombstone (serial and change
 * seq: benches pulling the feed drop the device too) and one history entry saying it was purged.
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { lockChanges, NEXT_CHANGE } from './changes.js';

export async function purgeExpired(db: Database, now: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    await lockChanges(tx);
    const expired = await tx.query<{ serial_number: string; user_email: string | null }>(
      "SELECT serial_number, user_email FROM devices WHERE purge_after <= $1 AND status = 'retired' AND ownership = 'personal' FOR UPDATE",
      [now],
    );
    if (expired.length === 0) return [];
    const serials = expired.map((row) => row.serial_number);
    await tx.query('DELETE FROM device_history WHERE serial_number = ANY($1::text[])', [serials]);
    await tx.query('DELETE FROM devices WHERE serial_number = ANY($1::text[])', [serials]); // deprovisions cascade
    await tx.query(
      `INSERT INTO device_tombstones (serial_number, removed_at, change_seq) SELECT serial, $2, ${NEXT_CHANGE} FROM unnest($1::text[]) AS t (serial)
       ON CONFLICT (serial_number) DO UPDATE SET removed_at = excluded.removed_at, change_seq = excluded.change_seq`,
      [serials, now],
    );
    await tx.query(
      `INSERT INTO device_history (serial_number, at, kind, actor, from_status, to_status, detail)
       SELECT serial, $2, 'purged', 'server (90-day purge)', 'retired', NULL, 'personal device removed 90 days after retirement' FROM unnest($1::text[]) AS t (serial)`,
      [serials, now],
    );
    const emails = [...new Set(expired.map((row) => row.user_email).filter((email): email is string => email !== null))];
    await tx.query('DELETE FROM device_users u WHERE u.email = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.user_email = u.email)', [emails]);
    return serials;
  });
}

const HOUR = 60 * 60 * 1000;

/**
 * Runs the purge when the server is ready and every `intervalMs` (an hour) after, on the
 * server's clock; the timer does not keep the process alive and stops when the server closes.
 * A failed run is logged and tried again at the next tick.
 */
export function schedulePurge(app: FastifyInstance, db: Database, now: () => Date, intervalMs = HOUR): void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = async (): Promise<void> => {
    try {
      const purged = await purgeExpired(db, now());
      if (purged.length > 0) app.log.info({ count: purged.length, serialNumbers: purged }, 'personal devices purged 90 days after retirement');
    } catch (error) {
      app.log.error({ err: error }, 'purging retired personal devices failed; tried again at the next run');
    }
  };
  app.addHook('onReady', async () => {
    running = run();
    await running;
    timer = setInterval(() => {
      running = run();
    }, intervalMs);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
}
