/**
 * A bench action run as a user runs it (`benchline erase … --progress --format json`),
 * watched while it runs: every job change it reports is collected, a test can
 * wait for one (to plug a device back in, say), and the summary is parsed at the end.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Job, JobRefusal } from '../../core/contract/jobs.js';
import { environment, requireBuild } from './processes.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The last stdout line of an action with `--format json`. */
export interface ActionSummary {
  workflow: string;
  batchId: string;
  succeeded: number;
  failed: number;
  refused: JobRefusal[];
  jobs: Job[];
}

export interface ActionResult {
  code: number | null;
  /** Parsed from the last stdout line; null when the command printed no summary (usage error, busy bench…). */
  summary: ActionSummary | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  elapsedMs: number;
}

export interface RunningAction {
  readonly pid: number;
  /** Every job change reported so far (`{"event":"job"}` lines), in order. */
  readonly progress: Job[];
  /** The first reported job change (already seen or still to come) that matches; rejects after `timeoutMs` or when the command ends first. */
  untilJob(matches: (job: Job) => boolean, timeoutMs?: number): Promise<Job>;
  readonly done: Promise<ActionResult>;
  kill(): void;
}

/** Starts `benchline <args>` (bin/benchline.cjs from the build); `--progress --format json` is the caller's to pass. */
export function startAction(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): RunningAction {
  requireBuild();
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/benchline.cjs'), ...args], { env: environment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const progress: Job[] = [];
  const lines: string[] = [];
  let stderr = '';
  let ended = false;
  const watchers = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const stdoutClosed = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout })
      .on('line', (line) => {
        lines.push(line);
        if (line.startsWith('{"event":"job"')) {
          progress.push((JSON.parse(line) as { job: Job }).job);
          for (const watcher of [...watchers]) watcher();
        }
      })
      .once('close', resolve);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<ActionResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      void stdoutClosed.then(() => {
        ended = true;
        for (const watcher of [...watchers]) watcher();
        const last = lines.at(-1);
        let summary: ActionSummary | null = null;
        if (last?.startsWith('{') && !last.startsWith('{"event"')) summary = JSON.parse(last) as ActionSummary;
        resolve({ code, summary, stdout: lines.join('\n'), stderr, elapsedMs: Date.now() - started });
      });
    });
  });
  return {
    pid: child.pid ?? -1,
    progress,
    done,
    kill: () => void child.kill('SIGKILL'),
    untilJob(matches, waitMs = 30_000) {
      return new Promise((resolve, reject) => {
        const finish = (outcome: Job | Error): void => {
          clearTimeout(waitTimer);
          watchers.delete(check);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        };
        const check = (): void => {
          const found = progress.find(matches);
          if (found) finish(found);
          else if (ended) finish(new Error(`benchline ended without reporting the awaited job change\n${lines.join('\n')}\n${stderr}`));
        };
        const waitTimer = setTimeout(() => finish(new Error(`no matching job change within ${waitMs} ms\n${lines.join('\n')}\n${stderr}`)), waitMs);
        watchers.add(check);
        check();
      });
    },
  };
}
