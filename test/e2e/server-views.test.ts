/**
 * The central server as a technician meets it at the bench, in Debian's
 * Chromium against `benchline serve` running its embedded server
 * ("standalone"), the real job engine and the device simulator in its own
 * process: a pre-approved CSV through the import wizard (columns in another
 * order and casing, one bad row, one row unchecked, Skip existing users), the
 * imported devices in the Pre-approved view, the four tethered devices
 * pre-approved from the Actions menu, one of them deprovisioned (corporate,
 * Employee left: acknowledge, Back, Execute) with its wipe under way and the
 * completion message, then the Inventory view showing it In stock with its
 * history, and the sync state with nothing pending.
 *
 * Asserts what the technician sees (words, counts), not internals. Screenshots
 * go to test-results/e2e/ (server-*.png).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startBenchInChromium, stopBenchInChromium, type BenchInChromium } from '../support/bench-in-chromium.js';
import { ARTIFACTS, requireChromium } from '../support/browser.js';
import type { SimProcess } from '../support/processes.js';

const DEVICES = 4;
const TECHNICIAN = 'Sam Example';
requireChromium();
let bench: BenchInChromium | undefined;
let sim: SimProcess;
let page: Page;
let fleet: SimDeviceInfo[];
let csvPath: string;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const tile = (serial: string) => page.locator(`[data-testid="device-tile"][data-serial="${serial}"]`);
const wizardStep = () => byTestId('import-wizard').getAttribute('data-step');
const deprovisionStep = () => byTestId('deprovision-panel').getAttribute('data-step');

/** Seed 004's columns in another order and casing; line 4 has an ownership the list does not know; a password the server must not keep. */
const CSV = [
  'serial number,PLATFORM,email,NAME,Ownership,Device Name,Password',
  'C02E2EA0001,macos,ana@example.com,Ana Lima,corporate,Ana MacBook,hunter2',
  'C02E2EA0002,ios,ben@example.com,Ben Okafor,personal,,',
  'C02E2EA0003,ios,cy@example.com,Cy Twombly,company,,',
  'C02E2EA0004,ios,di@example.com,Di Prince,corporate,Di iPhone,',
].join('\n');

/** Asks for a sync round now and waits until the header says nothing is pending. */
async function syncedWithNothingPending(): Promise<void> {
  await expect
    .poll(
      async () => {
        if (!(await byTestId('sync-now').isDisabled())) await byTestId('sync-now').click();
        return byTestId('sync-status').getAttribute('data-pending');
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe('0');
}

describe('the central server in Chromium (standalone)', () => {
  beforeAll(async () => {
    bench = await startBenchInChromium({ devices: DEVICES, seed: 'e2e-server-views', allTrusted: true, eraseGoneMs: 2000, serveArgs: ['--sync-interval', '1000'], storePrefix: 'bl-e2e-server-', viewport: { width: 1440, height: 900 } });
    ({ sim, page, fleet } = bench);
    csvPath = path.join(bench.dir!, 'Pre-approved devices.csv');
    writeFileSync(csvPath, CSV);
  });

  afterAll(() => stopBenchInChromium(bench));

  it('shows the sync state in the header: standalone, connected', async () => {
    for (const device of fleet) await expect.poll(() => tile(device.serialNumber).getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    await expect.poll(() => byTestId('sync-status').getAttribute('data-mode'), { timeout: 30_000 }).toBe('standalone');
    expect(await byTestId('sync-where').textContent()).toBe('Standalone');
    await expect.poll(() => byTestId('sync-status').getAttribute('data-connected'), { timeout: 30_000 }).toBe('true');
    expect(await byTestId('sync-pending').textContent()).toMatch(/^\d+ pending$/);
    // The bench view stays the default page.
    expect(await page.locator('[data-testid="page-tab"][aria-current="page"]').getAttribute('data-page')).toBe('bench');
    await byTestId('technician').click();
    await byTestId('technician-input').fill(TECHNICIAN);
    await byTestId('technician-save').click();
    await expect.poll(() => byTestId('technician').getAttribute('data-name')).toBe(TECHNICIAN);
  });

  it('import wizard: the mapping finds every mandatory field in another order and casing', async () => {
    await page.locator('[data-testid="page-tab"][data-page="preapproved"]').click();
    await byTestId('preapproved-view').waitFor();
    await byTestId('import-csv').click();
    expect(await wizardStep()).toBe('upload');
    expect(await byTestId('wizard-next').isDisabled()).toBe(true);
    await byTestId('wizard-file').setInputFiles(csvPath);
    await expect.poll(wizardStep, { timeout: 15_000 }).toBe('mapping');
    for (const field of ['name', 'email', 'ownership', 'serialNumber', 'platform']) {
      expect(await page.locator(`[data-testid="wizard-field"][data-field="${field}"]`).getAttribute('data-state')).toBe('mapped');
    }
    // Each field shows the file's own column label.
    const serialSelect = page.locator('[data-testid="wizard-field"][data-field="serialNumber"] select');
    expect(await serialSelect.locator('option:checked').textContent()).toBe('serial number');
    expect(await page.locator('[data-testid="wizard-field"][data-field="mobile"]').getAttribute('data-state')).toBe('unmapped');
  });

  it('preview: the bad row shows its line and reason; Back returns to the mapping; one row unchecked', async () => {
    await byTestId('wizard-next').click();
    await expect.poll(wizardStep).toBe('preview');
    const counts = byTestId('wizard-counts');
    expect(await counts.getAttribute('data-valid')).toBe('3');
    expect(await counts.getAttribute('data-invalid')).toBe('1');
    const bad = page.locator('[data-testid="wizard-row"][data-line="4"]');
    expect(await bad.getAttribute('data-valid')).toBe('false');
    expect(await bad.locator('[data-testid="wizard-row-error"]').textContent()).toMatch(/^Line 4: .*ownership/i);
    await byTestId('wizard-back').click();
    await expect.poll(wizardStep).toBe('mapping');
    await byTestId('wizard-next').click();
    await expect.poll(wizardStep).toBe('preview');
    await page.locator('[data-testid="wizard-row"][data-line="5"] [data-testid="wizard-row-check"]').uncheck();
    expect(await counts.getAttribute('data-excluded')).toBe('1');
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-import-preview.png') });
  });

  it('Skip existing users, Import: the result counts the rows and lists the error', async () => {
    await byTestId('wizard-next').click();
    await expect.poll(wizardStep).toBe('mode');
    expect(await byTestId('wizard-import').isDisabled()).toBe(true);
    await page.locator('[data-testid="wizard-mode"][data-mode="skip"]').check();
    await byTestId('wizard-import').click();
    await expect.poll(wizardStep, { timeout: 30_000 }).toBe('result');
    const result = byTestId('wizard-result');
    expect(await result.getAttribute('data-imported')).toBe('2');
    expect(await result.getAttribute('data-excluded')).toBe('1');
    expect(await result.textContent()).toMatch(/^2 imported, 0 replaced, 0 skipped, 1 left out, 1 with errors$/);
    const errors = page.locator('[data-testid="wizard-result-error"]');
    expect(await errors.count()).toBe(1);
    expect(await errors.first().textContent()).toMatch(/^Line 4: /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-import-result.png') });
    await byTestId('wizard-close').click();
    await expect.poll(() => byTestId('import-wizard').count()).toBe(0);
  });

  it('the Pre-approved view lists the imported devices, and not the unchecked or bad ones', async () => {
    const serials = () => page.locator('[data-testid="preapproved-table"] [data-testid="inventory-row"]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-serial')).sort());
    await expect
      .poll(
        async () => {
          if ((await serials()).length < 2) await byTestId('sync-now').click();
          return serials();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(['C02E2EA0001', 'C02E2EA0002']);
    expect(await page.locator('[data-testid="inventory-row"][data-serial="C02E2EA0001"] [data-testid="inventory-status"]').textContent()).toBe('Pre-approved');
  });

  it('pre-approves the four tethered devices from the Actions menu', async () => {
    await page.locator('[data-testid="page-tab"][data-page="bench"]').click();
    await byTestId('select-all').click();
    await expect.poll(() => byTestId('selection-count').textContent()).toBe(`${DEVICES} selected`);
    await byTestId('actions-button').click();
    await page.locator('[data-testid="action-item"][data-workflow="preapprove"]').click();
    const panel = byTestId('preapprove-panel');
    await panel.waitFor();
    expect(await byTestId('preapprove-devices').getAttribute('data-count')).toBe(String(DEVICES));
    expect(await byTestId('preapprove-send').isDisabled()).toBe(true);
    await page.locator('[data-testid="preapprove-ownership"][data-ownership="corporate"]').check();
    await byTestId('preapprove-email').fill('loaners@example.com');
    await byTestId('preapprove-name').fill('Loaner pool');
    await byTestId('preapprove-send').click();
    await expect.poll(() => panel.getAttribute('data-stage'), { timeout: 15_000 }).toBe('done');
    expect(await byTestId('preapprove-result').getAttribute('data-queued')).toBe(String(DEVICES));
    const queued = await page.locator('[data-testid="preapprove-queued"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-serial')).sort());
    expect(queued).toEqual(fleet.map((device) => device.serialNumber).sort());
    await byTestId('preapprove-ok').click();
    await syncedWithNothingPending();
  });

  it('deprovision one tethered corporate device: acknowledge, Back keeps it, Employee left → full wipe, In stock', async () => {
    const target = fleet[0]!;
    await byTestId('select-none').click();
    await tile(target.serialNumber).click();
    await expect.poll(() => byTestId('selection-count').textContent()).toBe('1 selected');
    const openDeprovision = async () => {
      await byTestId('actions-button').click();
      await page.locator('[data-testid="action-item"][data-workflow="deprovision"]').click();
      await byTestId('deprovision-panel').waitFor();
    };
    // Escape is Cancel before Execute: the panel closes, nothing is sent, and the focus is back on Actions.
    await openDeprovision();
    await page.keyboard.press('Escape');
    await expect.poll(() => byTestId('deprovision-panel').count()).toBe(0);
    await expect.poll(() => byTestId('actions-button').evaluate((element) => element.ownerDocument.activeElement === element)).toBe(true);
    await openDeprovision();
    expect(await deprovisionStep()).toBe('acknowledge');
    expect(await byTestId('deprovision-warning').textContent()).toContain('This action removes licenses and devices that would have to be re-enrolled.');
    expect(await byTestId('deprovision-next').isDisabled()).toBe(true);
    await byTestId('deprovision-acknowledge').check();
    await byTestId('deprovision-next').click();
    await expect.poll(deprovisionStep).toBe('reason');
    await byTestId('deprovision-back').click();
    await expect.poll(deprovisionStep).toBe('acknowledge');
    expect(await byTestId('deprovision-acknowledge').isChecked()).toBe(true);
    await byTestId('deprovision-next').click();
    await page.locator('[data-testid="deprovision-reason"][data-reason="employee-left"]').check();
    const device = page.locator(`[data-testid="deprovision-device"][data-serial="${target.serialNumber}"]`);
    await expect.poll(() => device.locator('[data-testid="deprovision-outcome"]').textContent(), { timeout: 10_000 }).toBe('(corporate) → Full wipe, In stock');
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-deprovision-reason.png') });
    await byTestId('deprovision-next').click();
    await expect.poll(deprovisionStep).toBe('review');
    expect(await byTestId('deprovision-review').textContent()).toContain('Employee left the organisation');
  });

  it('Execute: the wipe shows its progress, then "Completed successfully" at the bottom, and OK closes it', async () => {
    const target = fleet[0]!;
    await byTestId('deprovision-execute').click();
    const run = byTestId('deprovision-run');
    await run.waitFor({ timeout: 15_000 });
    const job = run.locator(`[data-testid="job"][data-serial="${target.serialNumber}"]`);
    await job.waitFor({ timeout: 15_000 });
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 30_000, interval: 100 }).toMatch(/running|waiting-device|succeeded/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-deprovision-progress.png') });
    const complete = byTestId('deprovision-complete');
    await complete.waitFor({ timeout: 90_000 });
    expect(await complete.textContent()).toMatch(/^Completed successfully: 1 device deprovisioned \(Employee left the organisation\)\./);
    expect(await job.getAttribute('data-state')).toBe('succeeded');
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-deprovision-complete.png') });
    // One erase reached the device, however the run was followed.
    expect((await sim.control.devices()).find((device) => device.serialNumber === target.serialNumber)?.erasures.length).toBe(1);
    await byTestId('deprovision-ok').click();
    await expect.poll(() => byTestId('deprovision-run').count()).toBe(0);
  });

  it('the Inventory view shows the device In stock with its deprovision in the history; nothing is pending', async () => {
    const target = fleet[0]!;
    await page.locator('[data-testid="page-tab"][data-page="inventory"]').click();
    await byTestId('inventory-search').fill(target.serialNumber);
    // The search keeps only that device (serial numbers are matched case-sensitively).
    await expect.poll(() => byTestId('inventory-count').getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
    await byTestId('inventory-search').fill(target.serialNumber.toLowerCase());
    await expect.poll(() => byTestId('inventory-count').getAttribute('data-count'), { timeout: 10_000 }).toBe('0');
    await byTestId('inventory-search').fill(target.serialNumber);
    await expect.poll(() => byTestId('inventory-count').getAttribute('data-count'), { timeout: 10_000 }).toBe('1');
    const row = page.locator(`[data-testid="inventory-row"][data-serial="${target.serialNumber}"]`);
    const status = row.locator('[data-testid="inventory-status"]');
    await expect
      .poll(
        async () => {
          // The wipe's confirmation reaches the server with the next sync; the row follows by itself.
          if ((await status.count()) === 0 || (await status.getAttribute('data-pending')) === 'true') await byTestId('sync-now').click();
          return (await status.count()) === 0 ? null : status.textContent();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe('In stock');
    expect(await row.locator('[data-testid="inventory-ownership"]').textContent()).toBe('corporate');
    await row.locator('[data-testid="inventory-history"]').click();
    const history = byTestId('history-panel');
    await expect.poll(() => history.getAttribute('data-phase'), { timeout: 15_000 }).toBe('ready');
    const kinds = await history.locator('[data-testid="history-entry"]').evaluateAll((entries) => entries.map((entry) => entry.getAttribute('data-kind')));
    expect(kinds.some((kind) => kind?.startsWith('deprovision'))).toBe(true);
    expect(await history.textContent()).toContain('In stock');
    await syncedWithNothingPending();
    expect(await byTestId('sync-status').getAttribute('data-rejected')).toBe('0');
    await page.screenshot({ path: path.join(ARTIFACTS, 'server-inventory.png') });
  });
});
