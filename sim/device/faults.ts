/**
 * Fault injection for lockdown requests and for the steps of the device
 * services (MCInstall RequestTypes, mobileactivation Commands,
 * diagnostics_relay Requests): the failures a flaky cable, a hub brown-out
 * or a confused device produce, on demand, so the bench's error handling can
 * be tested without real hardware misbehaving.
 */
export const FAULT_KINDS = ['drop', 'delay', 'garbage', 'error', 'unplug', 'hang'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Where a request is received: lockdownd itself, or one of the services started through it. */
export const FAULT_TARGETS = ['lockdown', 'mcinstall', 'mobileactivation', 'diagnostics'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export type FaultPhase = 'before' | 'after';

export interface FaultSpec {
  /**
   * drop: close the connection without answering; delay: answer after
   * `delayMs`; garbage: answer with bytes that are not a plist; error: a
   * well-formed error reply of that service (lockdown: `{Request, Error}`);
   * unplug: the cable is pulled (the device detaches and stays detached until
   * attached again), before the request takes effect or right after its reply
   * (`phase`); hang: never answer (the client runs into its timeout).
   */
  kind: FaultKind;
  /** Only requests with this name ("GetValue", "EraseDevice", "HandleActivationInfoRequest", "Restart"); any request of `service` when absent. */
  request?: string;
  /**
   * Only requests received by this service. When absent: a named `request`
   * matches in whichever service receives it; without a name only lockdown
   * requests match (as before services had faults).
   */
  service?: FaultTarget;
  /** How many matching requests it affects (default 1). */
  count?: number;
  /** Affect every matching request until cleared. */
  persistent?: boolean;
  /** For `delay`. */
  delayMs?: number;
  /** For `unplug`: `before` (default) the request has no effect; `after` it took effect and was answered. */
  phase?: FaultPhase;
}

export interface ActiveFault {
  kind: FaultKind;
  request: string | null;
  /** Present when the fault was limited to one service. */
  service?: FaultTarget;
  /** Remaining matching requests; null = until cleared. */
  remaining: number | null;
  delayMs: number;
  /** Present for `unplug`. */
  phase?: FaultPhase;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): ActiveFault {
    if (!FAULT_KINDS.includes(spec.kind)) throw new RangeError(`unknown fault kind "${String(spec.kind)}"; use one of ${FAULT_KINDS.join(', ')}`);
    if (spec.service !== undefined && !FAULT_TARGETS.includes(spec.service)) {
      throw new RangeError(`unknown fault service "${String(spec.service)}"; use one of ${FAULT_TARGETS.join(', ')}`);
    }
    if (spec.phase !== undefined && spec.phase !== 'before' && spec.phase !== 'after') throw new RangeError('fault phase must be "before" or "after"');
    const count = spec.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fault count must be a positive integer');
    const delayMs = spec.delayMs ?? (spec.kind === 'delay' ? 1000 : 0);
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('delayMs must be a non-negative number');
    const fault: ActiveFault = { kind: spec.kind, request: spec.request ?? null, remaining: spec.persistent ? null : count, delayMs };
    if (spec.service !== undefined) fault.service = spec.service;
    if (spec.kind === 'unplug') fault.phase = spec.phase ?? 'before';
    this.faults.push(fault);
    return { ...fault };
  }

  /** The fault to apply to this request, consuming one use of it; oldest matching fault first. */
  take(request: string, service: FaultTarget = 'lockdown'): ActiveFault | null {
    const index = this.faults.findIndex((fault) => matches(fault, request, service));
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

function matches(fault: ActiveFault, request: string, service: FaultTarget): boolean {
  if (fault.service !== undefined && fault.service !== service) return false;
  if (fault.request !== null) return fault.request === request;
  // A fault naming neither a request nor a service is a lockdown fault.
  return fault.service !== undefined || service === 'lockdown';
}
