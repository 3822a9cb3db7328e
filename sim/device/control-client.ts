/**
 * A typed client for the simulator's HTTP control interface, for tests and
 * benchmarks that run the simulator in another process (`benchline-sim`).
 */
import type { SimDeviceInfo } from './device.js';
import type { FaultSpec } from './faults.js';
import type { LifecycleInfo, LifecycleUpdate } from './lifecycle.js';
import type { JsonValue, ProfileRecord } from './management.js';

export class ControlRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class SimControlClient {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const payload = (await response.json()) as T | { error: string };
    if (!response.ok) {
      const message = payload !== null && typeof payload === 'object' && 'error' in payload ? payload.error : response.statusText;
      throw new ControlRequestError(response.status, `${method} ${path}: ${message}`);
    }
    return payload as T;
  }

  private action(selector: string, action: string, body: object = {}): Promise<SimDeviceInfo> {
    return this.call('POST', `/devices/${encodeURIComponent(selector)}/${action}`, body);
  }

  devices(): Promise<SimDeviceInfo[]> {
    return this.call('GET', '/devices');
  }

  device(selector: string): Promise<SimDeviceInfo> {
    return this.call('GET', `/devices/${encodeURIComponent(selector)}`);
  }

  attach(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'attach');
  }

  detach(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'detach');
  }

  replug(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'replug');
  }

  lock(selector: string, sinceReboot = true): Promise<SimDeviceInfo> {
    return this.action(selector, 'lock', { sinceReboot });
  }

  unlock(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'unlock');
  }

  trust(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'trust');
  }

  decline(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'decline');
  }

  setTrustPolicy(selector: string, policy: 'trusted' | 'untrusted'): Promise<SimDeviceInfo> {
    return this.action(selector, 'trust-policy', { policy });
  }

  setBattery(selector: string, change: { level?: number; charging?: boolean; externalConnected?: boolean }): Promise<SimDeviceInfo> {
    return this.action(selector, 'battery', change);
  }

  injectFault(selector: string, fault: FaultSpec): Promise<SimDeviceInfo> {
    return this.action(selector, 'faults', fault);
  }

  clearFaults(selector: string): Promise<{ ok: true }> {
    return this.call('DELETE', `/devices/${encodeURIComponent(selector)}/faults`);
  }

  /** Presses the power button of a device that was shut down (409 while it is erasing or restarting). */
  powerOn(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'power-on');
  }

  /** Erase from the device's own Settings (no host involved): gone for eraseGoneMs, back wiped. */
  erase(selector: string, options: { preserveDataPlan?: boolean; disallowProximitySetup?: boolean } = {}): Promise<SimDeviceInfo> {
    return this.action(selector, 'erase', options);
  }

  /** Restart by hand: gone for restartGoneMs, back with the same state. */
  restart(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'restart');
  }

  /** Shut down by hand: off until powerOn(). */
  shutdown(selector: string): Promise<SimDeviceInfo> {
    return this.action(selector, 'shutdown');
  }

  /**
   * Sets management state directly (a test's starting point): activation,
   * Setup Assistant, passcode, the cloud configuration (data as base64; null
   * removes it) and the installed profiles (replacing them).
   */
  setManagement(
    selector: string,
    change: {
      activationState?: string;
      inSetupAssistant?: boolean;
      passcode?: boolean;
      cloudConfiguration?: { [key: string]: JsonValue } | null;
      profiles?: (Pick<ProfileRecord, 'identifier'> & Partial<ProfileRecord>)[];
    },
  ): Promise<SimDeviceInfo> {
    return this.action(selector, 'management', change);
  }

  /** Zeroes one device's request counters and erase log. */
  resetCounters(selector: string): Promise<SimDeviceInfo> {
    return this.call('POST', `/devices/${encodeURIComponent(selector)}/counters/reset`, {});
  }

  /** Zeroes every device's request counters and erase log. */
  resetAllCounters(): Promise<{ ok: true }> {
    return this.call('POST', '/counters/reset', {});
  }

  lifecycle(): Promise<LifecycleInfo> {
    return this.call('GET', '/lifecycle');
  }

  /** Changes erase/restart times and step durations (a duration set to null is removed); answers the new settings. */
  setLifecycle(change: LifecycleUpdate): Promise<LifecycleInfo> {
    return this.call('POST', '/lifecycle', change);
  }

  /** The simulated albert endpoint, for HttpActivationAuthority. */
  get activationUrl(): string {
    return `${this.baseUrl}/albert/deviceActivation`;
  }
}
