/** `benchline watch`: registry changes as JSON lines, until SIGINT/SIGTERM. */
import type { DeviceRegistry } from '../devices/registry.js';
import type { DeviceRecord } from '../devices/identity.js';
import { pick, ALL_FIELDS } from './output.js';

export interface WatchLine {
  event: 'attached' | 'detached' | 'state' | 'updated';
  time: string;
  device: Record<string, unknown>;
}

export async function watchEvents(registry: DeviceRegistry, emit: (line: WatchLine) => void, stopSignal?: AbortSignal): Promise<void> {
  const lastState = new Map<string, DeviceRecord['state']>();
  const line = (event: WatchLine['event'], record: DeviceRecord): WatchLine => ({ event, time: new Date().toISOString(), device: pick(record, ALL_FIELDS) });
  for (const record of registry.list()) {
    lastState.set(record.id, record.state);
    emit(line('attached', record));
  }
  const subscription = registry.onChange((change) => {
    const previous = lastState.get(change.record.id);
    if (change.kind === 'removed') {
      lastState.delete(change.record.id);
      emit(line('detached', change.record));
    } else if (change.kind === 'added' || previous === undefined) {
      lastState.set(change.record.id, change.record.state);
      emit(line('attached', change.record));
    } else {
      lastState.set(change.record.id, change.record.state);
      emit(line(previous === change.record.state ? 'updated' : 'state', change.record));
    }
  });
  await new Promise<void>((resolve) => {
    const finish = (): void => resolve();
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    stopSignal?.addEventListener('abort', finish);
  });
  subscription.close();
  // Stopping waits (briefly) for reads still talking to devices; a second Ctrl-C does not.
  process.stderr.write('benchline: stopping… (Ctrl-C again to quit at once)\n');
  process.once('SIGINT', () => process.exit(130));
}
