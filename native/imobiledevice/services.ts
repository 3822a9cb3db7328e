/**
 * The device services over libimobiledevice, wired to one lockdown: the
 * composition roots call createDeviceServices(lockdown) next to the registry.
 */
import type { DeviceServices } from '../../core/devices/services.js';
import { DiagnosticsRelayService } from './diagnostics-relay.js';
import { McInstallService } from './mcinstall.js';
import { MobileActivationService } from './mobileactivation.js';
import type { ServiceOpener } from './service-connection.js';

export interface DeviceServicesOptions {
  /** Default wait for each reply from any service (30 s). */
  timeoutMs?: number;
}

export interface NativeDeviceServices extends DeviceServices {
  management: McInstallService;
  activation: MobileActivationService;
  diagnostics: DiagnosticsRelayService;
}

/** `lockdown` is normally the bench's ImobiledeviceLockdown, so services share its sessions, queue and limit. */
export function createDeviceServices(lockdown: ServiceOpener, options: DeviceServicesOptions = {}): NativeDeviceServices {
  const serviceOptions = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  return {
    management: new McInstallService(lockdown, serviceOptions),
    activation: new MobileActivationService(lockdown, serviceOptions),
    diagnostics: new DiagnosticsRelayService(lockdown, serviceOptions),
  };
}
