/** The wire frames of the contract (core/contract RequestFrame/ResponseFrame/EventFrame), shared by every relay. */
import { RequestFrameSchema, type BenchEvent, type EventFrame, type RequestFrame, type ResponseFrame } from '../contract/api.js';
import type { RequestHandler } from './bench-host.js';

/** A request frame from an already-decoded message, or null when it is not one. */
export function parseRequestFrame(message: unknown): RequestFrame | null {
  const parsed = RequestFrameSchema.safeParse(message);
  return parsed.success ? parsed.data : null;
}

/** A request frame from JSON text, or null when the text is not JSON or not a request. */
export function parseRequestText(text: string): RequestFrame | null {
  try {
    return parseRequestFrame(JSON.parse(text));
  } catch {
    return null;
  }
}

export async function answerFrame(handler: RequestHandler, frame: RequestFrame): Promise<ResponseFrame> {
  return { id: frame.id, result: await handler.request(frame.method, frame.params) };
}

export function eventFrame(event: BenchEvent): EventFrame {
  return { event: event.event, data: event.data };
}
