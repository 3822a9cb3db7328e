/**
 * com.apple.mobileactivationd: the device's side of activation. Requests are
 * binary plists `{Command, Value?}`; a reply is `{Value}` or `{Error}`. The
 * record HandleActivationInfoRequest takes must come from the simulated
 * Apple server (sim/apple) for this device's latest activation request.
 *
 * Activation takes the device out of "Unactivated"; it stays in Setup
 * Assistant until it also has a cloud configuration (management.ts).
 */
import { randomBytes } from 'node:crypto';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { isDict, parsePlist } from '../../native/plist/codec.js';
import { DEFAULT_ACTIVATION_SECRET, activationRecordProblem, createActivationInfo } from '../apple/activation-record.js';
import type { SimDevice } from './device.js';
import type { SimService } from './services.js';
import { createStepService } from './step-service.js';

export const MOBILEACTIVATION_SERVICE = 'com.apple.mobileactivationd';

/** The record itself, whether sent as a dict, as plist data, or still wrapped in albert's `{ActivationRecord}`. */
function unwrapRecord(value: PlistValue | undefined): PlistDict | null {
  let record: PlistValue | undefined = value;
  if (record instanceof Uint8Array) {
    try {
      record = parsePlist(record);
    } catch {
      return null;
    }
  }
  if (!isDict(record)) return null;
  return isDict(record.ActivationRecord) ? record.ActivationRecord : record;
}

function handle(request: PlistDict, command: string, device: SimDevice, secret: string): PlistDict {
  const management = device.management;
  switch (command) {
    case 'GetActivationStateRequest':
      return { Value: management.activationState };
    case 'CreateActivationInfoRequest': {
      management.activationNonce = randomBytes(16);
      const id = device.identity;
      const facts = { ...id, activationState: management.activationState };
      return { Value: createActivationInfo(facts, management.activationNonce, secret) };
    }
    case 'HandleActivationInfoRequest':
    case 'HandleActivationInfoWithSessionRequest': {
      const record = unwrapRecord(request.Value);
      if (record === null) return { Error: 'The activation record is missing or not a property list.' };
      const problem = activationRecordProblem(record, { udid: device.udid, nonce: management.activationNonce }, secret);
      if (problem !== null) return { Error: `Failed to activate: ${problem}.` };
      management.activationNonce = null;
      management.activationState = 'Activated';
      management.settleSetup();
      return { Value: 'Activated' };
    }
    case 'DeactivateRequest':
      management.activationState = 'Unactivated';
      return { Value: 'Unactivated' };
    case 'CreateTunnel1SessionInfoRequest':
    case 'CreateTunnel1ActivationInfoRequest':
      // Session activation needs Apple's drmHandshake; clients fall back to CreateActivationInfoRequest.
      return { Error: 'Session activation is not supported by the simulated device.' };
    default:
      return { Error: `Unknown command ${command || '(none)'}.` };
  }
}

export function createMobileActivationService(secret: string = DEFAULT_ACTIVATION_SECRET): SimService {
  return createStepService<null>({
    name: MOBILEACTIVATION_SERVICE,
    target: 'mobileactivation',
    ssl: true,
    stepKey: 'Command',
    binaryReplies: true,
    newSession: () => null,
    handle: (request, command, { device }) => handle(request, command, device, secret),
    errorReply: (command) => ({ Error: `${command || 'The request'} failed (simulated failure).` }),
  });
}
