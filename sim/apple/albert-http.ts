/**
 * The simulated albert over HTTP, mounted on the simulator's control server:
 * `POST /albert/deviceActivation` with the form field `activation-info` (the
 * ActivationInfo as an XML plist, as Apple's albert takes it; urlencoded or
 * multipart), or the plist itself as the body. Answers `text/xml`, a plist
 * `{ActivationRecord: …}`; 400 with a text reason when refused.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlistDict } from '../../core/devices/identity.js';
import { parsePlistDict, toXmlPlist } from '../../native/plist/codec.js';
import type { ExtraRoute } from '../device/control-server.js';
import type { SimActivationAuthority } from './activation-authority.js';

export const ALBERT_PATH = '/albert/deviceActivation';
const MAX_BODY = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The ActivationInfo from a form field or a bare plist body. */
async function activationInfo(request: IncomingMessage, body: Buffer): Promise<PlistDict> {
  const type = request.headers['content-type'] ?? '';
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const field = form.get('activation-info');
    if (field === null) throw new Error('the form has no "activation-info" field');
    return parsePlistDict(typeof field === 'string' ? field : Buffer.from(await field.arrayBuffer()));
  }
  return parsePlistDict(body);
}

function reply(response: ServerResponse, status: number, type: string, body: Buffer | string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

export function albertRoute(authority: SimActivationAuthority): ExtraRoute {
  return async (method, path, request, response) => {
    if (path !== ALBERT_PATH) return false;
    if (method !== 'POST') {
      reply(response, 405, 'text/plain; charset=utf-8', 'use POST\n');
      return true;
    }
    let info: PlistDict;
    try {
      info = await activationInfo(request, await readBody(request));
    } catch (error) {
      reply(response, 400, 'text/plain; charset=utf-8', `bad activation request: ${error instanceof Error ? error.message : String(error)}\n`);
      return true;
    }
    let record: PlistDict;
    try {
      record = authority.issue(info);
    } catch (error) {
      reply(response, 400, 'text/plain; charset=utf-8', `${error instanceof Error ? error.message : String(error)}\n`);
      return true;
    }
    reply(response, 200, 'text/xml; charset=utf-8', toXmlPlist({ ActivationRecord: record }));
    return true;
  };
}
