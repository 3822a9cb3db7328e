/**
 * What to tell a technician when the bench cannot see devices. Pure, so the
 * wording is tested, and so the empty state and the alerts above a populated
 * grid cannot disagree.
 */
import type { BenchStatus } from '../../../core/contract/index.js';
import type { BenchState } from '../../state/types.js';

export interface Advice {
  /** Stable name for tests (data-reason / data-kind). */
  readonly reason: 'connecting' | 'unreachable' | 'fatal' | 'no-usbmuxd' | 'no-devices' | 'no-matches' | 'no-library' | 'no-usb' | 'service-down';
  readonly title: string;
  readonly body: string;
  /** Commands or configuration to copy, shown as code. */
  readonly code?: string;
}

export const UDEV_RULE = 'SUBSYSTEM=="usb", ATTR{idVendor}=="05ac", MODE="0660", GROUP="plugdev"';

export function usbmuxdAdvice(status: BenchStatus): Advice {
  return {
    reason: 'no-usbmuxd',
    title: 'usbmuxd is not running',
    body: `Benchline cannot reach usbmuxd at ${status.usbmuxd.address}${status.usbmuxd.error ? ` (${status.usbmuxd.error})` : ''}. Start it, or plug in an Apple device (Debian starts it when one appears). Benchline connects by itself once it runs.`,
    code: 'sudo systemctl start usbmuxd',
  };
}

/** Host messages are clauses ("USB unavailable: …"); shown on their own they need a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Problems that leave the bench working but partly blind; shown above the devices. */
export function statusAlerts(status: BenchStatus | null, hasDevices: boolean): Advice[] {
  if (status === null) return [];
  const alerts: Advice[] = [];
  // The device service restarting (Electron) outranks the rest: until it is back, nothing below is current.
  if (status.service) alerts.push({ reason: 'service-down', title: status.service.message, body: status.service.hint });
  if (!status.usbmuxd.connected && hasDevices) alerts.push(usbmuxdAdvice(status));
  if (!status.library.available) {
    alerts.push({
      reason: 'no-library',
      title: 'libimobiledevice is missing',
      body: `${sentence(status.library.hint ?? 'Install libimobiledevice.')} Until then devices are listed but cannot be read (name, OS, battery).`,
      code: 'sudo apt-get install -y libimobiledevice6 libimobiledevice-utils',
    });
  }
  // The simulator has no USB bus; saying so on every demo would teach technicians to ignore this alert.
  if (!status.usb.available && !status.simulated) {
    const reason = sentence(status.usb.reason ?? 'USB unavailable.');
    const permission = /udev|permission/i.test(reason);
    alerts.push({
      reason: 'no-usb',
      title: 'Devices in Recovery or DFU mode cannot be seen',
      body: `${reason} Devices in normal mode still show.`,
      // The host's reason already says what to do; the rule is repeated on its own so it can be copied.
      ...(permission ? { code: UDEV_RULE } : {}),
    });
  }
  return alerts;
}

/** The message in place of the device grid when it has nothing to show, or null when it has. */
export function emptyAdvice(state: BenchState, shownCount: number): Advice | null {
  if (state.fatal !== null) return { reason: 'fatal', title: state.fatal.message, body: state.fatal.hint };
  if (!state.loaded) {
    if (state.connection.phase === 'connecting' && state.connection.attempt === 0) {
      return { reason: 'connecting', title: 'Connecting to the bench…', body: 'This takes a moment.' };
    }
    const wsHint =
      state.connection.transport === 'websocket'
        ? ' Check that benchline serve is still running. If it printed an address ending in #token=…, open that exact address (a restarted bench has a new token): the bench refuses windows without it.'
        : '';
    return { reason: 'unreachable', title: 'Cannot reach the bench — retrying', body: `Attempt ${state.connection.attempt} failed.${wsHint}` };
  }
  const total = Object.keys(state.devices).length;
  if (total === 0) {
    if (state.status !== null && !state.status.usbmuxd.connected) return usbmuxdAdvice(state.status);
    return {
      reason: 'no-devices',
      title: 'Plug a device in…',
      body: 'Connect an iPhone or iPad with a USB cable, directly or through a hub. It appears here within a second; if it asks, unlock it and tap Trust.',
    };
  }
  if (shownCount === 0) {
    return { reason: 'no-matches', title: 'No device matches', body: `${total} device${total === 1 ? ' is' : 's are'} on the bench, but none matches the search or the state filter.` };
  }
  return null;
}
