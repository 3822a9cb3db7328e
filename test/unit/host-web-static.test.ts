/** The renderer's files are served, and nothing outside them ever is, however the path is spelled. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchHost } from '../../core/host/bench-host.js';
import { resolveStaticPath } from '../../core/host/web/static-files.js';
import { startWebServer, type WebServer } from '../../core/host/web/server.js';
import { FakeRegistry, manualTicker } from './host-fakes.js';

const SECRET = 'top secret pairing record';
let dir: string;
let root: string;
let server: WebServer;

function get(urlPath: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    // A raw request path: no client-side normalisation of "..", exactly what an attacker sends.
    const req = request({ host: '127.0.0.1', port: server.port, path: urlPath, method, headers: { Host: `127.0.0.1:${server.port}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bl-static-'));
  root = path.join(dir, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Benchline</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(path.join(root, '.env'), SECRET);
  writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  const host = new BenchHost({ registry: new FakeRegistry(), simulated: true, muxAddress: 'x', benchName: 'b', statusTicker: manualTicker().ticker });
  server = await startWebServer({ handler: host, rendererDir: root, listen: '127.0.0.1', port: 0, token: null });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('serving the renderer', () => {
  it('serves index.html at / with the strict security headers', async () => {
    const response = await get('/');
    expect(response.status).toBe(200);
    expect(response.body).toContain('<title>Benchline</title>');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves assets with their content type', async () => {
    const response = await get('/assets/app.js');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.body).toBe('console.log("app")');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    expect(await get('/', 'HEAD')).toMatchObject({ status: 200, body: '' });
    const post = await get('/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    '/../secret.txt',
    '/../../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%252e%252e/secret.txt',
    '/.env',
    '/assets/link.txt',
    '/assets/app.js%00.html',
    '/%',
  ])('never serves anything outside the build: %s → 404', async (urlPath) => {
    const response = await get(urlPath);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain(SECRET);
  });
});

describe('resolveStaticPath', () => {
  it('maps / and directories to index.html, and files under the root', () => {
    expect(resolveStaticPath('/srv/r', '/')).toBe('/srv/r/index.html');
    expect(resolveStaticPath('/srv/r', '/assets/')).toBe('/srv/r/assets/index.html');
    expect(resolveStaticPath('/srv/r', '/assets/a.js?v=1#x')).toBe('/srv/r/assets/a.js');
  });

  it('refuses relative, climbing and hidden paths', () => {
    for (const bad of ['assets/a.js', '/../x', '/a/../../x', '/./x', '/.git/config', '/a\\..\\x', '/%zz']) expect(resolveStaticPath('/srv/r', bad)).toBeNull();
  });
});

describe('a bench whose renderer is not built', () => {
  it('says how to build it instead of a blank page', async () => {
    const host = new BenchHost({ registry: new FakeRegistry(), simulated: true, muxAddress: 'x', benchName: 'b', statusTicker: manualTicker().ticker });
    const bare = await startWebServer({ handler: host, rendererDir: path.join(dir, 'missing'), listen: '127.0.0.1', port: 0, token: null });
    try {
      const body = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port: bare.port, path: '/' }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        })
          .on('error', reject)
          .end();
      });
      expect(body.status).toBe(503);
      expect(body.body).toContain('npm run build');
      expect(body.body).not.toContain('<script');
    } finally {
      await bare.close();
    }
  });
});
