/**
 * A busy bench in the table view: 200 simulated devices, virtualised rows
 * that change as the table scrolls, and a search that narrows them down.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startBenchInChromium, stopBenchInChromium, type BenchInChromium } from '../support/bench-in-chromium.js';
import { ARTIFACTS, requireChromium } from '../support/browser.js';

requireChromium();
const DEVICES = 200;
let bench: BenchInChromium | undefined;
let page: Page;
let fleet: SimDeviceInfo[];

const rows = () => page.locator('[data-testid="device-row"]');

describe(`the device table with ${DEVICES} devices`, () => {
  beforeAll(async () => {
    // Untrusted devices: the bench lists them at once (UDID, model, state) without pairing 200 devices first.
    bench = await startBenchInChromium({ devices: DEVICES, seed: 'e2e-table', viewport: { width: 1280, height: 800 } });
    ({ page, fleet } = bench);
    await page.locator('[data-testid="view-table"]').click();
  });

  afterAll(() => stopBenchInChromium(bench));

  it(`counts all ${DEVICES} devices but renders only the rows in view`, async () => {
    await expect.poll(() => page.locator('[data-testid="bench-summary"]').getAttribute('data-total'), { timeout: 60_000 }).toBe(String(DEVICES));
    const rendered = await rows().count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(DEVICES / 2);
  });

  it('shows other devices when scrolled', async () => {
    const firstBefore = await rows().first().getAttribute('data-id');
    await page.locator('[data-testid="device-table"]').evaluate((table) => table.scrollBy(0, 4000));
    await expect.poll(() => rows().first().getAttribute('data-id')).not.toBe(firstBefore);
    await page.screenshot({ path: path.join(ARTIFACTS, 'table-200-scrolled.png') });
  });

  it('narrows to one device when its UDID is searched', async () => {
    const wanted = fleet[137]!;
    await page.locator('[data-testid="search"]').fill(wanted.udid);
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().getAttribute('data-udid')).toBe(wanted.udid);
    await page.locator('[data-testid="search"]').fill('');
    await expect.poll(() => rows().count()).toBeGreaterThan(5);
  });
});
