/**
 * Delay before reconnect attempt `attempt` (1-based): quick at first, so a
 * restarted host is back within a blink, then doubling to a ceiling, so a
 * host that is down for good is not hammered.
 */
export interface Backoff {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 250, maxMs: 5000 };

export function reconnectDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(exponent, 20));
}
