/**
 * The simulated Apple activation server (albert): turns a simulated
 * device's ActivationInfo into an ActivationRecord that device accepts. Use
 * it in-process, or over HTTP through the simulator's control server
 * (`POST /albert/deviceActivation`, see albert-http.ts) with
 * native/apple/activation-authority.ts's HttpActivationAuthority.
 */
import { DeviceError } from '../../core/devices/errors.js';
import type { PlistDict } from '../../core/devices/identity.js';
import type { ActivationAuthority } from '../../core/devices/services.js';
import { DEFAULT_ACTIVATION_SECRET, createActivationRecord, readActivationInfo } from './activation-record.js';

/** The server refused the request (what albert answers with an error page). */
export class ActivationRejectedError extends DeviceError {
  constructor(message: string) {
    super(message, 'ActivationRejected', 'The activation server refused this device. Erase it and try again; if it persists, check it is not locked to another account.');
  }
}

export class SimActivationAuthority implements ActivationAuthority {
  /** Requests served, for tests that check a bench asked only once. */
  issued = 0;

  /** `secret` must be the simulator's (both default to DEFAULT_ACTIVATION_SECRET). */
  constructor(private readonly secret: string = DEFAULT_ACTIVATION_SECRET) {}

  /** The record for `activationInfo`; `udid`, when given, must be the device the info came from. */
  issue(activationInfo: PlistDict, udid?: string): PlistDict {
    let facts;
    try {
      facts = readActivationInfo(activationInfo, this.secret);
    } catch (error) {
      throw new ActivationRejectedError(`activation info refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (udid !== undefined && facts.udid.toLowerCase() !== udid.toLowerCase()) {
      throw new ActivationRejectedError(`activation info is from device ${facts.udid}, not ${udid}`);
    }
    this.issued += 1;
    return createActivationRecord(facts, this.secret);
  }

  requestActivationRecord(udid: string, activationInfo: PlistDict): Promise<PlistDict> {
    try {
      return Promise.resolve(this.issue(activationInfo, udid));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
