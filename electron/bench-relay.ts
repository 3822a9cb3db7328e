/**
 * Inside the device process: the host served over a MessagePort. Requests
 * come in as RequestFrames, responses and events go out as ResponseFrames and
 * EventFrames, in the order the host produced them.
 */
import type { BenchApi } from '../core/contract/api.js';
import type { RequestHandler } from '../core/host/bench-host.js';
import { answerFrame, eventFrame, parseRequestFrame } from '../core/host/frames.js';

/** The slice of Electron's MessagePortMain the relay uses. */
export interface RelayPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
}

export function relayHostOverPort(host: RequestHandler & Pick<BenchApi, 'subscribe'>, port: RelayPort): () => void {
  const unsubscribe = host.subscribe((event) => port.postMessage(eventFrame(event)));
  port.on('message', ({ data }) => {
    // Main validated the request already; a frame that is still malformed has no id to answer to.
    const frame = parseRequestFrame(data);
    if (frame) void answerFrame(host, frame).then((response) => port.postMessage(response));
  });
  port.start();
  return unsubscribe;
}
