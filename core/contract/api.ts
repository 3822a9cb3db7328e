/**
 * The one API between core and any UI (Electron IPC, the `benchline serve`
 * WebSocket, tests): queries and commands by method name with zod schemas
 * for parameters and results, an event stream, and result envelopes whose
 * errors carry a `hint` the technician can act on.
 */
import { z } from 'zod';
import { BenchStatusSchema, DeviceSchema } from './device.js';
import { JobSchema, StartJobsParamsSchema, StartJobsResultSchema, TechnicianSchema, WorkflowSummarySchema } from './jobs.js';
import { SYNC_EVENTS, SYNC_METHODS } from './sync.js';

/** Bumped on any incompatible change; a UI refuses to talk to a host of another major version. */
export const CONTRACT_VERSION = 1;

export const METHODS = {
  'bench.hello': {
    params: z.object({ contractVersion: z.number().int() }),
    result: z.object({ contractVersion: z.number().int(), benchName: z.string() }),
  },
  'bench.status': { params: z.object({}), result: BenchStatusSchema },
  'devices.list': { params: z.object({}), result: z.array(DeviceSchema) },
  /** Re-reads a device now (after the technician unlocked it, say). */
  'devices.refresh': { params: z.object({ id: z.string().min(1) }), result: DeviceSchema.nullable() },
  /** Who is at the bench: recorded with every job. */
  'technician.get': { params: z.object({}), result: TechnicianSchema },
  'technician.set': { params: z.object({ name: z.string().trim().min(1).max(100) }), result: TechnicianSchema },
  'workflows.list': { params: z.object({}), result: z.array(WorkflowSummarySchema) },
  /** One job per device; refused devices come back with the reason instead of failing the whole call. */
  'jobs.start': { params: StartJobsParamsSchema, result: StartJobsResultSchema },
  'jobs.list': { params: z.object({ activeOnly: z.boolean().optional(), limit: z.number().int().min(1).max(5000).optional() }), result: z.array(JobSchema) },
  /** Refused with NotCancellable once a destructive step has started. */
  'jobs.cancel': { params: z.object({ jobId: z.string().min(1) }), result: JobSchema },
  ...SYNC_METHODS,
} as const;

export type Method = keyof typeof METHODS;
export type Params<M extends Method> = z.infer<(typeof METHODS)[M]['params']>;
export type Result<M extends Method> = z.infer<(typeof METHODS)[M]['result']>;

export const EVENTS = {
  'devices.changed': z.object({ kind: z.enum(['added', 'updated', 'removed']), device: DeviceSchema, previousId: z.string().optional() }),
  'bench.status': BenchStatusSchema,
  'jobs.changed': JobSchema,
  'technician.changed': TechnicianSchema,
  ...SYNC_EVENTS,
} as const;

export type EventName = keyof typeof EVENTS;
export type EventData<E extends EventName> = z.infer<(typeof EVENTS)[E]>;
export type BenchEvent = { [E in EventName]: { event: E; data: EventData<E> } }[EventName];

export const ApiErrorSchema = z.object({ code: z.string(), message: z.string(), hint: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function ok<T>(value: T): Envelope<T> {
  return { ok: true, value };
}

export function fail(code: string, message: string, hint: string): Envelope<never> {
  return { ok: false, error: { code, message, hint } };
}

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHODS, name);
}

/** Validates untrusted parameters; the envelope says what was wrong. */
export function parseParams<M extends Method>(method: M, params: unknown): Envelope<Params<M>> {
  const parsed = METHODS[method].params.safeParse(params ?? {});
  if (parsed.success) return ok(parsed.data as Params<M>);
  return fail('BadRequest', `Invalid parameters for ${method}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(params)'} ${issue.message}`).join('; ')}`, 'This is a bug in the calling program, not something to fix at the bench.');
}

/** The API as a UI calls it: same shape over IPC and WebSocket. */
export interface BenchApi {
  call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>>;
  /** Every event, in order; returns the unsubscribe function. */
  subscribe(listener: (event: BenchEvent) => void): () => void;
}

/** WebSocket frames (JSON). Client → host: a request. Host → client: a response or an event. */
export const RequestFrameSchema = z.object({ id: z.number().int().nonnegative(), method: z.string(), params: z.unknown().optional() });
export type RequestFrame = z.infer<typeof RequestFrameSchema>;
export type ResponseFrame = { id: number; result: Envelope<unknown> };
export type EventFrame = { event: EventName; data: unknown };
