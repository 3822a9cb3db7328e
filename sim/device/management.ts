/**
 * What a device's management services know about it: activation, Setup
 * Assistant, the cloud configuration (supervision), installed profiles; plus
 * what the simulator observed (requests received per step, erase requests),
 * so a test can tell what a bench actually asked a device to do.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';

/** One installed configuration profile. */
export interface ProfileRecord {
  identifier: string;
  uuid: string;
  version: number;
  displayName: string;
  description: string | null;
  organization: string | null;
  removalDisallowed: boolean;
  /** PayloadType of each entry of PayloadContent, e.g. ["com.apple.mdm"]. */
  payloadTypes: string[];
}

export interface EraseRecord {
  /** ISO 8601 time the EraseDevice request was accepted. */
  at: string;
  preserveDataPlan: boolean;
  disallowProximitySetup: boolean;
}

/** JSON values: the control interface shows plist data as base64 and dates as ISO strings. */
export type JsonValue = null | string | number | boolean | JsonValue[] | { [key: string]: JsonValue };

export interface ManagementInfo {
  activationState: string;
  inSetupAssistant: boolean;
  supervised: boolean;
  /** The cloud configuration as the device stores it (data as base64), null when none. */
  cloudConfiguration: { [key: string]: JsonValue } | null;
  profiles: ProfileRecord[];
  /** Requests received per step name ("EraseDevice", "InstallProfile", "Restart", …), faulted ones included. */
  counters: Record<string, number>;
  erasures: EraseRecord[];
}

export function toJson(value: PlistValue): JsonValue {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, entry] of Object.entries(value)) out[key] = toJson(entry);
    return out;
  }
  return value;
}

export class ManagementState {
  activationState: string;
  inSetupAssistant: boolean;
  cloudConfiguration: PlistDict | null = null;
  /** By PayloadIdentifier, in installation order. */
  readonly profiles = new Map<string, ProfileRecord>();
  /** StoreProfile's profiles by Purpose. */
  readonly storedProfiles = new Map<string, Buffer>();
  /** The ActivationRandomness of the last CreateActivationInfoRequest: a record must be made for it. */
  activationNonce: Buffer | null = null;
  private readonly counters = new Map<string, number>();
  private readonly erasures: EraseRecord[] = [];

  constructor(activationState: string) {
    this.activationState = activationState;
    // A seeded device is in use, whatever its generated ActivationState: only an erase brings Setup Assistant back.
    this.inSetupAssistant = false;
  }

  get supervised(): boolean {
    return this.cloudConfiguration?.IsSupervised === true;
  }

  count(request: string): void {
    this.counters.set(request, (this.counters.get(request) ?? 0) + 1);
  }

  countOf(request: string): number {
    return this.counters.get(request) ?? 0;
  }

  resetCounters(): void {
    this.counters.clear();
    this.erasures.length = 0;
  }

  recordErase(options: { preserveDataPlan: boolean; disallowProximitySetup: boolean }): void {
    this.erasures.push({ at: new Date().toISOString(), ...options });
  }

  /**
   * Setup Assistant ends once the device is activated and has a cloud
   * configuration, whichever comes last (the simulator's simplification of
   * the panes a cloud configuration skips).
   */
  settleSetup(): void {
    if (this.inSetupAssistant && this.activationState !== 'Unactivated' && this.cloudConfiguration !== null) this.inSetupAssistant = false;
  }

  /** Erase all content and settings: what the device's management knows is gone; the simulator's observations stay. */
  wipe(): void {
    this.activationState = 'Unactivated';
    this.inSetupAssistant = true;
    this.cloudConfiguration = null;
    this.profiles.clear();
    this.storedProfiles.clear();
    this.activationNonce = null;
  }

  info(): ManagementInfo {
    const cloud = this.cloudConfiguration === null ? null : (toJson(this.cloudConfiguration) as { [key: string]: JsonValue });
    return {
      activationState: this.activationState,
      inSetupAssistant: this.inSetupAssistant,
      supervised: this.supervised,
      cloudConfiguration: cloud,
      profiles: [...this.profiles.values()].map((profile) => ({ ...profile, payloadTypes: [...profile.payloadTypes] })),
      counters: Object.fromEntries(this.counters),
      erasures: this.erasures.map((erase) => ({ ...erase })),
    };
  }
}
