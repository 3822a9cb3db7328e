/** The embedded server a standalone bench runs: its own data directory, a stable bench identity, a fresh token each start. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer } from '../../server/embedded.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, token: string): Promise<number> {
  return (await fetch(`${url}/preapproved`, { headers: { authorization: `Bearer ${token}` } })).status;
}

describe('embedded server (standalone bench)', () => {
  it('keeps its data and the bench identity across restarts, and only the newest token works', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'benchline-embedded-')), 'server');
    dirs.push(path.dirname(dataDir));
    const first = await startEmbeddedServer({ dataDir, benchName: 'Bench-1' });
    const firstToken = first.benchToken;
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(first.url, firstToken)).toBe(200);
    expect((await fetch(`${first.url}/preapproved`)).status).toBe(401);
    await first.close();

    const second = await startEmbeddedServer({ dataDir, benchName: 'Bench-1' });
    try {
      expect(second.benchId).toBe(first.benchId);
      expect(second.benchToken).not.toBe(firstToken);
      expect(await get(second.url, second.benchToken)).toBe(200);
      // The previous run's token died with it.
      expect(await get(second.url, firstToken)).toBe(401);
    } finally {
      await second.close();
    }
  });
});
