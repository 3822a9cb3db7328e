/**
 * The browser's side of the API layer: the real WebSocket, real timers and a
 * per-frame scheduler. Kept apart from ws-client.ts and session.ts so those
 * stay free of DOM globals and run under the unit tests' Node environment.
 */
import type { Scheduler } from './session.js';
import type { SocketFactory, Timers } from './ws-client.js';

export const browserSocket: SocketFactory = (url, protocols, handlers) => {
  const socket = new WebSocket(url, protocols);
  socket.onopen = () => handlers.open();
  socket.onmessage = (event: MessageEvent<unknown>) => handlers.message(event.data);
  // A failed handshake (wrong token, host down) shows up as an error followed by close; close alone drives reconnection.
  socket.onclose = (event) => handlers.close(event.code, event.reason);
  return socket;
};

export const browserTimers: Timers = {
  set: (callback, ms) => window.setTimeout(callback, ms),
  clear: (handle) => window.clearTimeout(handle as number),
};

/**
 * Applies queued events once per animation frame. Hidden windows get no
 * frames, so there a timer keeps the queue from growing without bound.
 */
export const frameScheduler: Scheduler = (flush) => {
  if (document.visibilityState === 'hidden') window.setTimeout(flush, 250);
  else window.requestAnimationFrame(() => flush());
};
