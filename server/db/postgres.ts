/** PostgreSQL through a `pg` connection pool. */
import pg from 'pg';
import type { Database, Queryable, Row } from './database.js';

interface ClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

const wrap = (client: ClientLike): Queryable => ({
  async query<R extends Row>(sql: string, params: readonly unknown[] = []) {
    return (await client.query(sql, [...params])).rows as R[];
  },
  async execute(script: string) {
    // Without parameters pg uses the simple protocol, which accepts several statements.
    await client.query(script);
  },
});

export async function openPostgres(connectionString: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Fail at start, with the server's own message, rather than on the first request.
  const probe = await pool.connect();
  probe.release();
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
