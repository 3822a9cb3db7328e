/**
 * The central server's HTTP API as the bench calls it: Node's fetch with a
 * timeout per request and the bench's Bearer token, every answer parsed with
 * the wire schemas (core/contract/server-wire.ts). Whatever goes wrong comes
 * out as a ServerCallError with a sentence for the technician and what to do:
 * a server that is down, a token refused, a server answering something this
 * Benchline does not understand, or the server's own refusal ({code, message, hint}).
 */
import { z } from 'zod';
import {
  DeprovisionResultSchema,
  HistoryEntrySchema,
  InventoryDeviceSchema,
  LeaseSchema,
  PreapprovedImportResultSchema,
  PreapprovedPreviewSchema,
  RefusalSchema,
  SyncPullResultSchema,
  SyncPushResultSchema,
  type DeprovisionRequest,
  type InventoryDevice,
  type Lease,
  type LeaseRequest,
  type ManualMappingInput,
  type SyncEvent,
  type SyncPullResult,
  type SyncPushResult,
} from '../contract/server-wire.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * - unreachable: no answer (refused, timed out, DNS): retrying later helps.
 * - unauthorized: the token (or enrollment code) was refused.
 * - server: the server failed (5xx): retrying later helps.
 * - invalid-response: the answer does not match the wire (another version?).
 * - refused: the server understood and said no (4xx with its own code).
 */
export type ServerCallErrorKind = 'unreachable' | 'unauthorized' | 'server' | 'invalid-response' | 'refused';

export class ServerCallError extends Error {
  override readonly name = 'ServerCallError';
  constructor(
    readonly kind: ServerCallErrorKind,
    /** The server's error code for `refused`, else one of ours. */
    readonly code: string,
    message: string,
    readonly hint: string,
    readonly status: number | null = null,
    /** Extra fields of the server's error body (a CSV error's line). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Worth retrying later as is: nothing about the request was wrong. */
  get transient(): boolean {
    return this.kind === 'unreachable' || this.kind === 'server';
  }
}

const ErrorBodySchema = z.object({ error: RefusalSchema.loose() });

const EnrolledSchema = z.object({ token: z.string().min(1), bench: z.object({ id: z.uuid(), name: z.string() }).loose() });
export type Enrolled = z.infer<typeof EnrolledSchema>;

const OFFLINE_HINT = 'Work continues offline; everything is kept and sent when it is back.';

/** The errno-style code of a fetch failure (undici wraps it in `cause`). */
function networkCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current.name === 'TimeoutError') return 'timed out';
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}

export interface ServerClientOptions {
  /** The server's base URL, e.g. https://benchline.example.com. */
  url: string;
  /** The bench's token; null for calls that carry their own credentials (enrollment). */
  token: string | null;
  timeoutMs?: number;
}

interface CallOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  text?: { body: string; contentType: string };
  /** Bearer credential other than the bench token (enrollment code). */
  bearer?: string;
}

export class ServerClient {
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ServerClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** One call: the parsed answer, or a ServerCallError. */
  async call<T>(method: string, path: string, schema: z.ZodType<T> | null, options: CallOptions = {}): Promise<T> {
    const target = new URL(this.url + path);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) target.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    const credential = options.bearer ?? this.options.token;
    if (credential) headers.authorization = `Bearer ${credential}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.text) {
      headers['content-type'] = options.text.contentType;
      body = options.text.body;
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(target, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw new ServerCallError('unreachable', 'ServerUnreachable', `The server at ${this.url} is not reachable (${networkCode(error)}).`, OFFLINE_HINT);
    }
    if (response.ok) return this.parse(schema, text, method, path, response.status);
    throw this.failure(response.status, text, method, path);
  }

  private parse<T>(schema: z.ZodType<T> | null, text: string, method: string, path: string, status: number): T {
    if (schema === null) return undefined as T;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.invalid(method, path, `HTTP ${status} with a body that is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.invalid(method, path, z.prettifyError(parsed.error).split('\n').slice(0, 3).join('; '));
    return parsed.data;
  }

  private invalid(method: string, path: string, why: string): ServerCallError {
    return new ServerCallError(
      'invalid-response',
      'ServerResponseInvalid',
      `The server at ${this.url} answered ${method} ${path} with something this Benchline does not understand (${why}).`,
      'Check that the URL points at a Benchline server of the same version as this bench (update one of them); work continues offline meanwhile.',
    );
  }

  private failure(status: number, text: string, method: string, path: string): ServerCallError {
    let body: z.infer<typeof ErrorBodySchema>['error'] | null = null;
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) body = parsed.data.error;
    } catch {
      body = null;
    }
    if (status === 401) {
      return new ServerCallError(
        'unauthorized',
        body?.code ?? 'ServerTokenRefused',
        `This bench's server token was refused by ${this.url} (revoked?)${body ? `: ${body.message}` : '.'}`,
        'Ask an admin for a new enrollment code and enroll this bench again (benchline serve --server-url … --enrollment-code …). Work continues offline meanwhile.',
        status,
      );
    }
    if (status >= 500) {
      return new ServerCallError('server', 'ServerFailed', `The server at ${this.url} failed to handle ${method} ${path} (HTTP ${status}${body ? `: ${body.message}` : ''}).`, `${OFFLINE_HINT} If it persists, the server's log has the cause.`, status);
    }
    if (body) {
      const { code, message, hint, ...details } = body;
      return new ServerCallError('refused', code, message, hint, status, details);
    }
    return this.invalid(method, path, `HTTP ${status} without an error body`);
  }

  // -- The routes the bench uses ----------------------------------------------------------------

  /** Exchanges a one-time enrollment code for this bench's token. */
  enroll(code: string): Promise<Enrolled> {
    return this.call('POST', '/benches/enroll', EnrolledSchema, { bearer: code, json: {} });
  }

  push(events: readonly SyncEvent[]): Promise<SyncPushResult> {
    return this.call('POST', '/sync/push', SyncPushResultSchema, { json: { events } });
  }

  pull(cursor: number, limit: number): Promise<SyncPullResult> {
    return this.call('GET', '/sync/pull', SyncPullResultSchema, { query: { cursor, limit } });
  }

  /** The device's record as the server has it now; null when the server does not know it. */
  async device(serialNumber: string): Promise<InventoryDevice | null> {
    try {
      return await this.call('GET', `/inventory/${encodeURIComponent(serialNumber)}`, InventoryDeviceSchema);
    } catch (error) {
      if (error instanceof ServerCallError && error.kind === 'refused' && error.status === 404) return null;
      throw error;
    }
  }

  history(serialNumber: string): Promise<z.infer<typeof HistoryEntrySchema>[]> {
    return this.call('GET', `/inventory/${encodeURIComponent(serialNumber)}/history`, z.object({ entries: z.array(HistoryEntrySchema) })).then((answer) => answer.entries);
  }

  deprovision(request: DeprovisionRequest): Promise<z.infer<typeof DeprovisionResultSchema>> {
    return this.call('POST', '/deprovisions', DeprovisionResultSchema, { json: request });
  }

  previewCsv(csv: string, options: { mapping?: ManualMappingInput | undefined; delimiter?: string | undefined; limit: number }): Promise<z.infer<typeof PreapprovedPreviewSchema>> {
    return this.call('POST', '/preapproved/preview', PreapprovedPreviewSchema, {
      text: { body: csv, contentType: 'text/csv' },
      query: { mapping: options.mapping ? JSON.stringify(options.mapping) : undefined, delimiter: options.delimiter, limit: options.limit },
    });
  }

  importCsv(csv: string, options: { mapping?: ManualMappingInput | undefined; delimiter?: string | undefined; mode: 'replace' | 'skip'; excludeLines: readonly number[] }): Promise<z.infer<typeof PreapprovedImportResultSchema>> {
    return this.call('POST', '/preapproved/import', PreapprovedImportResultSchema, {
      text: { body: csv, contentType: 'text/csv' },
      query: {
        mapping: options.mapping ? JSON.stringify(options.mapping) : undefined,
        delimiter: options.delimiter,
        mode: options.mode,
        exclude: options.excludeLines.length > 0 ? options.excludeLines.join(',') : undefined,
      },
    });
  }

  acquireLease(request: LeaseRequest): Promise<Lease> {
    return this.call('POST', '/leases', LeaseSchema, { json: request });
  }

  releaseLease(serialNumber: string, jobId: string): Promise<void> {
    return this.call('DELETE', `/leases/${encodeURIComponent(serialNumber)}`, null, { query: { jobId } });
  }
}
