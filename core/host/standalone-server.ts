/**
 * The one door from the bench into server/: the embedded central server a
 * bench runs in its own process when no server is configured ("standalone").
 * Everything else reaches the server over HTTP, as with a shared one.
 */
export { startEmbeddedServer, STANDALONE_BENCH_ID, type EmbeddedServer } from '../../server/embedded.js';
