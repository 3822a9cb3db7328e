/**
 * One error hierarchy for everything that can go wrong talking to a device.
 * Every error carries an `instruction`: the sentence a technician can act on.
 */

/** lockdownd error names as devices send them, with libimobiledevice 1.3.0's numeric codes. */
export const LOCKDOWN_ERRORS = {
  InvalidArgument: -1,
  InvalidConfiguration: -2,
  PlistError: -3,
  PairingFailed: -4,
  SslError: -5,
  DictError: -6,
  ReceiveTimeout: -7,
  MuxError: -8,
  NoRunningSession: -9,
  InvalidResponse: -10,
  MissingKey: -11,
  MissingValue: -12,
  GetProhibited: -13,
  SetProhibited: -14,
  RemoveProhibited: -15,
  ImmutableValue: -16,
  PasswordProtected: -17,
  UserDeniedPairing: -18,
  PairingDialogResponsePending: -19,
  MissingHostID: -20,
  InvalidHostID: -21,
  SessionActive: -22,
  SessionInactive: -23,
  MissingSessionID: -24,
  InvalidSessionID: -25,
  MissingService: -26,
  InvalidService: -27,
  ServiceLimit: -28,
  MissingPairRecord: -29,
  SavePairRecordFailed: -30,
  InvalidPairRecord: -31,
  InvalidActivationRecord: -32,
  MissingActivationRecord: -33,
  ServiceProhibited: -34,
  EscrowLocked: -35,
  PairingProhibitedOverThisConnection: -36,
  FMiPProtected: -37,
  MCProtected: -38,
  MCChallengeRequired: -39,
  UnknownError: -256,
} as const;

export type LockdownErrorName = keyof typeof LOCKDOWN_ERRORS;

const NAME_BY_CODE = new Map<number, LockdownErrorName>(
  (Object.entries(LOCKDOWN_ERRORS) as [LockdownErrorName, number][]).map(([name, code]) => [code, name]),
);

export function lockdownErrorName(code: number): LockdownErrorName {
  return NAME_BY_CODE.get(code) ?? 'UnknownError';
}

export function isLockdownErrorName(name: string): name is LockdownErrorName {
  return Object.prototype.hasOwnProperty.call(LOCKDOWN_ERRORS, name);
}

/** What the technician should do when lockdownd answers with this error. */
const INSTRUCTIONS: Partial<Record<LockdownErrorName, string>> = {
  PasswordProtected: 'Unlock the device with its passcode, then keep it on the Home Screen.',
  PairingDialogResponsePending: 'Tap "Trust" on the device and enter its passcode if asked.',
  UserDeniedPairing: 'Trust was declined. Unplug the device, plug it back in and tap "Trust".',
  InvalidHostID: 'The pairing with this bench was lost. Re-pair: unplug, plug back in and tap "Trust".',
  MissingHostID: 'The pairing with this bench was lost. Re-pair: unplug, plug back in and tap "Trust".',
  InvalidPairRecord: 'The pairing record is damaged. Re-pair: unplug, plug back in and tap "Trust".',
  MissingPairRecord: 'This bench has not paired with the device yet. Tap "Trust" on the device.',
  SslError: 'The secure session failed. Unplug the device and plug it back in.',
  ReceiveTimeout: 'The device stopped answering. Check the cable and hub port, then replug it.',
  MuxError: 'The USB connection to the device failed. Check the cable and hub port, then replug it.',
  InvalidService: 'The device does not offer this service. Check the iOS version supports the action.',
  ServiceProhibited: 'The device refused the service. Unlock it and make sure it is not restricted by MDM.',
  EscrowLocked: 'The device was restarted and is still locked. Unlock it with its passcode.',
  PairingProhibitedOverThisConnection: 'Pairing is not allowed over this connection. Use a USB cable.',
  FMiPProtected: 'Find My is on: the owner must sign out of their Apple ID before this can continue.',
  MCProtected: 'A configuration profile forbids this. Remove the restriction or use the supervising Mac.',
  MCChallengeRequired: 'The device is supervised by another organisation. Use its supervision identity.',
  SessionActive: 'Another program is talking to the device. Close other device tools and retry.',
  InvalidResponse: 'The device sent an answer that makes no sense. Replug it; if it persists, restart it.',
  PlistError: 'The device sent an answer that makes no sense. Replug it; if it persists, restart it.',
};

export function instructionFor(name: LockdownErrorName): string {
  return INSTRUCTIONS[name] ?? 'Something went wrong talking to the device. Unplug it, plug it back in and try again.';
}

/** Base of every device error; `code` is stable and safe to switch on in UI and scripts. */
export class DeviceError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly instruction: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** lockdownd refused a request. */
export class LockdownError extends DeviceError {
  readonly lockdownCode: number;
  constructor(
    readonly lockdownName: LockdownErrorName,
    context?: string,
  ) {
    const code = LOCKDOWN_ERRORS[lockdownName];
    super(`${context ? `${context}: ` : ''}lockdownd answered ${lockdownName} (${code})`, lockdownName, instructionFor(lockdownName));
    this.lockdownCode = code;
  }

  static fromCode(code: number, context?: string): LockdownError {
    return new LockdownError(lockdownErrorName(code), context);
  }
}

/** The device is not (or no longer) connected through usbmuxd. */
export class DeviceNotFoundError extends DeviceError {
  constructor(readonly udid: string) {
    super(`No device with UDID ${udid} is connected`, 'DeviceNotFound', 'Plug the device in, or check that it is still connected.');
  }
}

/** usbmuxd itself cannot be reached. */
export class UsbmuxdUnavailableError extends DeviceError {
  constructor(readonly address: string, cause?: unknown) {
    super(
      `Cannot reach usbmuxd at ${address}${cause instanceof Error ? `: ${cause.message}` : ''}`,
      'UsbmuxdUnavailable',
      'Start usbmuxd (sudo systemctl start usbmuxd, or install the "usbmuxd" package), or set USBMUXD_SOCKET_ADDRESS.',
    );
  }
}

/** A shared library is missing: the message names the package that provides it. */
export class NativeLibraryMissingError extends DeviceError {
  constructor(readonly library: string, readonly debianPackage: string, cause?: unknown) {
    super(
      `${library} could not be loaded${cause instanceof Error ? `: ${cause.message}` : ''}`,
      'LibraryMissing',
      `Install it: sudo apt-get install -y ${debianPackage} (or run "npm run setup").`,
    );
  }
}

/** The device answered something that does not follow the protocol. */
export class ProtocolError extends DeviceError {
  constructor(message: string) {
    super(message, 'ProtocolError', 'The device sent an answer that makes no sense. Replug it; if it persists, restart it.');
  }
}

// ---- device services (MCInstall, mobileactivation, diagnostics_relay) -----

/** One entry of an MCInstall ErrorChain, outermost first. */
export interface ManagementErrorCause {
  code: number | null;
  domain: string | null;
  description: string | null;
}

/** MCInstall statuses other than Acknowledged that carry no ErrorChain. */
export type ManagementStatus = 'Error' | 'CommandFormatError' | 'NotNow' | 'CertificateRejected' | 'SignedRequestRejected' | (string & {});

/** MCInstall error codes a technician can act on; others get the device's own words. */
const MANAGEMENT_INSTRUCTIONS: Record<string, string> = {
  'MCInstall.14002': 'The device already has a cloud configuration. Erase the device to apply a different one.',
  'MCInstall.CommandFormatError': 'The device did not understand the request. Check that its iOS version supports this action.',
  'MCInstall.NotNow': 'The device cannot do this right now. Unlock it, keep it on the Home Screen and try again.',
  'MCInstall.CertificateRejected': "The device does not accept this supervision identity. Use the identity of the organisation that supervises it.",
  'MCInstall.SignedRequestRejected': "The device rejected the supervision identity's signature. Check the identity's private key matches its certificate.",
};

/**
 * MCInstall refused a request. `code` is `MCInstall.<ErrorCode>` from the
 * first (outermost) entry of the ErrorChain, or `MCInstall.<Status>` when the
 * device answered a status without one (CommandFormatError, NotNow, …).
 */
export class ManagementError extends DeviceError {
  constructor(
    readonly request: string,
    readonly status: ManagementStatus,
    readonly chain: readonly ManagementErrorCause[] = [],
  ) {
    const first = chain[0];
    const code = first?.code !== null && first?.code !== undefined ? `MCInstall.${first.code}` : `MCInstall.${status}`;
    const said = chain.map((cause) => cause.description).filter((text): text is string => Boolean(text));
    const detail = said.length > 0 ? said.join(' — ') : status;
    const domain = first?.domain ? ` [${first.domain}${first.code !== null ? ` ${first.code}` : ''}]` : '';
    super(
      `${request}: the device answered ${detail}${domain}`,
      code,
      MANAGEMENT_INSTRUCTIONS[code] ?? (said[0] ? `The device refused: "${said[0]}". Fix what it names and try again.` : 'The device refused the request. Unlock it and try again.'),
    );
  }
}

/** mobileactivationd answered a request with an Error. */
export class ActivationError extends DeviceError {
  constructor(
    readonly command: string,
    readonly deviceMessage: string,
  ) {
    super(
      `${command}: mobileactivationd answered "${deviceMessage}"`,
      'ActivationFailed',
      'Activation was refused. Check the device has a SIM (if it needs one) and network access, and is not locked to an Apple ID, then try again.',
    );
  }
}

/** diagnostics_relay answered Failure or UnknownRequest. */
export class DiagnosticsError extends DeviceError {
  constructor(
    readonly request: string,
    readonly status: string,
  ) {
    super(
      `diagnostics_relay ${request}: the device answered ${status}`,
      status === 'UnknownRequest' ? 'Diagnostics.UnknownRequest' : 'Diagnostics.Failure',
      status === 'UnknownRequest'
        ? 'The device does not support this action. Check its iOS version.'
        : 'The device refused. Unlock it and try again; if it persists, use the side button to restart it.',
    );
  }
}

/** A device service did not answer within the time allowed. */
export class ServiceTimeout extends DeviceError {
  constructor(
    readonly service: string,
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(
      `${service} did not answer ${request} within ${timeoutMs} ms`,
      'ServiceTimeout',
      'The device stopped answering. Check that it is unlocked and connected, then replug it and try again.',
    );
  }
}

/** The service connection is gone: the device closed it, or it broke earlier (timeout, close()). */
export class ServiceConnectionLost extends DeviceError {
  constructor(
    readonly service: string,
    detail: string,
    /** True when the request at hand was refused before any of it was sent. */
    readonly unsent = false,
  ) {
    super(`${service}: ${detail}`, 'ServiceConnectionLost', 'The connection to the device was lost. Check that it is still plugged in and unlocked, then try again.');
  }
}

/**
 * A destructive request (erase, …) was sent but the connection dropped or
 * went silent before the device confirmed it: it may or may not have happened.
 */
export class OutcomeUnknown extends DeviceError {
  constructor(
    readonly request: string,
    detail: string,
  ) {
    super(
      `${request}: ${detail}; whether the device acted on it is unknown`,
      'OutcomeUnknown',
      `Look at the device before retrying: if it is already doing ${request}, let it finish; otherwise replug it and try again.`,
    );
  }
}
