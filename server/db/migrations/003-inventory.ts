import type { Migration } from './migration.js';

/**
 * The inventory (issue #5 part 3): one record per device, keyed by its case-sensitive serial
 * number, with its full history, its deprovisions, the Apple (DEP/ABM) actions queued for it,
 * and a change feed benches pull.
 *
 * - The pre-approved list folds into `devices` (preapproved = true): every `preapproved_devices`
 *   row is copied in as status pre-approved, and `preapproved_devices` becomes a view of the
 *   listed devices, so what read the old table still reads the same rows.
 * - Change feed: every write a bench must see (a device record, a purged device's tombstone, a
 *   setting) takes a new `change_seq` from ONE sequence. Writers take an advisory lock first
 *   (server/inventory/changes.ts), so transactions commit in seq order and a bench pulling
 *   "changes after N" never skips one that committed late.
 * - History is append-only and has no foreign key: the 90-day purge of personal devices deletes a
 *   device's history and leaves one "purged" entry.
 * - At most one pending deprovision per device (partial unique index), which is what the API's
 *   `deprovision-pending` refusal reports.
 */
export const migration003: Migration = {
  version: 3,
  name: 'inventory',
  sql: `
    CREATE SEQUENCE inventory_change_seq;

    CREATE TABLE devices (
      serial_number text PRIMARY KEY,
      udid text,
      ecid text,
      product_type text,
      product_version text,
      device_name text,
      platform text NOT NULL CHECK (platform IN ('android', 'ios', 'macos', 'tvos')),
      ownership text NOT NULL CHECK (ownership IN ('personal', 'corporate')),
      -- Must name a device user: checked per statement by the triggers below, not by a FOREIGN KEY.
      user_email text,
      status text NOT NULL CHECK (status IN ('pre-approved', 'enrolled', 'in-service', 'in-stock', 'retired', 'unenrolled')),
      preapproved boolean NOT NULL DEFAULT false,
      enrolled_at timestamptz,
      last_checkin_at timestamptz,
      first_observed_at timestamptz,
      purge_after timestamptz,
      revision integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      change_seq bigint NOT NULL DEFAULT nextval('inventory_change_seq')
    );
    CREATE INDEX devices_by_change_seq ON devices (change_seq);
    CREATE INDEX devices_by_user ON devices (user_email);
    -- TokenUpdate and CheckOut name the device by UDID only.
    CREATE INDEX devices_by_udid ON devices (udid) WHERE udid IS NOT NULL;
    CREATE INDEX devices_purge ON devices (purge_after) WHERE purge_after IS NOT NULL;

    -- A device removed from the server (the purge): benches pulling the feed drop it.
    CREATE TABLE device_tombstones (
      serial_number text PRIMARY KEY,
      removed_at timestamptz NOT NULL,
      change_seq bigint NOT NULL
    );
    -- A FOREIGN KEY checks each row with its own lookup, which made a 100k-row CSV import ~20 %
    -- slower; these statement triggers check a whole statement's rows in one anti-join instead.
    CREATE FUNCTION devices_name_known_users() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM written d WHERE d.user_email IS NOT NULL AND NOT EXISTS (SELECT 1 FROM device_users u WHERE u.email = d.user_email)) THEN
        RAISE EXCEPTION 'a device names a user that is not in device_users' USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER devices_user_on_insert AFTER INSERT ON devices REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION devices_name_known_users();
    CREATE TRIGGER devices_user_on_update AFTER UPDATE ON devices REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION devices_name_known_users();
    CREATE FUNCTION device_users_still_named() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM gone g JOIN devices d ON d.user_email = g.email) THEN
        RAISE EXCEPTION 'a device user that devices name cannot be removed' USING ERRCODE = 'foreign_key_violation';
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER device_users_on_delete AFTER DELETE ON device_users REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION device_users_still_named();
    -- An email is the user's identity: never changed in place (the WHEN costs no call on the
    -- imports' upserts, which leave it as it is).
    CREATE FUNCTION device_users_email_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the email of a device user is not changed in place' USING ERRCODE = 'foreign_key_violation';
    END $$;
    CREATE TRIGGER device_users_email_fixed BEFORE UPDATE ON device_users FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email) EXECUTE FUNCTION device_users_email_fixed();

    CREATE INDEX device_tombstones_by_change_seq ON device_tombstones (change_seq);

    CREATE TABLE device_history (
      id bigint GENERATED ALWAYS AS IDENTITY,
      serial_number text NOT NULL,
      at timestamptz NOT NULL,
      kind text NOT NULL,
      actor text NOT NULL,
      from_status text,
      to_status text,
      detail text
    );
    CREATE INDEX device_history_by_device ON device_history (serial_number, id);

    CREATE TABLE deprovisions (
      id uuid PRIMARY KEY,
      serial_number text NOT NULL REFERENCES devices (serial_number) ON DELETE CASCADE,
      reason text NOT NULL CHECK (reason IN ('in-repair', 'employee-left', 'retire', 'other')),
      note text,
      wipe text NOT NULL CHECK (wipe IN ('full', 'corporate-data')),
      request_info boolean NOT NULL,
      device_info jsonb,
      to_status text NOT NULL,
      state text NOT NULL CHECK (state IN ('pending', 'completed')),
      requested_by text NOT NULL,
      requested_at timestamptz NOT NULL,
      completed_at timestamptz,
      completion text
    );
    CREATE UNIQUE INDEX deprovisions_one_pending ON deprovisions (serial_number) WHERE state = 'pending';
    CREATE INDEX deprovisions_by_device ON deprovisions (serial_number, requested_at);

    -- DEP/ABM actions for the Apple integration (a later issue) to carry out.
    CREATE TABLE apple_queue (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      action text NOT NULL,
      serial_number text NOT NULL,
      deprovision_id uuid,
      state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
      queued_at timestamptz NOT NULL,
      detail text
    );

    ALTER TABLE settings ADD COLUMN change_seq bigint;
    UPDATE settings SET change_seq = nextval('inventory_change_seq');
    INSERT INTO settings (key, value, change_seq) VALUES ('licenses.total', 'null', nextval('inventory_change_seq'));
    ALTER TABLE settings ALTER COLUMN change_seq SET NOT NULL, ALTER COLUMN change_seq SET DEFAULT nextval('inventory_change_seq');
    CREATE INDEX settings_by_change_seq ON settings (change_seq);

    INSERT INTO devices (serial_number, device_name, platform, ownership, user_email, status, preapproved, created_at, updated_at)
      SELECT serial_number, device_name, platform, ownership, user_email, 'pre-approved', true, created_at, updated_at
      FROM preapproved_devices ORDER BY serial_number;
    INSERT INTO device_history (serial_number, at, kind, actor, from_status, to_status, detail)
      SELECT serial_number, updated_at, 'preapproved', 'server (migration 003)', NULL, 'pre-approved', 'on the pre-approved list before the inventory existed'
      FROM preapproved_devices;
    DROP TABLE preapproved_devices;
    CREATE VIEW preapproved_devices AS
      SELECT serial_number, platform, ownership, device_name, user_email, created_at, updated_at FROM devices WHERE preapproved;
  `,
};
