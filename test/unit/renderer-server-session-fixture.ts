/** The server session (renderer/api/server-session.ts) over a fake connection, with frames flushed by hand. */
import { startServerSession } from '../../renderer/api/server-session.js';
import { createBenchStore } from '../../renderer/state/store.js';
import { fakeConnection } from './renderer-fakes.js';

export function createServerSessionFixture() {
  const fake = fakeConnection();
  const store = createBenchStore('websocket');
  const frames: (() => void)[] = [];
  let refreshes = 0;
  startServerSession(fake.connection, store.getState().actions, (flush) => frames.push(flush), () => refreshes++);
  return {
    ...fake,
    store,
    sync: () => store.getState().server.sync.availability,
    refreshes: () => refreshes,
    flushFrame: () => frames.splice(0).forEach((flush) => flush()),
  };
}
