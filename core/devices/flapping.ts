/**
 * Spots ports and devices that attach over and over: a worn cable, a bad hub
 * port, a device boot-looping. Flagged at `threshold` attaches within
 * `windowMs`; the flag clears after a quiet window with no attach at all, so
 * a port does not flicker between "flapping" and "fine" while still bouncing.
 * The caller owns time (now) and timers; this holds only counts.
 */
interface KeyHistory {
  /** Recent attach times, oldest first; never longer than the threshold. */
  attaches: number[];
  flagged: boolean;
}

export class FlapDetector {
  private readonly history = new Map<string, KeyHistory>();

  constructor(
    private readonly windowMs: number,
    private readonly threshold: number,
  ) {}

  /** Notes one attach of `key` (a slot or a device); returns whether it is now flapping. */
  recordAttach(key: string, now: number): boolean {
    const entry = this.history.get(key) ?? { attaches: [], flagged: false };
    entry.attaches = entry.attaches.filter((time) => now - time < this.windowMs);
    entry.attaches.push(now);
    if (entry.attaches.length > this.threshold) entry.attaches.shift();
    if (entry.attaches.length >= this.threshold) entry.flagged = true;
    this.history.set(key, entry);
    return entry.flagged;
  }

  isFlapping(key: string, now: number): boolean {
    const entry = this.history.get(key);
    if (!entry?.flagged) return false;
    const last = entry.attaches[entry.attaches.length - 1];
    if (last === undefined || now - last >= this.windowMs) entry.flagged = false;
    return entry.flagged;
  }

  /** When the earliest flag will clear if nothing attaches again; null when nothing is flagged. */
  nextClearAt(): number | null {
    let earliest: number | null = null;
    for (const entry of this.history.values()) {
      const last = entry.attaches[entry.attaches.length - 1];
      if (!entry.flagged || last === undefined) continue;
      const clearAt = last + this.windowMs;
      if (earliest === null || clearAt < earliest) earliest = clearAt;
    }
    return earliest;
  }

  /** Forgets keys that are quiet and unflagged, so a long-running bench does not grow without end. */
  prune(now: number): void {
    for (const [key, entry] of this.history) {
      const last = entry.attaches[entry.attaches.length - 1];
      if (!this.isFlapping(key, now) && (last === undefined || now - last >= this.windowMs)) this.history.delete(key);
    }
  }

  clear(): void {
    this.history.clear();
  }
}

/** The keys a device's attaches count against: its slot and each identity it is known by. */
export function flapKeys(target: { slot: string | null; udid?: string | null; ecid?: string | null }): string[] {
  const keys: string[] = [];
  if (target.slot) keys.push(`slot:${target.slot}`);
  if (target.udid) keys.push(`udid:${target.udid}`);
  if (target.ecid) keys.push(`ecid:${target.ecid}`);
  return keys;
}
