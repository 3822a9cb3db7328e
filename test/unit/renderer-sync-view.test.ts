import { describe, expect, it } from 'vitest';
import { offlineNote, rejectedNote, syncHeadline } from '../../renderer/state/sync-view.js';
import { createServerSessionFixture } from './renderer-server-session-fixture.js';
import { serverBench, syncStatus } from './renderer-server-fixtures.js';

describe('the header\'s sync state', () => {
  it('says standalone, synced, when, and how many changes are waiting', () => {
    const headline = syncHeadline(syncStatus({ pending: 3, lastSyncAt: '2026-11-21T10:00:00.000Z' }));
    expect(headline.where).toBe('Standalone');
    expect(headline.state).toBe('Synced');
    expect(headline.last).toMatch(/^Last sync \d\d:\d\d:\d\d$/);
    expect(headline.pending).toBe('3 pending');
    expect(headline.rejected).toBeNull();
  });

  it('names the server by host, and says offline calmly: work continues and nothing is lost', () => {
    const status = syncStatus({ mode: 'server', serverUrl: 'https://mdm.example.com:8443/', connected: false, pending: 2, lastSyncAt: null });
    const headline = syncHeadline(status);
    expect(headline.where).toBe('mdm.example.com:8443');
    expect(headline.tone).toBe('offline');
    expect(headline.state).toBe('Offline — working locally');
    expect(headline.last).toBe('Never synced');
    expect(offlineNote(status)).toBe('The bench works on without the server. 2 changes are kept on this bench and will be sent when the server is back.');
    expect(offlineNote(syncStatus())).toBeNull();
  });

  it('counts rejected changes and points at the list of them (a round\'s error is not why an entry was refused)', () => {
    const status = syncStatus({ rejected: 1, lastError: { message: 'The server cannot be reached.', hint: 'Check the network.' } });
    expect(syncHeadline(status).rejected).toBe('1 rejected');
    expect(rejectedNote(status)).toBe('The server refused 1 change from this bench for good; they will not be retried. Open "1 rejected" to see which and why.');
  });

  it('Sync now goes out once while unanswered, and its answer becomes the status; a refusal is kept to show', async () => {
    const bench = serverBench();
    bench.holdAnswers();
    bench.answers['sync.now'] = () => ({ ok: true, value: syncStatus({ pending: 0 }) });
    const first = bench.commands.syncNow();
    void bench.commands.syncNow();
    expect(bench.calls('sync.now')).toHaveLength(1);
    expect(bench.server().sync.requesting).toBe(true);
    bench.releaseAll();
    await first;
    expect(bench.server().sync).toMatchObject({ requesting: false, availability: { kind: 'ready', status: { pending: 0 } } });

    bench.answers['sync.now'] = () => ({ ok: false, error: { code: 'ServerUnreachable', message: 'The server cannot be reached.', hint: 'Check the network.' } });
    await bench.commands.syncNow();
    expect(bench.server().sync.nowError?.hint).toBe('Check the network.');
  });

  it('the session asks sync.status on open and follows sync.changed; a host without a server is "unavailable"', async () => {
    const fixture = createServerSessionFixture();
    fixture.link({ phase: 'open', attempt: 0 });
    await fixture.answer('sync.status', syncStatus({ pending: 1 }));
    expect(fixture.sync()).toMatchObject({ kind: 'ready', status: { pending: 1 } });
    fixture.emit({ event: 'sync.changed', data: syncStatus({ pending: 0, connected: false }) });
    fixture.flushFrame();
    expect(fixture.sync()).toMatchObject({ kind: 'ready', status: { pending: 0, connected: false } });

    fixture.link({ phase: 'lost', attempt: 1 });
    fixture.link({ phase: 'open', attempt: 0 });
    await fixture.fail('sync.status', 'NoServer');
    expect(fixture.sync()).toMatchObject({ kind: 'unavailable', error: { code: 'NoServer' } });
  });
});
