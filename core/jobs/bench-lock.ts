/**
 * One bench process runs jobs on a record at a time. Two processes resuming
 * each other's jobs would both act on the same devices — the double command
 * this whole engine exists to prevent. The lock is a file next to the store
 * naming the owner's pid; a lock whose process is gone (kill -9, a crash) is
 * taken over, which is how a restarted bench resumes.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class BenchBusyError extends Error {
  constructor(
    readonly lockFile: string,
    readonly ownerPid: number,
  ) {
    super(`Another Benchline (pid ${ownerPid}) is running actions on this record.`);
    this.name = 'BenchBusyError';
  }

  readonly hint = 'Run the action in that Benchline (its window or its serve address), or stop it first. Use --store for a separate record.';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(lockFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(lockFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export interface BenchLock {
  release(): void;
}

export function acquireBenchLock(storeFile: string): BenchLock {
  const lockFile = `${storeFile}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          if (ownerOf(lockFile) === process.pid) rmSync(lockFile, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = ownerOf(lockFile);
      if (owner !== null && owner !== process.pid && alive(owner)) throw new BenchBusyError(lockFile, owner);
      // Left by a process that is gone: take it over.
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock ${lockFile}`);
}
