/** The bench's own record: open it with openStore(defaultStorePath()). */
export { openStore } from './sqlite-store.js';
export { defaultStorePath, ensureStoreDirectory } from './location.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export type { OpenOptions } from './database.js';
export * from './types.js';
export { SyncStore, openSyncStore, type Enrollment, type InventoryChanges, type InventoryQuery, type OutboxEntry, type OutboxState, type SyncProblem, type SyncState } from './sync-store.js';
