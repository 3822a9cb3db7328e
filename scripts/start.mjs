// `npm start [-- --simulate N]`: runs the bench app.
// With Electron's binary installed: the desktop app. Otherwise `benchline serve`
// with Chromium opened in app mode on it, or, with no display or no browser,
// the URL to open. Arguments are passed to the bench (e.g. --simulate 12).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);

/** The Electron binary's path, when the optional package installed it (its download fails on some machines). */
function electronBinary() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function findBrowser() {
  for (const name of [process.env.BENCHLINE_BROWSER, 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'].filter(Boolean)) {
    const found = spawnSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  return null;
}

const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

const electron = electronBinary();
if (electron && hasDisplay) {
  const build = spawnSync('npm', ['run', 'build:electron', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const app = spawn(electron, [path.join(root, 'dist/electron/main/index.js'), ...args], { stdio: 'inherit' });
  app.on('exit', (code) => process.exit(code ?? 0));
} else {
  const serve = spawn(process.execPath, [path.join(root, 'bin/benchline.cjs'), 'serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let browser = null;
  const stop = () => {
    browser?.kill('SIGTERM');
    serve.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  serve.on('exit', (code) => {
    browser?.kill('SIGTERM');
    process.exit(code ?? 0);
  });
  createInterface({ input: serve.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`);
    const match = /^Benchline: (\S+)/.exec(line);
    if (!match || browser) return;
    const executable = findBrowser();
    if (!executable || !hasDisplay) {
      process.stdout.write(`Open ${match[1]} in a browser${hasDisplay ? ' (no Chromium found: install it or set BENCHLINE_BROWSER)' : ' (no display here)'}. Ctrl-C stops the bench.\n`);
      return;
    }
    // A profile of its own, so the app window does not join (or disturb) the user's browser session.
    const profile = path.join(homedir(), '.benchline', 'chromium-profile');
    mkdirSync(profile, { recursive: true });
    browser = spawn(executable, [`--app=${match[1]}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', '--disable-component-update', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])], { stdio: 'ignore' });
    // Closing the app window ends the bench.
    browser.on('exit', () => serve.kill('SIGTERM'));
  });
}
