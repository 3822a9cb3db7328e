/**
 * Schema 4: a technician acknowledges the outbox entries the server refused
 * for good (sync.acknowledgeRejections). The entry stays, with its reason,
 * as the record of what the server refused; `acknowledged_at` only takes it
 * out of the count the sync state shows. Who acknowledged it is in the audit log.
 */
import type { Migration } from './migration.js';

export const SQL = `
ALTER TABLE outbox ADD COLUMN acknowledged_at TEXT;
CREATE INDEX outbox_unacknowledged_rejections ON outbox (seq) WHERE state = 'rejected' AND acknowledged_at IS NULL;
`;

export const migration004: Migration = {
  version: 4,
  name: 'rejection-acknowledgement',
  up: (db) => db.exec(SQL),
};
