/**
 * Serving the built renderer (dist/renderer) without ever leaving it: every
 * request path is decoded once, refused if any segment climbs out or is
 * hidden, resolved under the root and checked again after symlinks.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file a URL path names under `root` (absolute), or null when the path is malformed,
 * climbs out of the root, or names a hidden file. Pure: no file system access.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  const pathname = urlPath.split(/[?#]/, 1)[0] ?? '';
  if (!pathname.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null; // malformed percent-encoding
  }
  // Backslashes are separators on Windows; NUL truncates paths in some APIs.
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.' || segment.startsWith('.'))) return null;
  if (decoded.endsWith('/')) segments.push('index.html');
  if (segments.length === 0) segments.push('index.html');
  const resolved = path.resolve(root, ...segments);
  return resolved.startsWith(root + path.sep) ? resolved : null;
}

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticFiles {
  /** Answers a GET/HEAD; resolves once the response is under way. */
  serve(request: IncomingMessage, response: ServerResponse): Promise<void>;
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Benchline: not built</title></head>
<body><h1>Benchline is running, but its app is not built yet</h1>
<p>On the bench machine, run <code>npm run build</code>, then reload this page.</p>
<p>The device API is already available at <code>/api</code>.</p></body></html>
`;

export function staticFiles(rootDir: string, headers: Readonly<Record<string, string>>): StaticFiles {
  const root = path.resolve(rootDir);
  const send = (response: ServerResponse, status: number, type: string, body: string, head: boolean): void => {
    response.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    response.end(head ? undefined : body);
  };
  const notFound = (response: ServerResponse, head: boolean): void => send(response, 404, 'text/plain; charset=utf-8', 'Not found\n', head);

  return {
    async serve(request, response) {
      const head = request.method === 'HEAD';
      const file = resolveStaticPath(root, request.url ?? '/');
      if (file === null) return notFound(response, head);
      let real: string;
      let realRoot: string;
      try {
        [real, realRoot] = await Promise.all([realpath(file), realpath(root)]);
      } catch {
        // The page itself missing means the renderer was never built: say how to fix it.
        if (file === path.join(root, 'index.html')) return send(response, 503, 'text/html; charset=utf-8', NOT_BUILT_PAGE, head);
        return notFound(response, head);
      }
      // A symlink inside the build must not lead outside it.
      if (!real.startsWith(realRoot + path.sep)) return notFound(response, head);
      const info = await stat(real).catch(() => null);
      if (!info?.isFile()) return notFound(response, head);
      response.writeHead(200, {
        ...headers,
        'Content-Type': contentTypeOf(real),
        'Content-Length': info.size,
        // Vite names assets by content hash, but index.html is not: always revalidate.
        'Cache-Control': 'no-cache',
      });
      if (head) {
        response.end();
        return;
      }
      const stream = createReadStream(real);
      stream.on('error', () => response.destroy());
      stream.pipe(response);
    },
  };
}
