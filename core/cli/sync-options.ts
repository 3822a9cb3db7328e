/**
 * How `benchline serve` (and the Electron app) reaches the central server:
 * a shared server (`--server URL`, enrolled once with `--enrollment-code`),
 * none (`--no-server`), or by default the one the record remembers, else the
 * embedded server in this process ("standalone").
 */
import type { Command } from 'commander';
import { CliExit, EXIT } from './exit-codes.js';

export interface RawSyncOptions {
  /** A URL, false for --no-server, undefined when neither was given. */
  server?: string | false;
  enrollmentCode?: string;
  syncInterval?: string;
  serverDataDir?: string;
}

export interface SyncConfig {
  /**
   * `auto`: the server the record remembers, else standalone. `server`: serverUrl (enrolled with
   * enrollmentCode when the record has no token for it). `off`: no server; the outbox still fills.
   */
  mode: 'auto' | 'server' | 'off';
  serverUrl: string | undefined;
  enrollmentCode: string | undefined;
  intervalMs: number | undefined;
  /** The embedded server's data directory (standalone); default: `server/` beside the record. */
  serverDataDir: string | undefined;
}

export function addSyncOptions(command: Command): Command {
  return command
    .option('--server <url>', 'the central server (http:// or https://); default: the one this bench enrolled with, else the embedded server (standalone)')
    .option('--no-server', 'no central server, not even the embedded one (actions are still recorded and sent once a server is configured)')
    .option('--enrollment-code <code>', 'one-time code from the server admin (POST /benches/enrollment-codes) to enroll this bench with --server')
    .option('--sync-interval <ms>', 'how often to sync with the server (default 10000)')
    .option('--server-data-dir <dir>', "the embedded server's database directory (standalone; default: server/ beside the record)");
}

export function parseSyncOptions(options: RawSyncOptions): SyncConfig {
  let intervalMs: number | undefined;
  if (options.syncInterval !== undefined) {
    intervalMs = Number(options.syncInterval);
    if (!Number.isInteger(intervalMs) || intervalMs < 200 || intervalMs > 3_600_000) throw new CliExit(EXIT.USAGE, `--sync-interval ${options.syncInterval} is not a number of milliseconds (200–3600000)`);
  }
  let serverUrl: string | undefined;
  if (typeof options.server === 'string') {
    let url: URL;
    try {
      url = new URL(options.server);
    } catch {
      throw new CliExit(EXIT.USAGE, `--server ${options.server} is not a URL`, 'Give the server\'s address as printed by benchline-server, e.g. http://10.0.0.5:8750');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliExit(EXIT.USAGE, `--server ${options.server} must be an http:// or https:// URL`);
    serverUrl = url.origin;
  }
  if (options.enrollmentCode !== undefined && serverUrl === undefined) {
    throw new CliExit(EXIT.USAGE, '--enrollment-code needs --server', 'Give the server the code is from: --server URL --enrollment-code CODE.');
  }
  const mode = options.server === false ? 'off' : serverUrl !== undefined ? 'server' : 'auto';
  if (mode === 'off' && options.serverDataDir !== undefined) throw new CliExit(EXIT.USAGE, '--server-data-dir is for the embedded server; it makes no sense with --no-server');
  return { mode, serverUrl, enrollmentCode: options.enrollmentCode, intervalMs, serverDataDir: options.serverDataDir };
}
