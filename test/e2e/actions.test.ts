/**
 * Bench actions as a technician runs them: five simulated iPhones erased
 * through the action panel in Debian's Chromium, against `benchline serve`
 * with the real job engine, the real usbmuxd client and libimobiledevice,
 * and the device simulator in its own process (which takes an erased device
 * away and brings it back wiped: unactivated, in Setup Assistant).
 *
 * Proves: the acknowledgement checkbox is required; Cancel and Back send
 * nothing; Execute sends one erase per device (the simulator's erase log has
 * exactly one entry each); progress shows per device in the panel, with the
 * instruction while an erased device is away; all five end succeeded with a
 * completion message and the outcome on their tiles; the devices come back
 * Unactivated and in Setup Assistant. Screenshots go to test-results/e2e/ (actions-*.png).
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimDeviceInfo } from '../../sim/device/device.js';
import { startBenchInChromium, stopBenchInChromium, type BenchInChromium } from '../support/bench-in-chromium.js';
import { ARTIFACTS, requireChromium } from '../support/browser.js';
import type { SimProcess } from '../support/processes.js';

const DEVICES = 5;
const TECHNICIAN = 'Alex Example';
requireChromium();
let bench: BenchInChromium | undefined;
let sim: SimProcess;
let page: Page;
let fleet: SimDeviceInfo[];

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const tile = (serial: string) => page.locator(`[data-testid="device-tile"][data-serial="${serial}"]`);
const panelStep = () => byTestId('action-panel').getAttribute('data-step');
const erasures = async () => (await sim.control.devices()).map((device) => device.erasures.length);

async function chooseErase(): Promise<void> {
  await byTestId('select-all').click();
  await expect.poll(() => byTestId('selection-count').textContent()).toBe(`${DEVICES} selected`);
  await byTestId('actions-button').click();
  await byTestId('actions-menu').waitFor();
  await page.locator('[data-testid="action-item"][data-workflow="erase"]').click();
  await byTestId('action-panel').waitFor();
}

describe('bench actions in Chromium', () => {
  beforeAll(async () => {
    // An erased device stays away a few seconds, as a real one does (longer), so the wait for it shows.
    bench = await startBenchInChromium({ devices: DEVICES, seed: 'e2e-actions', allTrusted: true, eraseGoneMs: 3000, storePrefix: 'bl-e2e-actions-', viewport: { width: 1440, height: 900 } });
    ({ sim, page, fleet } = bench);
  });

  afterAll(() => stopBenchInChromium(bench));

  it('shows the five devices ready and offers actions (the host answers workflows.list)', async () => {
    for (const device of fleet) await expect.poll(() => tile(device.serialNumber).getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    // A host without the job engine answers ServiceUnavailable, and the window says "Actions unavailable".
    // Nothing is selected yet, so that is the only thing keeping Actions disabled.
    await expect.poll(() => byTestId('actions-unavailable-reason').textContent(), { timeout: 10_000 }).toBe('Select the devices to act on first.');
    expect(await byTestId('actions-retry').count()).toBe(0);
  });

  it('asks for the technician before the first action, then shows what erase will do to the five devices', async () => {
    await chooseErase();
    expect(await panelStep()).toBe('technician');
    await byTestId('technician-input').fill(TECHNICIAN);
    await byTestId('technician-save').click();
    await expect.poll(panelStep).toBe('acknowledge');
    expect(await byTestId('technician').getAttribute('data-name')).toBe(TECHNICIAN);

    expect(await byTestId('action-acknowledgement').textContent()).toMatch(/erased/i);
    expect(await byTestId('action-devices').getAttribute('data-count')).toBe(String(DEVICES));
    const listed = await page.locator('[data-testid="action-device"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-serial')));
    expect(listed.sort()).toEqual(fleet.map((device) => device.serialNumber).sort());
  });

  it('requires the acknowledgement checkbox before Next', async () => {
    expect(await byTestId('action-acknowledge').isChecked()).toBe(false);
    expect(await byTestId('action-next').isDisabled()).toBe(true);
    expect(await byTestId('action-blocker').textContent()).toMatch(/tick the box/i);
    await byTestId('action-acknowledge').check();
    await expect.poll(() => byTestId('action-next').isDisabled()).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'actions-acknowledge.png') });
  });

  it('Cancel closes the panel and sends nothing; the flow starts again from the acknowledgement', async () => {
    await byTestId('action-cancel').click();
    await expect.poll(() => byTestId('action-panel').count()).toBe(0);
    expect(await page.locator('[data-testid="device-job"]').count()).toBe(0);
    expect(await erasures()).toEqual(Array(DEVICES).fill(0));

    await chooseErase();
    // The name is known now: no technician step.
    expect(await panelStep()).toBe('acknowledge');
    expect(await byTestId('action-acknowledge').isChecked()).toBe(false);
  });

  it('Back returns to earlier steps keeping the choices; a reason is required before review', async () => {
    await byTestId('action-acknowledge').check();
    await byTestId('action-next').click();
    await expect.poll(panelStep).toBe('reason');
    expect(await byTestId('action-next').isDisabled()).toBe(true);
    const reasons = page.locator('[data-testid="action-reason"]');
    expect(await reasons.count()).toBeGreaterThan(0);
    await reasons.first().check();
    await byTestId('action-back').click();
    await expect.poll(panelStep).toBe('acknowledge');
    expect(await byTestId('action-acknowledge').isChecked()).toBe(true);
    await byTestId('action-next').click();
    await expect.poll(panelStep).toBe('reason');
    expect(await reasons.first().isChecked()).toBe(true);
    await byTestId('action-next').click();
    await expect.poll(panelStep).toBe('review');
    expect(await byTestId('action-review').textContent()).toContain(TECHNICIAN);
    await byTestId('action-back').click();
    await expect.poll(panelStep).toBe('reason');
    await byTestId('action-next').click();
    await expect.poll(panelStep).toBe('review');
    // Still nothing sent.
    expect(await erasures()).toEqual(Array(DEVICES).fill(0));
  });

  it('Execute starts one erase per device, and progress shows per device, with the instruction while a device is away', async () => {
    await byTestId('action-execute').click();
    await byTestId('action-run').waitFor();
    await expect.poll(() => page.locator('[data-testid="job"]').count()).toBe(DEVICES);
    expect(await page.locator('[data-testid="job-refusal"]').count()).toBe(0);
    // Catch the run under way: an erased device is away, and its job waits for it with an instruction.
    const waiting = page.locator('[data-testid="job"][data-state="waiting-device"]');
    await expect.poll(() => waiting.count(), { timeout: 30_000, interval: 100 }).toBeGreaterThan(0);
    expect(await waiting.first().locator('[data-testid="job-instruction"]').textContent()).toMatch(/\S/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'actions-progress.png') });
  });

  it('all five end succeeded, with "5 succeeded, 0 failed", a completion message, and the outcome on each tile', async () => {
    await expect.poll(() => page.locator('[data-testid="job"][data-state="succeeded"]').count(), { timeout: 90_000, interval: 250 }).toBe(DEVICES);
    const complete = byTestId('run-complete');
    await complete.waitFor();
    expect(await complete.getAttribute('data-succeeded')).toBe(String(DEVICES));
    expect(await complete.getAttribute('data-failed')).toBe('0');
    expect(await byTestId('run-summary').textContent()).toBe(`${DEVICES} succeeded, 0 failed`);
    expect(await complete.textContent()).toMatch(/completed successfully/i);
    // Each device's tile, back on the bench, carries the outcome until the summary is dismissed.
    for (const device of fleet) {
      await expect.poll(() => tile(device.serialNumber).locator('[data-testid="device-job"]').getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
    }
    await page.waitForTimeout(400); // the bars' last 0.3 s width transition, so the picture shows them full
    await page.screenshot({ path: path.join(ARTIFACTS, 'actions-complete.png') });
    // The same command was never sent twice: one erase in each device's log.
    expect(await erasures()).toEqual(Array(DEVICES).fill(1));
  });

  it('the erased devices come back unactivated, in Setup Assistant, and ready on the bench', async () => {
    for (const device of await sim.control.devices()) {
      expect(device.activationState).toBe('Unactivated');
      expect(device.inSetupAssistant).toBe(true);
    }
    for (const device of fleet) await expect.poll(() => tile(device.serialNumber).getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    // What the window shows: the Activation column of the table.
    await byTestId('view-table').click();
    const chooser = page.locator('[data-testid="column-chooser"] summary');
    await chooser.click();
    const activation = page.locator('[data-testid="column-toggle"][data-column="activation"]');
    if (!(await activation.isChecked())) await activation.check();
    await chooser.click();
    for (const device of fleet) {
      const cell = page.locator(`[data-testid="device-row"][data-serial="${device.serialNumber}"] .cell-activation`);
      await expect.poll(() => cell.textContent(), { timeout: 30_000 }).toBe('Unactivated');
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'actions-after-erase-table.png') });
  });

  it('OK dismisses the summary', async () => {
    await byTestId('run-ok').click();
    await expect.poll(() => byTestId('action-run').count()).toBe(0);
  });
});
