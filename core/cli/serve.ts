/**
 * `benchline serve`: the bench app in any browser. Serves the built renderer
 * (dist/renderer) and the contract over WebSocket at /api, on loopback unless
 * told otherwise; beyond loopback an access token is required. A composition
 * root: the bench, the host and the web server are built here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { TOKEN_PATTERN } from '../contract/transport.js';
import { openHostedBench, type HostedBench } from '../host/open.js';
import { addActionOptions, parseActionOptions, type RawActionOptions } from './action-options.js';
import type { ActionsOptions } from './actions.js';
import { isLoopbackAddress } from '../host/web/access.js';
import { startWebServer, type WebServer } from '../host/web/server.js';
import { CliExit, EXIT, type ExitCode } from './exit-codes.js';
import { addSyncOptions, parseSyncOptions, type RawSyncOptions, type SyncConfig } from './sync-options.js';

export interface ServeOptions extends RawActionOptions, RawSyncOptions {
  listen: string;
  port: string;
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
  simulate?: string;
  seed: string;
}

/** The checked form of the options. */
export interface ServeConfig {
  listen: string;
  port: number;
  /** null on loopback without --token. */
  token: string | null;
  tokenGenerated: boolean;
  tls: { cert: Buffer; key: Buffer } | null;
  simulate: number | undefined;
  seed: string;
  actions: Omit<ActionsOptions, 'simulated'>;
  sync: SyncConfig;
}

/** The repository (or installed package) root: dist/renderer lives under it, whether this runs from dist/ or from source. */
function packageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

export const RENDERER_DIR = path.join(packageRoot(import.meta.dirname), 'dist', 'renderer');

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliExit(EXIT.USAGE, `${flag} ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function parseServeOptions(options: ServeOptions, generateToken: () => string = () => randomBytes(24).toString('base64url')): ServeConfig {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new CliExit(EXIT.USAGE, `--port ${options.port} is not a port number (0–65535; 0 = any free port)`);
  const listen = options.listen.trim();
  if (listen === '') throw new CliExit(EXIT.USAGE, '--listen needs an address, e.g. 127.0.0.1 or 0.0.0.0');
  let simulate: number | undefined;
  if (options.simulate !== undefined) {
    simulate = Number(options.simulate);
    if (!Number.isInteger(simulate) || simulate < 0 || simulate > 1024) throw new CliExit(EXIT.USAGE, `--simulate ${options.simulate} is not a number of devices (0–1024)`);
  }
  if (options.token !== undefined && !TOKEN_PATTERN.test(options.token)) {
    throw new CliExit(EXIT.USAGE, '--token must be 16–256 characters of A–Z, a–z, 0–9, "-" and "_"', 'Leave it out to have one generated.');
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new CliExit(EXIT.USAGE, '--tls-cert and --tls-key go together');
  // Beyond loopback anyone on the network could reach the bench: never without a token.
  const needsToken = !isLoopbackAddress(listen);
  const token = options.token ?? (needsToken ? generateToken() : null);
  const tls = options.tlsCert !== undefined && options.tlsKey !== undefined ? { cert: readPem(options.tlsCert, '--tls-cert'), key: readPem(options.tlsKey, '--tls-key') } : null;
  return { listen, port, token, tokenGenerated: options.token === undefined && token !== null, tls, simulate, seed: options.seed, actions: parseActionOptions(options), sync: parseSyncOptions(options) };
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry.address);
}

async function listen(config: ServeConfig, hosted: HostedBench): Promise<WebServer> {
  try {
    return await startWebServer({ handler: hosted.host, rendererDir: RENDERER_DIR, listen: config.listen, port: config.port, token: config.token, tls: config.tls });
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'EADDRINUSE') throw new CliExit(EXIT.FAILURE, `Port ${config.port} on ${config.listen} is already in use`, 'Choose another with --port, or --port 0 for any free port.');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new CliExit(EXIT.USAGE, `Cannot listen on ${config.listen}: no such address on this machine`);
    throw error;
  }
}

function untilStopped(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve();
    };
    // Only once each: a second Ctrl-C during shutdown falls back to Node's default and kills the process.
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    signal?.addEventListener('abort', finish);
  });
}

export async function serveCommand(options: ServeOptions, print: (line: string) => void, warn: (line: string) => void, stop?: AbortSignal): Promise<ExitCode> {
  const config = parseServeOptions(options);
  const hosted = await openHostedBench({
    simulate: config.simulate,
    seed: config.seed,
    actions: config.actions,
    sync: config.sync,
    onRetryError: (error) => warn(`benchline: reopening the bench failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  let server: WebServer;
  try {
    server = await listen(config, hosted);
  } catch (error) {
    await hosted.stop();
    throw error;
  }
  // One write: a script reading the first line finds the rest already there.
  const lines = [`Benchline: ${server.url}`];
  if (config.listen === '0.0.0.0') for (const address of lanAddresses()) lines.push(`  also at: ${server.urlFor(address)}`);
  if (config.tokenGenerated) lines.push(`Access token: ${config.token}`);
  print(lines.join('\n'));
  const sync = await hosted.host.call('sync.status', {});
  if (sync.ok) {
    const status = sync.value;
    warn(status.mode === 'standalone' ? `Central server: standalone (embedded in this process at ${status.serverUrl}).` : status.mode === 'server' ? `Central server: ${status.serverUrl}` : 'Central server: none (--no-server); actions are recorded and sent once a server is configured.');
  }
  if (config.simulate !== undefined) warn(`Simulated devices (${config.simulate}, seed ${config.seed}): not real hardware.`);
  if (!isLoopbackAddress(config.listen)) warn(`Listening on ${config.listen}: anyone who can reach this machine and has the token can use the bench.`);
  const status = hosted.host.status();
  if (!status.usbmuxd.connected) warn(`benchline: usbmuxd is not reachable at ${status.usbmuxd.address}; waiting for it (sudo systemctl start usbmuxd).`);

  await untilStopped(stop);
  await server.close();
  await hosted.stop();
  return EXIT.OK;
}

export function registerServe(program: Command, run: (action: () => Promise<ExitCode>) => void): void {
  addSyncOptions(addActionOptions(program
    .command('serve')))
    .description('serve the bench app to a browser: the built UI over HTTP and the API over WebSocket at /api')
    .option('--listen <addr>', 'address to listen on; beyond loopback an access token is required', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '0')
    .option('--token <token>', 'access token to require (default: generated when --listen is not loopback)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS and WSS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--simulate <n>', 'run against N simulated devices instead of real USB (for demos and training)')
    .option('--seed <n>', 'seed for simulated identities', '1')
    .action((options: ServeOptions) =>
      run(() =>
        serveCommand(
          options,
          (line) => process.stdout.write(`${line}\n`),
          (line) => process.stderr.write(`${line}\n`),
        ),
      ),
    );
}
