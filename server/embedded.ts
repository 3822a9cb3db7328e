/**
 * The central server inside a bench's own process ("standalone", issue #5):
 * a bench with no server configured still keeps an inventory, a pre-approved
 * list and deprovisions, through the same HTTP API and the same sync as with
 * a shared server, over embedded PGlite in a directory beside the bench's record.
 * Listens on loopback only, on any free port; the bench is its only client.
 */
import type { FastifyServerOptions } from 'fastify';
import { buildServer } from './app.js';
import { issueStandaloneBenchToken } from './auth/store.js';
import { openPGlite } from './db/pglite.js';
import { migrate } from './db/migrations/index.js';

/** Fixed: the standalone bench must keep its identity (sync receipts are per bench) from one start to the next. */
export const STANDALONE_BENCH_ID = '00000000-0000-4000-8000-00000000b1e5';

export interface EmbeddedServerOptions {
  /** PGlite's data directory (created when missing). */
  dataDir: string;
  benchName: string;
  logger?: FastifyServerOptions['logger'];
}

export interface EmbeddedServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The standalone bench's token for this run. */
  readonly benchToken: string;
  readonly benchId: string;
  close(): Promise<void>;
}

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const db = await openPGlite(options.dataDir);
  try {
    await migrate(db);
    const { bench, token } = await db.transaction((tx) => issueStandaloneBenchToken(tx, { id: STANDALONE_BENCH_ID, name: options.benchName, now: new Date() }));
    const app = await buildServer({ db, logger: options.logger ?? false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
    } catch (error) {
      await app.close();
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return {
      url: `http://127.0.0.1:${port}`,
      benchToken: token,
      benchId: bench.id,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
