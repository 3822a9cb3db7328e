/**
 * The stage of the e2e tests: the device simulator in its own process,
 * `benchline serve` reading it through the real usbmuxd client, and Debian's
 * Chromium on the bench's page. Started in `beforeAll`, stopped in `afterAll`;
 * a start that fails half-way stops what it had started before rethrowing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { launchChromium } from './browser.js';
import { startServeProcess, startSimulatorProcess, type ServeProcess, type SimProcess } from './processes.js';

export interface BenchInChromium {
  sim: SimProcess;
  serve: ServeProcess;
  browser: Browser;
  page: Page;
  /** The simulator's devices as it started them. */
  fleet: SimDeviceInfo[];
  /** The bench's own directory (its record is bench.db there), when `storePrefix` asked for one. */
  dir: string | null;
}

export interface BenchInChromiumOptions {
  devices: number;
  seed: string;
  allTrusted?: boolean;
  /** How long an erased device stays away before it comes back wiped (ms). */
  eraseGoneMs?: number;
  serveArgs?: readonly string[];
  /** Keeps the bench's record in a temporary directory of its own, named with this prefix: never the technician's real one, never another test's lock. */
  storePrefix?: string;
  viewport: { width: number; height: number };
}

export async function startBenchInChromium(options: BenchInChromiumOptions): Promise<BenchInChromium> {
  const started: Partial<BenchInChromium> = {};
  try {
    const sim = (started.sim = await startSimulatorProcess({ devices: options.devices, seed: options.seed, allTrusted: options.allTrusted }));
    if (options.eraseGoneMs !== undefined) await sim.control.setLifecycle({ eraseGoneMs: options.eraseGoneMs });
    const fleet = await sim.control.devices();
    const dir = (started.dir = options.storePrefix === undefined ? null : mkdtempSync(path.join(tmpdir(), options.storePrefix)));
    const serve = (started.serve = await startServeProcess(options.serveArgs ?? [], { USBMUXD_SOCKET_ADDRESS: sim.address, ...(dir === null ? {} : { BENCHLINE_STORE: path.join(dir, 'bench.db') }) }));
    const browser = (started.browser = await launchChromium());
    const page = await browser.newPage({ viewport: options.viewport });
    await page.goto(serve.url);
    return { sim, serve, browser, page, fleet, dir };
  } catch (error) {
    await stopBenchInChromium(started);
    throw error;
  }
}

export async function stopBenchInChromium(bench: Partial<BenchInChromium> | undefined): Promise<void> {
  await bench?.browser?.close();
  await bench?.serve?.stop();
  await bench?.sim?.stop();
  if (bench?.dir) rmSync(bench.dir, { recursive: true, force: true });
}
