/**
 * Whether an IPC message comes from the app's own page in one of the app's
 * own windows. Checked before any argument is looked at: a page that was
 * somehow navigated elsewhere, or an iframe inside the app, gets nothing.
 */
import type { IpcMainInvokeEvent } from 'electron';
import { isAppPageUrl, type AppLocation } from './location.js';

export type SenderEvent = Pick<IpcMainInvokeEvent, 'senderFrame'> & { sender: Pick<IpcMainInvokeEvent['sender'], 'id'> };

export interface SenderTrust {
  location: AppLocation;
  /** The web contents ids of the windows this app opened. */
  isAppContents(id: number): boolean;
}

export function isTrustedSender(event: SenderEvent, trust: SenderTrust): boolean {
  const frame = event.senderFrame;
  // Null when the frame navigated or was destroyed since it sent the message.
  if (frame === null) return false;
  if (frame.parent !== null) return false; // iframes never speak for the app
  if (!trust.isAppContents(event.sender.id)) return false;
  return isAppPageUrl(frame.url, trust.location);
}
