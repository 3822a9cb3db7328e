/** Debian's Chromium driven by playwright-core, launched the way this machine allows. */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go: kept as test artifacts (test-results/ is ignored by git). */
export const ARTIFACTS = path.resolve('test-results/e2e');

/**
 * Browser tests need Debian's Chromium; `npm test` installs it (scripts/system-deps.sh), so a
 * missing one fails the file with how to fix it rather than skipping the tests.
 */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/system-deps.sh (Debian package "chromium") or set CHROMIUM_PATH`);
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    // Root in a container: no sandbox. The rest keeps Chromium off the network this machine does not have;
    // Playwright gives each launch a fresh profile of its own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
