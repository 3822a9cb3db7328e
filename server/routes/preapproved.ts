/**
 * The pre-approved list (issue #5 part 4, seed 004): preview and import a CSV upload, list,
 * export, and the "pre-approved devices only" enrollment setting.
 */
import { Transform, type Readable } from 'node:stream';
import { z } from 'zod';
import { HeaderMappingSchema, ManualMappingSchema, PreapprovedImportResultSchema, PreapprovedPreviewSchema } from '../../core/contract/server-wire.js';
import { ANY_USER, type Principal } from '../auth/access.js';
import { ApiError, errorBody } from '../errors.js';
import { exportPreapprovedCsv, FIELDS, PreapprovedCsvError, previewPreapprovedCsv, type ManualMapping } from '../preapproved/index.js';
import { allPreapproved, importPreapproved, listPreapproved } from '../store/preapproved.js';
import { getSetting, PREAPPROVED_ONLY, putSetting } from '../store/settings.js';
import { authErrors } from './schemas.js';
import type { RouteContext, ZodApp } from './types.js';

/** 100k seed-shaped rows are ~8 MB; room for long names and extra columns. */
export const CSV_BODY_LIMIT = 32 * 1024 * 1024;
const CSV_TYPES = ['text/csv', 'application/csv', 'text/comma-separated-values'];

const platform = z.enum(['android', 'ios', 'macos', 'tvos']);
const ownership = z.enum(['personal', 'corporate']);
const fileError = errorBody.extend({ line: z.number().optional(), mapping: HeaderMappingSchema.optional() });

/** Who is uploading, for the log and the devices' history: the user, or the enrolled bench the wizard runs on. */
const uploader = (principal: Principal | null): string =>
  principal === null ? 'server' : principal.kind === 'user' ? principal.email : `bench ${principal.name}`;

/** The manual mapping travels in the query string as JSON, since the body is the CSV itself. */
const manualMapping = z
  .string()
  .optional()
  .transform((text, context): ManualMapping | undefined => {
    if (text === undefined) return undefined;
    try {
      const parsed = ManualMappingSchema.parse(JSON.parse(text));
      return parsed as ManualMapping;
    } catch {
      context.addIssue({ code: 'custom', message: 'mapping must be JSON: {"field": column index | header label | null}, fields: ' + FIELDS.join(', ') });
      return z.NEVER;
    }
  });
const delimiter = z.string().length(1).optional();

const device = z.object({
  serialNumber: z.string(),
  platform,
  ownership,
  deviceName: z.string().nullable(),
  user: z.object({ email: z.string(), name: z.string(), mobile: z.string().nullable(), samAccountName: z.string().nullable() }),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** The request body as the stream it arrives as, refused past CSV_BODY_LIMIT bytes. */
function csvBody(body: unknown): Readable {
  if (body === undefined || body === null || typeof (body as Readable).pipe !== 'function') {
    throw new ApiError(415, 'not-csv', 'The body must be the CSV file itself, sent as Content-Type: text/csv.', 'Send the file as the request body with "Content-Type: text/csv".');
  }
  return body as Readable;
}

const tooLarge = (limit: number): ApiError =>
  new ApiError(413, 'too-large', `The file is larger than the server accepts (${limit} bytes).`, 'Split the list into several files.');

function limited(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(tooLarge(limit));
      else callback(null, chunk);
    },
  });
}

/** A file that cannot be imported at all: the API's error shape plus the line to blame and the mapping. */
class CsvFileError extends ApiError {
  constructor(
    override readonly cause: PreapprovedCsvError,
    hint: string,
  ) {
    super(422, `csv-${cause.code}`, cause.message, hint);
  }

  override body() {
    return { ...super.body(), ...(this.cause.line === undefined ? {} : { line: this.cause.line }), ...(this.cause.mapping === undefined ? {} : { mapping: this.cause.mapping }) };
  }
}

function fileProblem(error: unknown): never {
  if (error instanceof PreapprovedCsvError) {
    const hint = error.code === 'missing-columns' ? 'Map the missing fields by hand (the mapping parameter) or rename the columns.' : 'Correct the file and upload it again; nothing was imported.';
    throw new CsvFileError(error, hint);
  }
  throw error;
}

export function preapprovedRoutes(app: ZodApp, ctx: RouteContext): void {
  // Hand the route the request stream itself: the import reads it batch by batch, never buffered whole.
  app.addContentTypeParser(CSV_TYPES, (request, payload, done) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > ctx.csvBodyLimit) {
      done(tooLarge(ctx.csvBodyLimit), undefined);
      return;
    }
    const counted = limited(ctx.csvBodyLimit);
    payload.on('error', (error) => counted.destroy(error));
    done(null, payload.pipe(counted));
  });

  app.post('/preapproved/preview', {
    // Benches too: the bench's CSV wizard runs as the enrolled bench.
    config: { access: { roles: ['admin', 'technician'], benches: true } },
    bodyLimit: ctx.csvBodyLimit,
    schema: {
      summary: 'Preview a pre-approved CSV (body: the file, text/csv): the header mapping and the first rows with their errors; imports nothing',
      tags: ['pre-approved'],
      querystring: z.object({ mapping: manualMapping, limit: z.coerce.number().int().min(1).max(1000).default(50), delimiter }),
      response: {
        200: PreapprovedPreviewSchema,
        415: errorBody,
        422: fileError,
        ...authErrors,
      },
    },
  }, async (request) => {
    const source = csvBody(request.body);
    try {
      const preview = await previewPreapprovedCsv(source, { limit: request.query.limit, mapping: request.query.mapping, delimiter: request.query.delimiter });
      source.resume(); // the rest of the upload is not needed
      return { mapping: preview.mapping, truncated: preview.truncated, rows: preview.rows.map((row) => ({ line: row.line, values: row.values, valid: row.row !== null, errors: row.errors })) };
    } catch (error) {
      return fileProblem(error);
    }
  });

  app.post('/preapproved/import', {
    config: { access: { roles: ['admin'], benches: true } },
    bodyLimit: ctx.csvBodyLimit,
    schema: {
      summary: 'Import a pre-approved CSV (body: the file, text/csv): the whole file is validated first, so a broken file imports nothing; then written in short transactions that let other requests through; rows with errors are reported by line',
      tags: ['pre-approved'],
      querystring: z.object({
        mode: z.enum(['replace', 'skip']).default('skip'),
        exclude: z.string().regex(/^\d+(,\d+)*$/, 'exclude is a comma-separated list of line numbers').optional(),
        mapping: manualMapping,
        delimiter,
      }),
      response: {
        200: PreapprovedImportResultSchema,
        413: errorBody,
        415: errorBody,
        422: fileError,
        ...authErrors,
      },
    },
  }, async (request) => {
    const source = csvBody(request.body);
    const exclude = new Set((request.query.exclude ?? '').split(',').filter(Boolean).map(Number));
    try {
      const actor = uploader(request.principal);
      const result = await importPreapproved(ctx.db, source, { mode: request.query.mode, exclude, mapping: request.query.mapping, delimiter: request.query.delimiter, now: ctx.now(), actor });
      request.log.info({ by: actor, imported: result.imported, replaced: result.replaced, skipped: result.skipped, errors: result.errors.length }, 'pre-approved list imported');
      return result;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      return fileProblem(error);
    }
  });

  app.get('/preapproved', {
    config: { access: { ...ANY_USER, benches: true } },
    schema: {
      summary: 'The pre-approved devices in serial-number order, a page at a time; search matches part of a serial number (case-sensitive) or an email',
      tags: ['pre-approved'],
      querystring: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(500).default(100), search: z.string().max(255).optional() }),
      response: { 200: z.object({ total: z.number(), offset: z.number(), devices: z.array(device) }), ...authErrors },
    },
  }, async (request) => ({ offset: request.query.offset, ...(await listPreapproved(ctx.db, request.query)) }));

  app.get('/preapproved/export', {
    config: { access: { roles: ['admin'] } },
    schema: {
      summary: 'The whole list as CSV with the canonical header (UTF-8 with BOM, CRLF); passwords are not stored, so not exported',
      tags: ['pre-approved'],
      produces: ['text/csv'],
      response: { 200: z.string().describe('CSV text'), ...authErrors },
    },
  }, async (_request, reply) => {
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="preapproved.csv"')
      // A stream is sent as it is, never through the response serializer.
      .send(exportPreapprovedCsv(allPreapproved(ctx.db)) as unknown as string);
  });

  const enrollmentSettings = z.object({ preapprovedOnly: z.boolean() });
  app.get('/settings/enrollment', {
    config: { access: { roles: ['admin'] } },
    schema: { summary: 'Enrollment restrictions: "pre-approved devices only" (enforced at check-in)', tags: ['settings'], response: { 200: enrollmentSettings, ...authErrors } },
  }, async () => ({ preapprovedOnly: await getSetting(ctx.db, PREAPPROVED_ONLY, false) }));

  app.put('/settings/enrollment', {
    config: { access: { roles: ['admin'] } },
    schema: { summary: 'Turn "pre-approved devices only" on or off', tags: ['settings'], body: enrollmentSettings, response: { 200: enrollmentSettings, ...authErrors } },
  }, async (request) => {
    await ctx.db.transaction((tx) => putSetting(tx, PREAPPROVED_ONLY, request.body.preapprovedOnly, ctx.now()));
    request.log.info({ by: request.principal?.id, preapprovedOnly: request.body.preapprovedOnly }, 'enrollment settings changed');
    return { preapprovedOnly: await getSetting(ctx.db, PREAPPROVED_ONLY, false) };
  });
}
