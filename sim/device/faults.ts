/**
 * Fault injection for lockdown requests: the failures a flaky cable, a hub
 * brown-out or a confused device produce, on demand, so the bench's error
 * handling can be tested without real hardware misbehaving.
 */
export const FAULT_KINDS = ['drop', 'delay', 'garbage'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  /** drop: close the connection without answering; delay: answer after `delayMs`; garbage: answer with bytes that are not a plist. */
  kind: FaultKind;
  /** Only requests with this `Request` name (e.g. "GetValue", "StartSession"); any request when absent. */
  request?: string;
  /** How many matching requests it affects (default 1). */
  count?: number;
  /** Affect every matching request until cleared. */
  persistent?: boolean;
  /** For `delay`. */
  delayMs?: number;
}

export interface ActiveFault {
  kind: FaultKind;
  request: string | null;
  /** Remaining matching requests; null = until cleared. */
  remaining: number | null;
  delayMs: number;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): ActiveFault {
    if (!FAULT_KINDS.includes(spec.kind)) throw new RangeError(`unknown fault kind "${String(spec.kind)}"; use one of ${FAULT_KINDS.join(', ')}`);
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fault count must be a positive integer');
    const delayMs = spec.delayMs ?? (spec.kind === 'delay' ? 1000 : 0);
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('delayMs must be a non-negative number');
    const fault: ActiveFault = { kind: spec.kind, request: spec.request ?? null, remaining: spec.persistent ? null : count, delayMs };
    this.faults.push(fault);
    return fault;
  }

  /** The fault to apply to this request, consuming one use of it; oldest matching fault first. */
  take(request: string): ActiveFault | null {
    const index = this.faults.findIndex((fault) => fault.request === null || fault.request === request);
    if (index < 0) return null;
    const fault = this.faults[index]!;
    if (fault.remaining !== null) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(index, 1);
    }
    return { ...fault };
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }
}
