/**
 * Crash safety, the hard way: erase + prepare on 8 simulated devices, the
 * bench process killed with SIGKILL at a random moment, then restarted
 * (`benchline resume`). Over many random kill points: no device receives
 * EraseDevice twice for one job, every job ends succeeded or failed with a
 * reason, and the audit log still verifies.
 *
 * The simulator runs in its own process (it is the hardware: it survives the
 * kill) and counts every EraseDevice it receives. BENCHLINE_CRASH_POINTS sets
 * the number of kill points (default 100; the acceptance figure).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/index.js';
import { actionBench, type ActionBench } from '../support/actions.js';
import { benchline, requireBuild, startSimulatorProcess, type SimProcess } from '../support/processes.js';
import { SeededRandom } from '../../sim/device/random.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEVICES = 8;
const POINTS = Number(process.env.BENCHLINE_CRASH_POINTS ?? 100);

let sim: SimProcess;
let bench: ActionBench;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  requireBuild();
  sim = await startSimulatorProcess({ devices: DEVICES, seed: 'crash', allTrusted: true, extraArgs: ['--erase-gone-ms', '200'] });
  bench = actionBench(sim.control.baseUrl, { settleMs: 800 });
  env = { USBMUXD_SOCKET_ADDRESS: sim.address };
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  bench?.cleanup();
});

const RUN_ARGS = ['run', 'erase-and-prepare', '--foreach', '--yes', '--reason', 'return-to-stock', '--format', 'json', '--timeout', '20000'];

/** Starts the action and kills it with SIGKILL after `killAfterMs` (unless it finished first). Resolves how it ended. */
function runAndKill(killAfterMs: number): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/benchline.cjs'), ...RUN_ARGS, ...bench.args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('error', reject);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL' ? 'killed' : 'finished');
    });
  });
}

function erasesPerDevice(devices: Awaited<ReturnType<SimProcess['control']['devices']>>): number[] {
  return devices.map((device) => device.counters.EraseDevice ?? 0);
}

describe(`kill -9 at ${POINTS} random points during erase + prepare of ${DEVICES} devices`, () => {
  it('never sends EraseDevice twice for one job, finishes every job with an outcome, and keeps the audit log intact', async () => {
    // Uninterrupted runs first: how long a warm one takes bounds where the kill points fall
    // (the first run also pairs every device, which later runs do not).
    expect(await runAndKill(120_000)).toBe('finished');
    const started = Date.now();
    expect(await runAndKill(120_000)).toBe('finished');
    const fullRunMs = Date.now() - started;
    const random = new SeededRandom('crash-points');
    const outcomes = { killed: 0, finished: 0, jobs: 0, succeeded: 0, failedWithReason: 0 };
    const seenJobs = new Set<string>();

    for (let point = 0; point < POINTS; point++) {
      await sim.control.resetAllCounters();
      const killAfterMs = Math.round(random.next() * fullRunMs);
      outcomes[await runAndKill(killAfterMs)] += 1;

      const resumed = await benchline(['resume', '--format', 'json', ...bench.args], env, 180_000);
      expect(resumed.code, `resume after a kill at ${killAfterMs} ms: ${resumed.stderr}`).not.toBe(1);

      const devices = await sim.control.devices();
      const erases = erasesPerDevice(devices);
      expect(Math.max(...erases), `EraseDevice per device after a kill at ${killAfterMs} ms`).toBeLessThanOrEqual(1);
      const byUdid = new Map(devices.map((device) => [device.udid, device]));

      const store = openStore(bench.store, { mustExist: true });
      try {
        for (const job of store.jobs({ limit: 100_000 })) {
          if (seenJobs.has(job.id)) continue;
          seenJobs.add(job.id);
          outcomes.jobs += 1;
          expect(['succeeded', 'failed'], `job ${job.id} after a kill at ${killAfterMs} ms; resume said (${resumed.code}): ${resumed.stdout.slice(0, 2000)} ${resumed.stderr}`).toContain(job.state);
          if (job.state === 'failed') {
            expect(job.error?.message, 'a failed job says why').toBeTruthy();
            expect(job.error?.instruction, 'and what to do').toBeTruthy();
            outcomes.failedWithReason += 1;
          } else {
            // Succeeded means the device really is prepared, not that the bench believes so.
            const device = byUdid.get(job.udid);
            expect(device?.supervised && device.activationState === 'Activated' && device.profiles.length === 1, `${job.udid} prepared after a kill at ${killAfterMs} ms`).toBe(true);
            outcomes.succeeded += 1;
          }
        }
      } finally {
        store.close();
      }
    }
    const verify = await benchline(['audit', 'verify', '--store', bench.store], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Audit log intact/);
    // Most points must land mid-run, or the test proves little.
    expect(outcomes.killed).toBeGreaterThan(POINTS * 0.5);
    process.stdout.write(`crash points: ${JSON.stringify({ points: POINTS, fullRunMs, ...outcomes })}\n`);
  }, 60 * 60_000);
});
