/**
 * One bench process acts on a record at a time: a second one is refused with
 * who holds it, and a lock left by a killed process is taken over (that is how
 * a restarted bench resumes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireBenchLock, BenchBusyError } from '../../core/jobs/bench-lock.js';

let dir: string;
let store: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'benchline-lock-'));
  store = path.join(dir, 'bench.db');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that surely belonged to a process now gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the bench lock', () => {
  it('is refused to a second holder while the first is alive, naming its pid', () => {
    // The parent of this test process is alive and is not us.
    writeFileSync(`${store}.lock`, `${process.ppid}\n`);
    let refusal: unknown;
    try {
      acquireBenchLock(store);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(BenchBusyError);
    expect((refusal as BenchBusyError).message).toContain(`pid ${process.ppid}`);
    expect((refusal as BenchBusyError).hint).toMatch(/--store/);
  });

  it('takes over a lock whose process is gone, and releases it', () => {
    writeFileSync(`${store}.lock`, `${deadPid()}\n`);
    const lock = acquireBenchLock(store);
    expect(readFileSync(`${store}.lock`, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(`${store}.lock`)).toBe(false);
  });

  it('takes over an unreadable lock file', () => {
    writeFileSync(`${store}.lock`, 'garbage');
    acquireBenchLock(store).release();
    expect(existsSync(`${store}.lock`)).toBe(false);
  });
});
