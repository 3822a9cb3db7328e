/**
 * The technician's window, as a technician sees it: Debian's Chromium on
 * `benchline serve`, which reads devices from a simulator in its own process
 * through the real usbmuxd client and libimobiledevice. Screenshots are kept
 * in test-results/e2e/.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startBenchInChromium, stopBenchInChromium, type BenchInChromium } from '../support/bench-in-chromium.js';
import { ARTIFACTS, requireChromium } from '../support/browser.js';
import type { SimProcess } from '../support/processes.js';

requireChromium();
let bench: BenchInChromium | undefined;
let sim: SimProcess;
let page: Page;
let fleet: SimDeviceInfo[];

const tile = (serial: string) => page.locator(`[data-testid="device-tile"][data-serial="${serial}"]`);
const tileByUdid = (udid: string) => page.locator(`[data-testid="device-tile"][data-udid="${udid}"]`);

describe('the device grid in Chromium', () => {
  beforeAll(async () => {
    bench = await startBenchInChromium({ devices: 3, seed: 'e2e-grid', allTrusted: true, viewport: { width: 1280, height: 800 } });
    ({ sim, page, fleet } = bench);
  });

  afterAll(() => stopBenchInChromium(bench));

  it('shows one tile per tethered device, with its serial, once read', async () => {
    for (const device of fleet) await expect.poll(() => tile(device.serialNumber).getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    expect(await page.locator('[data-testid="device-tile"]').count()).toBe(3);
    for (const device of fleet) {
      await expect.poll(() => tile(device.serialNumber).locator('[data-testid="marketing-name"]').textContent()).toBe(device.marketingName);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'grid-3-devices.png') });
  });

  it('tells the technician to unlock a device that is locked', async () => {
    const device = fleet[1]!;
    await sim.control.lock(device.udid, true);
    await sim.control.replug(device.udid); // locked since reboot: the bench meets it as a new attachment
    await expect.poll(() => tileByUdid(device.udid).getAttribute('data-state'), { timeout: 30_000 }).toBe('locked');
    expect(await tileByUdid(device.udid).locator('[data-testid="instruction"]').textContent()).toMatch(/unlock the device with its passcode/i);
    await page.screenshot({ path: path.join(ARTIFACTS, 'grid-locked.png') });
    await sim.control.unlock(device.udid);
    await expect.poll(() => tileByUdid(device.udid).getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
  });

  it('highlights the device whose serial a barcode scanner types, and says when a serial is not tethered', async () => {
    const device = fleet[2]!;
    await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus outside any text field
    await page.keyboard.type(device.serialNumber, { delay: 5 });
    await page.keyboard.press('Enter');
    await expect.poll(() => tile(device.serialNumber).getAttribute('data-highlighted')).toBe('true');
    expect(await page.locator('[data-testid="scanner-message"]').getAttribute('data-kind')).toBe('found');

    await page.keyboard.type('F2LXXXXXXXXX', { delay: 5 });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="scanner-message"]').getAttribute('data-kind')).toBe('missing');
    expect(await page.locator('[data-testid="scanner-message"]').textContent()).toMatch(/F2LXXXXXXXXX.*not tethered/);
  });

  it('removes the tile of a device that is unplugged', async () => {
    const device = fleet[0]!;
    await sim.control.detach(device.udid);
    await expect.poll(() => tile(device.serialNumber).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator('[data-testid="device-tile"]').count()).toBe(2);
  });
});
