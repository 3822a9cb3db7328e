/**
 * The server client's failures, each as a sentence and what to do: nothing
 * listening, a server that never answers, a token refused, a server error, an
 * answer that is not the wire's, and the server's own refusal with its code.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerCallError, ServerClient } from '../../core/sync/server-client.js';

let servers: http.Server[] = [];

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A server answering every request with `handler`; its URL. */
async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await Promise.all(servers.filter((server) => server.listening).map(close));
  servers = [];
});

async function failure(call: Promise<unknown>): Promise<ServerCallError> {
  const error = await call.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ServerCallError);
  return error as ServerCallError;
}

const json = (status: number, body: unknown): http.RequestListener => (_request, response) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('ServerClient failures', () => {
  it('nothing listening: unreachable, work continues offline', async () => {
    const url = await serve(json(200, {}));
    await close(servers[0]!);
    const error = await failure(new ServerClient({ url, token: 't' }).pull(0, 10));
    expect(error).toMatchObject({ kind: 'unreachable', code: 'ServerUnreachable', transient: true });
    expect(error.message).toBe(`The server at ${url} is not reachable (ECONNREFUSED).`);
    expect(error.hint).toBe('Work continues offline; everything is kept and sent when it is back.');
  });

  it('a server that never answers: timed out after the request timeout', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    const error = await failure(new ServerClient({ url, token: 't', timeoutMs: 200 }).pull(0, 10));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(/not reachable \(timed out\)/);
  });

  it('401: the bench token was refused, re-enroll', async () => {
    const url = await serve(json(401, { error: { code: 'unauthorized', message: 'The token is not valid.', hint: 'Log in.' } }));
    const error = await failure(new ServerClient({ url, token: 'revoked' }).pull(0, 10));
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, transient: false });
    expect(error.message).toMatch(/server token was refused .*revoked\?/);
    expect(error.hint).toMatch(/new enrollment code/);
  });

  it('5xx: the server failed, retried later', async () => {
    const url = await serve(json(503, { error: { code: 'internal', message: 'Database down.', hint: 'Later.' } }));
    const error = await failure(new ServerClient({ url, token: 't' }).push([]));
    expect(error).toMatchObject({ kind: 'server', status: 503, transient: true });
    expect(error.message).toMatch(/failed to handle POST \/sync\/push \(HTTP 503: Database down\.\)/);
  });

  it('an answer that is not the wire\'s: invalid-response, never a crash', async () => {
    const url = await serve(json(200, { changes: 'nope' }));
    const error = await failure(new ServerClient({ url, token: 't' }).pull(0, 10));
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(/answered GET \/sync\/pull with something this Benchline does not understand/);
    const html = await serve((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
    expect((await failure(new ServerClient({ url: html, token: 't' }).pull(0, 10))).message).toMatch(/not JSON/);
  });

  it('the server\'s refusal keeps its code, message, hint and extra fields', async () => {
    const url = await serve(json(422, { error: { code: 'csv-malformed', message: 'Unclosed quote.', hint: 'Fix line 7.', line: 7 } }));
    const error = await failure(new ServerClient({ url, token: 't' }).previewCsv('a', { limit: 10 }));
    expect(error).toMatchObject({ kind: 'refused', code: 'csv-malformed', message: 'Unclosed quote.', hint: 'Fix line 7.', status: 422, details: { line: 7 } });
  });

  it('sends the bench token, the CSV as text/csv and the wizard\'s options in the query', async () => {
    const seen: { url?: string; auth?: string; type?: string; body?: string } = {};
    const url = await serve((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        Object.assign(seen, { url: request.url, auth: request.headers.authorization, type: request.headers['content-type'], body });
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ mapping: { header: [], columns: {}, unmapped: [], missing: [], ambiguous: [] }, imported: 1, replaced: 0, skipped: 0, excluded: 2, passwordsIgnored: 0, errors: [] }));
      });
    });
    await new ServerClient({ url: `${url}/`, token: 'tok' }).importCsv('a,b\n', { mode: 'replace', excludeLines: [3, 4], delimiter: ';', mapping: { email: 1 } });
    expect(seen).toEqual({ url: `/preapproved/import?mapping=${encodeURIComponent('{"email":1}')}&delimiter=%3B&mode=replace&exclude=3%2C4`, auth: 'Bearer tok', type: 'text/csv', body: 'a,b\n' });
  });
});
