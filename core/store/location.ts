/** Where the bench keeps its record when not told otherwise. */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

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
