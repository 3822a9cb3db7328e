/**
 * The connection state of one physical device on the bench, and what the
 * technician must do in each. The registry moves records between these.
 */
export const CONNECTION_STATES = [
  'reading',
  'needs-trust',
  'trust-declined',
  'locked',
  'ready',
  'recovery',
  'dfu',
  'error',
  'detached',
] as const;

export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const STATE_INSTRUCTIONS: Record<ConnectionState, string> = {
  reading: 'Reading the device… keep it connected.',
  'needs-trust': 'Tap "Trust" on the device and enter its passcode if asked.',
  'trust-declined': 'Trust was declined. Unplug the device, plug it back in and tap "Trust".',
  locked: 'Unlock the device with its passcode.',
  ready: 'Ready.',
  recovery: 'The device is in Recovery mode. Restore it, or restart it to leave Recovery.',
  dfu: 'The device is in DFU mode. Restore it to continue.',
  error: 'The device could not be read. Unplug it and plug it back in.',
  detached: 'The device was unplugged.',
};
