/**
 * com.apple.mobile.diagnostics_relay: Restart, Shutdown, Sleep, and a few
 * harmless queries (GasGauge, MobileGestalt, IORegistry of the battery,
 * All). XML `{Request, …}` → `{Status: Success | Failure | UnknownRequest}`.
 *
 * Restart and Shutdown with WaitForDisconnect (what idevicediagnostics
 * sends) act once the client hangs up, so its Goodbye is still answered;
 * without it they act as soon as the reply is out.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import type { SimDevice } from './device.js';
import { rootValues } from './lockdown-values.js';
import type { SimService } from './services.js';
import { createStepService } from './step-service.js';
import type { StepContext } from './step-service.js';

export const DIAGNOSTICS_SERVICE = 'com.apple.mobile.diagnostics_relay';

const SUCCESS: PlistDict = { Status: 'Success' };

function gasGauge(device: SimDevice): PlistDict {
  // Fixed per device (its index), so repeated reads agree.
  const cycles = 40 + ((device.identity.index * 37) % 600);
  return { Status: 'Success', CycleCount: cycles, DesignCapacity: 3000, FullChargeCapacity: 3000 - Math.floor(cycles / 2), NominalChargeCapacity: 2900 - Math.floor(cycles / 2) };
}

function powerSource(device: SimDevice): PlistDict {
  const battery = device.battery;
  return {
    CurrentCapacity: battery.level,
    MaxCapacity: 100,
    IsCharging: battery.charging,
    ExternalConnected: battery.externalConnected,
    FullyCharged: battery.level === 100,
    CycleCount: gasGauge(device).CycleCount as number,
  };
}

function mobileGestalt(device: SimDevice, keys: PlistValue | undefined): PlistDict {
  const values = rootValues(device);
  const out: PlistDict = { Status: 'Success' };
  for (const key of Array.isArray(keys) ? keys : []) {
    if (typeof key === 'string' && values[key] !== undefined) out[key] = values[key];
  }
  return out;
}

function powerAction(request: PlistDict, act: () => void, context: StepContext<null>): PlistDict {
  if (request.WaitForDisconnect === true) context.onDisconnect(act);
  else context.afterReply(act);
  return SUCCESS;
}

function handle(request: PlistDict, name: string, context: StepContext<null>): PlistDict {
  const device = context.device;
  switch (name) {
    case 'Restart':
      return powerAction(request, () => device.restart(), context);
    case 'Shutdown':
      return powerAction(request, () => device.shutdown(), context);
    case 'Sleep':
      return SUCCESS;
    case 'Goodbye':
      context.hangUpAfterReply();
      return SUCCESS;
    case 'GasGauge':
      return { Status: 'Success', Diagnostics: { GasGauge: gasGauge(device) } };
    case 'All':
      return { Status: 'Success', Diagnostics: { GasGauge: gasGauge(device), WiFi: { Status: 'Success', Active: true }, NAND: { Status: 'Success' } } };
    case 'MobileGestalt':
      return { Status: 'Success', Diagnostics: { MobileGestalt: mobileGestalt(device, request.MobileGestaltKeys) } };
    case 'IORegistry':
      if (request.EntryClass === 'IOPMPowerSource' || request.EntryName === 'AppleARMPMUCharger') return { Status: 'Success', Diagnostics: { IORegistry: powerSource(device) } };
      return { Status: 'Failure' };
    default:
      return { Status: 'UnknownRequest' };
  }
}

export function createDiagnosticsService(): SimService {
  return createStepService<null>({
    name: DIAGNOSTICS_SERVICE,
    target: 'diagnostics',
    ssl: true,
    stepKey: 'Request',
    newSession: () => null,
    handle,
    errorReply: () => ({ Status: 'Failure' }),
  });
}
