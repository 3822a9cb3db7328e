import { describe, expect, it } from 'vitest';
import type { Envelope, Method, Params, Result } from '../../core/contract/index.js';
import { createMockApi } from '../../renderer/api/mock.js';

/** The development mock's central server (renderer/api/mock-server.ts), answering like the host. */
function mockServer(search = '?technician=Alex&rate=0') {
  const api = createMockApi(8, search, { every: () => {} });
  const call = <M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> => api.call(method, params);
  return { call };
}

describe('the mock bench\'s central server (development only)', () => {
  it('maps the seed\'s columns by name in any order and casing, and reports a bad row by line', async () => {
    const { call } = mockServer();
    const preview = await call('preapproved.preview', { csv: 'EMAIL,serial number,Name,PLATFORM,ownership\na@x.com,C1,Ana,ios,corporate\nb@x.com,C2,Ben,ios,company\n', limit: 10 });
    expect(preview.ok && preview.value.mapping.missing).toEqual([]);
    expect(preview.ok && preview.value.rows.map((row) => [row.line, row.valid])).toEqual([
      [2, true],
      [3, false],
    ]);
  });

  it('deprovisions a tethered device with a wipe job and refuses a second deprovision while one is pending', async () => {
    const { call } = mockServer();
    const devices = await call('devices.list', {});
    const ready = devices.ok ? devices.value.find((device) => device.state === 'ready' && device.serialNumber !== null)! : null;
    const first = await call('deprovision.start', { serialNumbers: [ready!.serialNumber!], acknowledged: true, reason: 'employee-left', requestInfo: false });
    expect(first.ok && first.value.started[0]).toMatchObject({ serialNumber: ready!.serialNumber, jobId: expect.any(String) });
    const second = await call('deprovision.start', { serialNumbers: [ready!.serialNumber!], acknowledged: true, reason: 'employee-left', requestInfo: false });
    expect(second.ok && second.value.refused[0]?.code).toBe('DeprovisionPending');
    const status = await call('sync.status', {});
    expect(status.ok && status.value.pending).toBe(1);
  });

  it('offline (&sync=offline): history and Sync now are refused with what to do', async () => {
    const { call } = mockServer('?rate=0&sync=offline');
    const history = await call('inventory.history', { serialNumber: 'C02XK0MOCK0' });
    expect(history.ok ? null : history.error.code).toBe('ServerUnreachable');
    const status = await call('sync.status', {});
    expect(status.ok && status.value.connected).toBe(false);
  });
});
