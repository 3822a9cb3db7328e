/**
 * What the technician sends about the central server: sync now, inventory
 * searches and history, the CSV wizard's previews and import, pre-approving
 * tethered devices and deprovisioning. Each reads what to send from the store
 * and records the answer through a reducer action (state/server.ts). Nothing
 * here decides what may be sent: a command goes out only when its reducer let
 * the state move (Execute: `deprovision-sending`; Import: `wizard-importing`),
 * so a double click cannot send the same request twice.
 */
import type { BenchApi, Device, Params, PreapprovedFieldName } from '../../core/contract/index.js';
import { deviceLabel } from '../state/action-flow.js';
import { PREVIEW_ROWS, type WizardState } from '../state/csv-wizard.js';
import type { DeprovisionTarget } from '../state/deprovision-flow.js';
import { INVENTORY_PAGE, type InventoryListId, type InventoryQuery } from '../state/inventory.js';
import type { PreapproveTarget } from '../state/preapprove-flow.js';
import { sortDevices } from '../state/query.js';
import type { Page, ServerAction } from '../state/server.js';
import { REJECTIONS_SHOWN, rejectionsToDismiss } from '../state/sync-view.js';
import type { BenchStore } from '../state/store.js';

export interface ServerCommands {
  syncNow(): Promise<void>;
  /** Opens the list of what the server refused (or asks for it again while open). */
  openRejections(): Promise<void>;
  /** Acknowledges every rejection shown and not yet dismissed; then shows the list again. */
  dismissRejections(): Promise<void>;
  /** Shows a page; a list shown for the first time is searched with no filter. */
  showPage(page: Page): void;
  search(list: InventoryListId, query: InventoryQuery): Promise<void>;
  /** The next page of a list, when there is one and none is loading. */
  loadMore(list: InventoryListId): Promise<void>;
  /** Searches every list shown before again (after a reconnection). */
  refreshLists(): void;
  openHistory(serialNumber: string): Promise<void>;
  chooseFile(name: string, text: string): Promise<void>;
  mapField(field: PreapprovedFieldName, column: number | null): Promise<void>;
  /** Asks for the preview again (after a refusal), with the same file and mapping. */
  retryPreview(): Promise<void>;
  importCsv(): Promise<void>;
  /** Opens "Add to pre-approved list…" for the selected tethered devices. */
  openPreapprove(): void;
  sendPreapprove(): Promise<void>;
  /** Opens the deprovision panel for the selected tethered devices or the rows selected in the Inventory view. */
  openDeprovision(source: 'bench' | 'inventory'): Promise<void>;
  executeDeprovision(): Promise<void>;
}

/** The selected tethered devices, in slot order (unplugged ones stay selected but are not acted on). */
function selectedDevices(store: Pick<BenchStore, 'getState'>): Device[] {
  const { selection, devices } = store.getState();
  const present = Object.keys(selection.ids)
    .map((id) => devices[id])
    .filter((device): device is Device => device !== undefined && device.state !== 'detached');
  return sortDevices(present, { column: 'slot', direction: 'asc' });
}

function csvParams(wizard: WizardState): Pick<Params<'preapproved.preview'>, 'csv' | 'mapping'> | null {
  if (wizard.file === null) return null;
  return { csv: wizard.file.text, ...(Object.keys(wizard.mapping).length > 0 ? { mapping: wizard.mapping } : {}) };
}

export function createServerCommands(api: Pick<BenchApi, 'call'>, store: Pick<BenchStore, 'getState'>): ServerCommands {
  const send = (action: ServerAction): void => store.getState().actions.server(action);
  const server = () => store.getState().server;

  const preview = async (): Promise<void> => {
    const wizard = server().wizard;
    const params = wizard === null ? null : csvParams(wizard);
    if (wizard === null || params === null) return;
    const { seq } = wizard;
    const result = await api.call('preapproved.preview', { ...params, limit: PREVIEW_ROWS });
    send(result.ok ? { type: 'wizard-previewed', seq, preview: result.value } : { type: 'wizard-preview-failed', seq, error: result.error });
  };

  const fetchPage = async (list: InventoryListId, offset: number): Promise<void> => {
    const { query, seq } = server().inventory.lists[list];
    const result = await api.call('inventory.search', {
      ...(query.text.trim() === '' ? {} : { query: query.text.trim() }),
      ...(query.statuses.length > 0 ? { statuses: [...query.statuses] } : {}),
      offset,
      limit: INVENTORY_PAGE,
    });
    send(result.ok ? { type: 'inventory-page', list, seq, offset, total: result.value.total, devices: result.value.devices } : { type: 'inventory-failed', list, seq, error: result.error });
  };

  const commands: ServerCommands = {
    async syncNow() {
      if (server().sync.requesting) return;
      send({ type: 'sync-now-requested' });
      const result = await api.call('sync.now', {});
      send({ type: 'sync-now-answered', result: result.ok ? { ok: true, status: result.value } : { ok: false, error: result.error } });
    },

    async openRejections() {
      send({ type: 'rejections-open' });
      const { seq } = server().sync.rejections;
      const result = await api.call('sync.rejections', { limit: REJECTIONS_SHOWN });
      send({ type: 'rejections-answered', seq, result: result.ok ? { ok: true, rejections: result.value } : { ok: false, error: result.error } });
    },

    async dismissRejections() {
      const keys = rejectionsToDismiss(server().sync.rejections);
      const wasDismissing = server().sync.rejections.dismissing;
      send({ type: 'rejections-dismissing' });
      if (wasDismissing || !server().sync.rejections.dismissing) return;
      const result = await api.call('sync.acknowledgeRejections', { keys });
      send({ type: 'rejections-dismissed', result: result.ok ? { ok: true, status: result.value } : { ok: false, error: result.error } });
      // The list shows when each was dismissed.
      if (result.ok && server().sync.rejections.open) await commands.openRejections();
    },

    showPage(page) {
      send({ type: 'page', page });
      if (page === 'bench') return;
      const list = server().inventory.lists[page];
      if (list.phase === 'idle') void commands.search(page, list.query);
    },

    async search(list, query) {
      send({ type: 'inventory-search', list, query });
      await fetchPage(list, 0);
    },

    async loadMore(list) {
      const current = server().inventory.lists[list];
      if (current.phase !== 'ready' || current.fetched >= current.total) return;
      send({ type: 'inventory-page-requested', list });
      await fetchPage(list, current.fetched);
    },

    refreshLists() {
      for (const list of ['inventory', 'preapproved'] as const) {
        const current = server().inventory.lists[list];
        if (current.phase !== 'idle') void commands.search(list, current.query);
      }
    },

    async openHistory(serialNumber) {
      send({ type: 'history-open', serialNumber });
      const result = await api.call('inventory.history', { serialNumber });
      send({ type: 'history-answered', serialNumber, result: result.ok ? { ok: true, entries: result.value } : { ok: false, error: result.error } });
    },

    async chooseFile(name, text) {
      send({ type: 'wizard-file', name, text });
      await preview();
    },

    async mapField(field, column) {
      send({ type: 'wizard-map', field, column });
      await preview();
    },

    async retryPreview() {
      const wizard = server().wizard;
      if (wizard?.file == null) return;
      send({ type: 'wizard-file', name: wizard.file.name, text: wizard.file.text });
      await preview();
    },

    async importCsv() {
      const before = server().wizard;
      send({ type: 'wizard-importing' });
      const wizard = server().wizard;
      if (wizard === null || before?.busy === 'importing' || wizard.busy !== 'importing' || wizard.mode === null) return;
      const params = csvParams(wizard);
      if (params === null) return;
      const result = await api.call('preapproved.import', { ...params, mode: wizard.mode, excludeLines: [...wizard.excluded] });
      send(result.ok ? { type: 'wizard-imported', result: result.value } : { type: 'wizard-import-failed', error: result.error });
      if (result.ok) {
        // The list shows what was imported as soon as the bench's copy has it.
        const list = server().inventory.lists.preapproved;
        if (list.phase !== 'idle') void commands.search('preapproved', list.query);
      }
    },

    openPreapprove() {
      const targets: PreapproveTarget[] = [];
      const excluded: { label: string; reason: string }[] = [];
      for (const device of selectedDevices(store)) {
        if (device.state === 'ready' && device.udid !== null) targets.push({ udid: device.udid, label: deviceLabel(device) });
        else excluded.push({ label: deviceLabel(device), reason: `${device.instruction || 'Not ready.'} Its serial number is read from the device, so it must be ready.` });
      }
      if (targets.length + excluded.length === 0) return;
      send({ type: 'preapprove-open', targets, excluded });
    },

    async sendPreapprove() {
      const wasSending = server().preapprove.stage === 'sending';
      send({ type: 'preapprove-sending' });
      const flow = server().preapprove;
      if (wasSending || flow.stage !== 'sending') return;
      const { draft } = flow;
      const { ownership } = draft;
      if (ownership === null) return;
      const result = await api.call('preapproved.add', {
        udids: draft.targets.map((target) => target.udid),
        ownership,
        user: { email: draft.email.trim(), name: draft.name.trim() },
      });
      send({ type: 'preapprove-answered', result: result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error } });
    },

    async openDeprovision(source) {
      const targets: DeprovisionTarget[] = [];
      const excluded: { label: string; reason: string }[] = [];
      if (source === 'bench') {
        for (const device of selectedDevices(store)) {
          if (device.serialNumber === null) excluded.push({ label: deviceLabel(device), reason: 'Its serial number has not been read yet: wait until it shows on its tile.' });
          else targets.push({ serialNumber: device.serialNumber, label: deviceLabel(device), tethered: true });
        }
      } else {
        for (const serialNumber of Object.keys(server().inventory.selected)) {
          const record = server().inventory.known[serialNumber];
          const name = record?.deviceName ?? record?.productType ?? null;
          targets.push({ serialNumber, label: name === null ? serialNumber : `${name} · ${serialNumber}`, tethered: false });
        }
      }
      if (targets.length + excluded.length === 0) return;
      send({ type: 'deprovision-open', source, targets, excluded });
      // The plan needs each device's ownership: look up the ones this window has not seen yet.
      const unknown = targets.filter((target) => server().inventory.known[target.serialNumber] === undefined);
      for (const target of unknown) {
        const result = await api.call('inventory.search', { query: target.serialNumber, offset: 0, limit: 20 });
        // The search matches parts of serial numbers; only the exact (case-sensitive) one is this device.
        if (result.ok) send({ type: 'inventory-known', devices: result.value.devices.filter((device) => device.serialNumber === target.serialNumber) });
      }
    },

    async executeDeprovision() {
      const wasSending = server().deprovision.stage === 'sending';
      send({ type: 'deprovision-sending' });
      const flow = server().deprovision;
      if (wasSending || flow.stage !== 'sending') return;
      const { draft } = flow;
      const { reason } = draft;
      if (reason === null) return;
      const note = draft.note.trim();
      const result = await api.call('deprovision.start', {
        serialNumbers: draft.targets.map((target) => target.serialNumber),
        acknowledged: draft.acknowledged,
        reason,
        ...(reason === 'other' && draft.wipe !== null ? { wipe: draft.wipe } : {}),
        ...(note === '' ? {} : { note }),
        requestInfo: draft.requestInfo,
      });
      if (!result.ok) {
        send({ type: 'deprovision-failed', error: result.error });
        return;
      }
      send({ type: 'deprovision-started', result: result.value });
      // Send the requests now rather than at the next round: the panel says when the server has them.
      await commands.syncNow();
    },
  };
  return commands;
}
