/**
 * com.apple.mobile.diagnostics_relay: restart and shut down. Implements
 * core's DiagnosticsService.
 *
 * Both ask the device to go away, so the connection dropping once the request
 * is out is the request working, not a failure. With WaitForDisconnect the
 * device acts when this host hangs up, which Goodbye and close() then do.
 */
import type { PlistDict } from '../../core/devices/identity.js';
import type { DiagnosticsService } from '../../core/devices/services.js';
import { DiagnosticsError, LockdownError, ProtocolError, ServiceConnectionLost } from '../../core/devices/errors.js';
import { DEFAULT_SERVICE_TIMEOUT_MS, type ServiceCallOptions, type ServiceChannel, type ServiceOpener } from './service-connection.js';

export const DIAGNOSTICS_SERVICE = 'com.apple.mobile.diagnostics_relay';
/** The name older iOS versions use. */
export const LEGACY_DIAGNOSTICS_SERVICE = 'com.apple.iosdiagnostics.relay';

/** How long to wait for Goodbye's answer: the device may already be going down. */
const GOODBYE_TIMEOUT_MS = 2_000;

/** Throws unless the device answered Success. */
export function checkDiagnosticsReply(request: string, reply: PlistDict): void {
  const status = reply.Status;
  if (status === 'Success') return;
  if (typeof status !== 'string') throw new ProtocolError(`diagnostics_relay answered ${request} without a Status`);
  throw new DiagnosticsError(request, status);
}

export interface DiagnosticsOptions {
  /** Default wait for each reply (30 s). */
  timeoutMs?: number;
}

export class DiagnosticsRelayService implements DiagnosticsService {
  constructor(
    private readonly opener: ServiceOpener,
    private readonly options: DiagnosticsOptions = {},
  ) {}

  private async open(udid: string): Promise<ServiceChannel> {
    try {
      return await this.opener.openService(udid, DIAGNOSTICS_SERVICE);
    } catch (error) {
      if (!(error instanceof LockdownError) || error.lockdownName !== 'InvalidService') throw error;
      return this.opener.openService(udid, LEGACY_DIAGNOSTICS_SERVICE);
    }
  }

  private async action(udid: string, request: 'Restart' | 'Shutdown', options: ServiceCallOptions): Promise<void> {
    const channel = await this.open(udid);
    try {
      let reply: PlistDict;
      try {
        reply = await channel.request({ Request: request, WaitForDisconnect: true }, 'xml', options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS, request);
      } catch (error) {
        // Gone once the request was out: going down is what was asked.
        if (error instanceof ServiceConnectionLost && !error.unsent) return;
        throw error;
      }
      checkDiagnosticsReply(request, reply);
      try {
        await channel.request({ Request: 'Goodbye' }, 'xml', GOODBYE_TIMEOUT_MS, 'Goodbye');
      } catch {
        // The device may already be on its way down; the request was accepted either way.
      }
    } finally {
      await channel.close();
    }
  }

  restart(udid: string, options: ServiceCallOptions = {}): Promise<void> {
    return this.action(udid, 'Restart', options);
  }

  shutdown(udid: string, options: ServiceCallOptions = {}): Promise<void> {
    return this.action(udid, 'Shutdown', options);
  }
}
