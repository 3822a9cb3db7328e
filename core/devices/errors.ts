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
