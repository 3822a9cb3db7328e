import { describe, expect, it } from 'vitest';
import type { Params, PreapprovedPreview } from '../../core/contract/index.js';
import { previewCounts, resultSummary, wizardBlocker } from '../../renderer/state/csv-wizard.js';
import { serverBench } from './renderer-server-fixtures.js';

const HEADER = ['Serial Number', 'EMAIL', 'name', 'Platform', 'ownership'];
const CSV = `${HEADER.join(',')}\nC02A,ana@example.com,Ana,ios,corporate\nC02B,ben@example.com,Ben,ios,corporat\nC02C,cy@example.com,Cy,macos,personal\n`;

/** What the host answers for CSV, with the serial column mapped only when `serialMapped`. */
function preview(serialMapped: boolean): PreapprovedPreview {
  const columns = { email: 1, name: 2, platform: 3, ownership: 4, ...(serialMapped ? { serialNumber: 0 } : {}) };
  return {
    mapping: { header: HEADER, columns, unmapped: serialMapped ? [] : [{ index: 0, label: 'Serial Number' }], missing: serialMapped ? [] : ['serialNumber'], ambiguous: [] },
    rows: [
      { line: 2, values: { serialNumber: 'C02A', name: 'Ana' }, valid: true, errors: [] },
      { line: 3, values: { serialNumber: 'C02B', name: 'Ben' }, valid: false, errors: [{ line: 3, code: 'bad-ownership', field: 'ownership', reason: 'Ownership must be corporate or personal.' }] },
      { line: 4, values: { serialNumber: 'C02C', name: 'Cy' }, valid: true, errors: [] },
    ],
    truncated: false,
  };
}

function wizardBench() {
  const bench = serverBench();
  bench.answers['preapproved.preview'] = (params) => ({ ok: true, value: preview((params as Params<'preapproved.preview'>).mapping?.serialNumber === 0) });
  bench.send({ type: 'wizard-open' });
  return { ...bench, wizard: () => bench.server().wizard! };
}

describe('the CSV import wizard', () => {
  it('reads the chosen file through the host and shows its mapping, with a missing mandatory field blocking Next', async () => {
    const bench = wizardBench();
    expect(wizardBlocker(bench.wizard())).toBe('Choose a CSV file or drop one here.');
    await bench.commands.chooseFile('devices.csv', CSV);
    expect(bench.calls('preapproved.preview')[0]!.params).toMatchObject({ csv: CSV });
    expect(bench.wizard().step).toBe('mapping');
    expect(wizardBlocker(bench.wizard())).toBe('Choose the column for Serial number.');
    bench.send({ type: 'wizard-next' });
    expect(bench.wizard().step).toBe('mapping');
  });

  it('choosing a column asks for the preview again with the mapping, and then Next goes on', async () => {
    const bench = wizardBench();
    await bench.commands.chooseFile('devices.csv', CSV);
    await bench.commands.mapField('serialNumber', 0);
    expect(bench.calls('preapproved.preview')[1]!.params).toMatchObject({ mapping: { serialNumber: 0 } });
    expect(wizardBlocker(bench.wizard())).toBeNull();
    bench.send({ type: 'wizard-next' });
    expect(bench.wizard().step).toBe('preview');
  });

  it('counts valid and invalid rows; unchecked lines are sent as excludeLines; Skip imports once however often Import is clicked', async () => {
    const bench = wizardBench();
    await bench.commands.chooseFile('devices.csv', CSV);
    await bench.commands.mapField('serialNumber', 0);
    bench.send({ type: 'wizard-next' });
    bench.send({ type: 'wizard-line', line: 4, included: false });
    expect(previewCounts(bench.wizard())).toMatchObject({ valid: 2, invalid: 1, excluded: 1, included: 1 });
    bench.send({ type: 'wizard-next' });
    expect(bench.wizard().step).toBe('mode');
    expect(wizardBlocker(bench.wizard())).toBe('Choose whether existing users are replaced or skipped.');
    bench.send({ type: 'wizard-mode', mode: 'skip' });
    const result = { mapping: preview(true).mapping, imported: 1, replaced: 0, skipped: 0, excluded: 1, passwordsIgnored: 0, errors: preview(true).rows[1]!.errors };
    bench.answers['preapproved.import'] = () => ({ ok: true, value: result });
    bench.holdAnswers();
    const first = bench.commands.importCsv();
    void bench.commands.importCsv();
    // Nothing to cancel once Import is on its way.
    bench.send({ type: 'wizard-cancel' });
    expect(bench.server().wizard).not.toBeNull();
    bench.releaseAll();
    await first;
    expect(bench.calls('preapproved.import')).toHaveLength(1);
    expect(bench.calls('preapproved.import')[0]!.params).toMatchObject({ csv: CSV, mode: 'skip', excludeLines: [4], mapping: { serialNumber: 0 } });
    expect(bench.wizard().step).toBe('result');
    expect(resultSummary(bench.wizard().result!)).toBe('1 imported, 0 replaced, 0 skipped, 1 left out, 1 with errors');
  });

  it('a refused import stays on the last step with the message and hint, and keeps the file to retry', async () => {
    const bench = wizardBench();
    await bench.commands.chooseFile('devices.csv', CSV);
    await bench.commands.mapField('serialNumber', 0);
    bench.send({ type: 'wizard-next' });
    bench.send({ type: 'wizard-next' });
    bench.send({ type: 'wizard-mode', mode: 'replace' });
    bench.answers['preapproved.import'] = () => ({ ok: false, error: { code: 'ServerUnreachable', message: 'The central server cannot be reached.', hint: 'Check the network, then Import again.' } });
    await bench.commands.importCsv();
    expect(bench.wizard()).toMatchObject({ step: 'mode', busy: null, file: { name: 'devices.csv', text: CSV }, error: { hint: 'Check the network, then Import again.' } });
    bench.answers['preapproved.import'] = () => ({ ok: true, value: { mapping: preview(true).mapping, imported: 2, replaced: 0, skipped: 0, excluded: 0, passwordsIgnored: 0, errors: [] } });
    await bench.commands.importCsv();
    expect(bench.wizard().step).toBe('result');
  });

  it('a refused preview keeps the file; Back and Cancel work before Import and nothing is imported', async () => {
    const bench = wizardBench();
    bench.answers['preapproved.preview'] = () => ({ ok: false, error: { code: 'ServerUnreachable', message: 'Offline.', hint: 'Try again when the server is back.' } });
    await bench.commands.chooseFile('devices.csv', CSV);
    expect(bench.wizard()).toMatchObject({ step: 'upload', file: { name: 'devices.csv' }, error: { code: 'ServerUnreachable' } });
    bench.answers['preapproved.preview'] = () => ({ ok: true, value: preview(true) });
    await bench.commands.retryPreview();
    expect(bench.wizard().step).toBe('mapping');
    bench.send({ type: 'wizard-next' });
    bench.send({ type: 'wizard-back' });
    expect(bench.wizard().step).toBe('mapping');
    bench.send({ type: 'wizard-cancel' });
    expect(bench.server().wizard).toBeNull();
    expect(bench.calls('preapproved.import')).toHaveLength(0);
  });

  it('an answer to an older preview does not replace a newer one', async () => {
    const bench = wizardBench();
    bench.holdAnswers();
    const first = bench.commands.chooseFile('devices.csv', CSV);
    const second = bench.commands.mapField('serialNumber', 0);
    bench.releaseNewestFirst();
    await Promise.all([first, second]);
    expect(bench.wizard().preview?.mapping.missing).toEqual([]);
  });
});
