/** Fakes for the renderer's session tests: a connection whose calls the test answers by hand. */
import { expect } from 'vitest';
import type { BenchEvent, Envelope, Method, Params, Result } from '../../core/contract/index.js';
import type { BenchConnection, LinkStatus } from '../../renderer/api/connection.js';

interface PendingCall {
  readonly method: Method;
  readonly params: unknown;
  readonly resolve: (result: Envelope<unknown>) => void;
}

/** Lets the session's awaits after an answered call run before the test looks. */
const flushPromises = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A connection whose calls the test answers one by one, and whose events and link status it pushes. */
export function fakeConnection() {
  const calls: PendingCall[] = [];
  const eventListeners = new Set<(event: BenchEvent) => void>();
  const statusListeners = new Set<(status: LinkStatus) => void>();
  let status: LinkStatus = { phase: 'connecting', attempt: 0 };
  const connection: BenchConnection = {
    call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
      return new Promise((resolve) => calls.push({ method, params, resolve: resolve as (result: Envelope<unknown>) => void }));
    },
    subscribe(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    close() {},
  };
  return {
    connection,
    calls,
    emit: (event: BenchEvent) => eventListeners.forEach((listener) => listener(event)),
    link: (next: LinkStatus) => {
      status = next;
      statusListeners.forEach((listener) => listener(next));
    },
    /** Answers the oldest unanswered call, which must be `method`. */
    async answer(method: Method, value: unknown) {
      const call = calls.shift();
      expect(call?.method).toBe(method);
      call!.resolve({ ok: true, value });
      await flushPromises();
    },
    /** Refuses the oldest unanswered call, which must be `method`, with `code` (message and hint derived from it). */
    async fail(method: Method, code: string) {
      const call = calls.shift();
      expect(call?.method).toBe(method);
      call!.resolve({ ok: false, error: { code, message: `${code} message`, hint: `${code} hint` } });
      await flushPromises();
    },
  };
}
