/** Inside the device process: the host answers over the port main holds, and its events go the same way, in order. */
import { describe, expect, it } from 'vitest';
import { BenchHost } from '../../core/host/bench-host.js';
import { relayHostOverPort } from '../../electron/bench-relay.js';
import { FakeRegistry, manualTicker, record } from './host-fakes.js';
import { FakePort } from './electron-fakes.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function relayed(registry: FakeRegistry): FakePort {
  const host = new BenchHost({ registry, simulated: true, muxAddress: 'x', benchName: 'b', statusTicker: manualTicker().ticker });
  host.start();
  const port = new FakePort();
  relayHostOverPort(host, port);
  return port;
}

describe('the device process relay', () => {
  it('answers requests with responses carrying their id', async () => {
    const registry = new FakeRegistry();
    registry.records = [record({ id: 'ecid:1' })];
    const port = relayed(registry);
    expect(port.started).toBe(true);
    port.deliver({ id: 4, method: 'devices.list', params: {} });
    await flush();
    expect(port.sent).toEqual([{ id: 4, result: { ok: true, value: [record({ id: 'ecid:1' })] } }]);
  });

  it('sends registry changes as event frames, in order with responses', async () => {
    const registry = new FakeRegistry();
    const port = relayed(registry);
    registry.change({ kind: 'added', record: record({ id: 'ecid:1' }) });
    port.deliver({ id: 1, method: 'devices.list' });
    await flush();
    registry.change({ kind: 'removed', record: record({ id: 'ecid:1', state: 'detached' }) });
    expect(port.sent.map((frame) => ('id' in (frame as object) ? 'response' : (frame as { event: string }).event))).toEqual(['devices.changed', 'response', 'devices.changed']);
  });

  it('ignores what is not a request frame', async () => {
    const port = relayed(new FakeRegistry());
    port.deliver('{"id":1}');
    port.deliver({ method: 'devices.list' });
    await flush();
    expect(port.sent).toEqual([]);
  });
});
