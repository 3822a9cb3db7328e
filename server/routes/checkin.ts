/**
 * Apple's MDM check-in endpoint (issue #5 part 6): the device PUTs an XML property list with its
 * MessageType (Authenticate, TokenUpdate, CheckOut). Open without a bearer token: a device has
 * none. A real deployment authenticates the device's identity certificate (mTLS) at the proxy in
 * front of this server; see server/README.md.
 */
import { parse, serialize } from '@plist/plist';
import { z } from 'zod';
import { ApiError, errorBody } from '../errors.js';
import { handleCheckin, type CheckinMessage } from '../inventory/checkin.js';
import type { RouteContext, ZodApp } from './types.js';

const CHECKIN_TYPES = ['application/x-apple-aspen-mdm-checkin', 'application/xml', 'text/xml'];
// @plist/common's PlistFormat.XML, by number to avoid a deep import (as native/plist/codec.ts does).
const XML = 1;

/** The check-in's dictionary, or a 400 saying the body is not one. */
function readMessage(body: unknown): CheckinMessage {
  const notPlist = new ApiError(400, 'not-a-plist', 'The check-in body is not a property list.', 'Send the check-in message as an XML property list (a <dict> with MessageType).');
  if (typeof body !== 'string' || body.trim() === '') throw notPlist;
  let value: unknown;
  try {
    value = parse(body);
  } catch {
    throw notPlist;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date || value instanceof ArrayBuffer) {
    throw new ApiError(400, 'not-a-plist', 'The check-in property list is not a dictionary.', "Send a <dict> with MessageType and the message's keys.");
  }
  return value as CheckinMessage;
}

export function checkinRoutes(app: ZodApp, ctx: RouteContext): void {
  // The body as text: the route parses the plist itself and answers malformed ones in the API's error shape.
  app.addContentTypeParser(CHECKIN_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.put('/mdm/checkin', {
    config: { access: 'public' },
    schema: {
      summary: 'Apple MDM check-in (Content-Type: application/x-apple-aspen-mdm-checkin; XML plist): Authenticate, TokenUpdate, CheckOut. 401 refuses an enrollment',
      tags: ['mdm'],
      security: [],
      response: { 200: z.string().describe('an empty plist dictionary'), 400: errorBody, 401: errorBody },
    },
  }, async (request, reply) => {
    let message: CheckinMessage;
    try {
      message = readMessage(request.body);
    } catch (error) {
      request.log.warn({ err: error }, 'MDM check-in body is not a property list');
      throw error;
    }
    const outcome = await handleCheckin(ctx.db, message, ctx.now());
    if (!outcome.ok) {
      request.log.warn({ serialNumber: outcome.serialNumber, code: outcome.code, messageType: message['MessageType'] }, outcome.message);
      throw new ApiError(outcome.status, outcome.code, outcome.message, outcome.hint);
    }
    request.log.info({ serialNumber: outcome.serialNumber, event: outcome.event }, 'MDM check-in');
    return reply.code(200).type('application/xml').send(serialize({}, XML) as string);
  });
}
