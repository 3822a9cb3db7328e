/** `benchline serve --tls-cert --tls-key`: the page over HTTPS and the API over WSS. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSubprotocols } from '../../core/contract/index.js';
import { createTlsIdentity } from '../../sim/device/crypto.js';
import { connectApi, connected, startServe, type ServeProcess } from './serve-process.js';

let dir: string;
let serve: ServeProcess;
let certPem: string;
// The certificate is self-signed for a name, not for 127.0.0.1: trust it by its pin, skip only the name check.
const tls = (): { ca: string } => ({ ca: certPem });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-serve-tls-'));
  const identity = await createTlsIdentity();
  certPem = identity.certPem;
  writeFileSync(path.join(dir, 'cert.pem'), identity.certPem);
  writeFileSync(path.join(dir, 'key.pem'), identity.keyPem);
  serve = await startServe(['--listen', '0.0.0.0', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'), '--simulate', '1']);
});

afterAll(async () => {
  await serve?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('with a certificate', () => {
  it('prints an https URL carrying the token', () => {
    expect(serve.url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${serve.port}/#token=[A-Za-z0-9_-]+$`));
  });

  it('serves the page over HTTPS with the security headers', async () => {
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      request({ host: '127.0.0.1', port: serve.port, path: '/', ca: certPem, checkServerIdentity: () => undefined }, (res) => {
        res.resume();
        resolve(res.headers);
      })
        .on('error', reject)
        .end();
    });
    expect(headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('serves the API over WSS to the https origin with the token, and refuses it without', async () => {
    const client = await connected(serve.port, { secure: true, tls: tls(), protocols: apiSubprotocols(serve.token) });
    expect(await client.call('bench.status')).toMatchObject({ ok: true, value: { simulated: true } });
    client.close();
    expect(await connectApi(serve.port, { secure: true, tls: tls() })).toEqual({ ok: false, status: 401 });
    expect(await connectApi(serve.port, { secure: true, tls: tls(), protocols: apiSubprotocols(serve.token), origin: `http://127.0.0.1:${serve.port}` })).toEqual({ ok: false, status: 403 });
  });
});
