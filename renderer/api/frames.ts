/**
 * Reading what the host sends over the WebSocket. Every frame is checked
 * against the contract's schemas here, at the boundary, so the rest of the
 * renderer only ever sees well-typed envelopes and events; a frame that does
 * not fit is reported, not half-applied.
 */
import { z } from 'zod';
import { ApiErrorSchema, EVENTS, METHODS, type BenchEvent, type Envelope, type EventName, type Method, type Result } from '../../core/contract/index.js';

const ResponseFrameSchema = z.object({
  id: z.number().int().nonnegative(),
  result: z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: ApiErrorSchema })]),
});
const EventFrameSchema = z.object({ event: z.string(), data: z.unknown() });

export type HostFrame =
  | { readonly kind: 'response'; readonly id: number; readonly result: Envelope<unknown> }
  | { readonly kind: 'event'; readonly event: BenchEvent }
  /** An event this renderer does not know (a newer host): ignored, not an error. */
  | { readonly kind: 'unknown-event'; readonly name: string }
  | { readonly kind: 'invalid'; readonly reason: string };

function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(EVENTS, name);
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(frame)'} ${issue.message}`).join('; ');
}

export function parseHostFrame(raw: unknown): HostFrame {
  if (typeof raw !== 'string') return { kind: 'invalid', reason: 'not a text frame' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof json === 'object' && json !== null && 'event' in json) {
    const frame = EventFrameSchema.safeParse(json);
    if (!frame.success) return { kind: 'invalid', reason: describe(frame.error) };
    const name = frame.data.event;
    if (!isEventName(name)) return { kind: 'unknown-event', name };
    const data = EVENTS[name].safeParse(frame.data.data);
    if (!data.success) return { kind: 'invalid', reason: `${name}: ${describe(data.error)}` };
    // The schema for `name` produced `data`, so the pair is a BenchEvent; TypeScript cannot follow that correlation.
    return { kind: 'event', event: { event: name, data: data.data } as BenchEvent };
  }
  const frame = ResponseFrameSchema.safeParse(json);
  if (!frame.success) return { kind: 'invalid', reason: describe(frame.error) };
  return { kind: 'response', id: frame.data.id, result: frame.data.result };
}

/** Checks a successful result against the method's result schema; a host that answers off-contract gets an error envelope. */
export function checkResult<M extends Method>(method: M, result: Envelope<unknown>): Envelope<Result<M>> {
  if (!result.ok) return result;
  const value = METHODS[method].result.safeParse(result.value);
  if (value.success) return { ok: true, value: value.data as Result<M> };
  return {
    ok: false,
    error: {
      code: 'BadResponse',
      message: `The bench answered ${method} with data this window does not understand: ${describe(value.error)}`,
      hint: 'The bench and this window are different versions of Benchline: reload the page, or update Benchline.',
    },
  };
}
