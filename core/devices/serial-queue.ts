/**
 * Runs tasks one after another per key. The registry keys reads by UDID, so
 * a replugged device's new read waits for the old one to finish instead of
 * opening a second lockdown session to the same device.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch(() => undefined);
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }
}
