/**
 * Runs tasks one after another per key. The registry keys reads by UDID, so
 * a replugged device's new read waits for the old one to finish instead of
 * opening a second lockdown session to the same device; the lockdown module
 * does the same so that one session never carries two requests at once.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves or rejects with the task's own outcome; a failed task never blocks the ones after it. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far, for every key, has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
