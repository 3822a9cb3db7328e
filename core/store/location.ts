/** Where the bench keeps its record when not told otherwise. */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { StoreError } from './errors.js';

/**
 * `$BENCHLINE_STORE` if set, else `$XDG_DATA_HOME/benchline/bench.db`, else
 * `~/.local/share/benchline/bench.db` (the XDG default). The directory is
 * created (not the file: openStore does that), so a fresh bench just works.
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.BENCHLINE_STORE?.trim();
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME?.trim();
  const dataHome = xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.local', 'share');
  const file = explicit ? path.resolve(explicit) : path.join(dataHome, 'benchline', 'bench.db');
  mkdirSync(path.dirname(file), { recursive: true });
  return file;
}

/**
 * Creates the directory a record given with --store will live in (a new bench pointed at
 * /srv/bench-3/bench.db just works); says what to do when it cannot be created.
 */
export function ensureStoreDirectory(file: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  } catch (error) {
    throw new StoreError(
      'cannot-open',
      `The directory for ${file} cannot be created (${error instanceof Error ? error.message : String(error)}).`,
      'Choose a --store path in a directory this user may write, or create the directory first.',
      { cause: error },
    );
  }
}
