import type { Migration } from './migration.js';

/**
 * The pre-approved list (seed 004, issue #5 part 4): the people devices are pre-approved for,
 * the devices, and server settings with "pre-approved devices only" (off by default).
 *
 * Values are case-sensitive (seed 004), so serial numbers and emails are compared exactly:
 * `C02XK1` and `c02xk1` are two devices, and two emails differing only in case are two people
 * (the CSV module warns about them). These people are not login users (the `users` table):
 * employees who receive devices, not admins or technicians.
 *
 * The CSV's optional Password column is not stored at all, not even hashed: nothing on the
 * server verifies it (Apple's MDM check-in carries no per-device password), and a fast hash
 * of a short device password is easily reversed, while a slow one (scrypt) would cost
 * minutes on a 100k-row import. The import counts the passwords it ignored.
 */
export const migration002: Migration = {
  version: 2,
  name: 'preapproved',
  sql: `
    CREATE TABLE device_users (
      email text PRIMARY KEY,
      name text NOT NULL,
      mobile text,
      sam_account_name text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );

    CREATE TABLE preapproved_devices (
      serial_number text PRIMARY KEY,
      platform text NOT NULL CHECK (platform IN ('android', 'ios', 'macos', 'tvos')),
      ownership text NOT NULL CHECK (ownership IN ('personal', 'corporate')),
      device_name text,
      user_email text NOT NULL REFERENCES device_users (email) ON UPDATE CASCADE,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX preapproved_devices_by_user ON preapproved_devices (user_email);

    CREATE TABLE settings (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO settings (key, value) VALUES ('enrollment.preapprovedOnly', 'false');
  `,
};
