import type { Migration } from './migration.js';

/**
 * Lists (the pre-approved list, the inventory) are paged in serial-number order by byte value
 * (`COLLATE "C"`: serial numbers are case-sensitive codes, not words). Without an index in that
 * collation every page sorted all devices (one index serves the inventory and, filtered, the
 * pre-approved list; a second, partial one cost the 100k-row import ~0.4 s more): ~100 ms per page at 100k devices, which made a
 * bench or an admin wait while an import was writing between their requests.
 */
export const migration005: Migration = {
  version: 5,
  name: 'serial-order',
  sql: `
    CREATE INDEX devices_by_serial_c ON devices (serial_number COLLATE "C");
  `,
};
