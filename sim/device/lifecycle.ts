/**
 * Simulator-wide timing of the device life cycle: how long an erased or
 * restarted device stays off USB, and how long each service step takes
 * before its reply (a real EraseDevice or SetCloudConfiguration is not
 * instant, and a bench's timeouts must be tested against that).
 */

export const DEFAULT_ERASE_GONE_MS = 3000;
export const DEFAULT_RESTART_GONE_MS = 2000;
/** Above any sensible simulation; keeps a typo from parking a device for days. */
const MAX_MS = 3_600_000;

export interface LifecycleOptions {
  /** After EraseDevice is acknowledged, how long the device stays detached before it comes back wiped (default 3000). */
  eraseGoneMs?: number;
  /** After a diagnostics Restart, how long the device stays detached (default 2000). */
  restartGoneMs?: number;
  /** Per request name (MCInstall RequestType, mobileactivation Command, diagnostics Request): ms spent before the reply. */
  durations?: Record<string, number>;
}

/** A change through the control interface: a duration set to null is removed. */
export interface LifecycleUpdate {
  eraseGoneMs?: number;
  restartGoneMs?: number;
  durations?: Record<string, number | null>;
}

export interface LifecycleInfo {
  eraseGoneMs: number;
  restartGoneMs: number;
  durations: Record<string, number>;
}

function checkMs(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_MS) throw new RangeError(`${what} must be a number of milliseconds between 0 and ${MAX_MS}`);
  return value;
}

export class LifecycleSettings {
  eraseGoneMs = DEFAULT_ERASE_GONE_MS;
  restartGoneMs = DEFAULT_RESTART_GONE_MS;
  private readonly durations = new Map<string, number>();

  constructor(options: LifecycleOptions = {}) {
    this.update(options);
  }

  /** Validates everything before changing anything, so a bad request leaves the settings as they were. */
  update(change: LifecycleUpdate): void {
    const erase = change.eraseGoneMs === undefined ? undefined : checkMs(change.eraseGoneMs, 'eraseGoneMs');
    const restart = change.restartGoneMs === undefined ? undefined : checkMs(change.restartGoneMs, 'restartGoneMs');
    const durations = Object.entries(change.durations ?? {}).map(([name, ms]) => {
      if (name === '') throw new RangeError('a duration needs a request name');
      return [name, ms === null ? null : checkMs(ms, `durations.${name}`)] as const;
    });
    if (erase !== undefined) this.eraseGoneMs = erase;
    if (restart !== undefined) this.restartGoneMs = restart;
    for (const [name, ms] of durations) {
      if (ms === null) this.durations.delete(name);
      else this.durations.set(name, ms);
    }
  }

  /** How long the step `request` takes before its reply (0 when not set). */
  durationOf(request: string): number {
    return this.durations.get(request) ?? 0;
  }

  info(): LifecycleInfo {
    return { eraseGoneMs: this.eraseGoneMs, restartGoneMs: this.restartGoneMs, durations: Object.fromEntries(this.durations) };
  }
}
