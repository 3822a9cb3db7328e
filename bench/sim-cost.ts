/**
 * What one device session costs the device simulator's single thread.
 *
 *   npm run build && UV_THREADPOOL_SIZE=128 node dist/bench/sim-cost.js
 *
 * Starts `benchline-sim --all-trusted --devices 64` as its own process, pairs
 * every device once (first pairing is slow for reasons unrelated to sessions),
 * then runs rounds of 64 parallel full reads through the project's reader: a
 * fresh session per read (new usbmuxd connections, QueryType, GetValue,
 * ReadPairRecord, ReadBUID, StartSession, TLS, 3×GetValue, StopSession).
 * The simulator's CPU time comes from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds; /proc/<pid>/stat's 10 ms ticks give the kernel's share)
 * before and after each round. A second phase does the same with plain (no TLS)
 * connections (readUntrusted: ListDevices, Connect, GetValue).
 *
 * Env: BENCH_DEVICES (64), BENCH_ROUNDS (20), SIM_PROFILE=<dir> to run the
 * simulator under `node --cpu-prof` (profile written to <dir>), SIM_MAIN to
 * run another build of the simulator (a path to its main.js) for A/B runs,
 * SIM_NODE_ARGS for more node flags (e.g. --perf-basic-prof for `perf`).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImobiledeviceLockdown } from '../native/imobiledevice/lockdown.js';
import { SimControlClient } from '../sim/device/control-client.js';
import { median, round, startReadyProcess, writeResults } from './lib.js';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const DOMAINS = ['com.apple.mobile.battery', 'com.apple.disk_usage'] as const;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 10 ms ticks. */
const TICK_MS = 10;

/** User and system CPU time of a process, in ms. */
function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
}

/**
 * On-CPU time in ms from /proc/<pid>/task/<tid>/schedstat (nanoseconds):
 * of the main thread (the one every simulated device shares) and of all
 * threads together (adds GC helpers and the libuv pool).
 */
function schedMs(pid: number): { main: number; all: number } {
  const onCpu = (tid: string): number => {
    try {
      return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    } catch {
      return 0; // the thread ended between listing and reading
    }
  };
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) all += onCpu(tid);
  return { main: onCpu(String(pid)), all };
}

interface Round {
  /** All threads, from schedstat (ns resolution). */
  cpuMs: number;
  /** The main thread alone. */
  mainThreadMs: number;
  /** The part of cpuMs spent in the kernel (socket syscalls, mostly). */
  systemMs: number;
  /** This process's CPU (libimobiledevice's side of the same sessions), for comparison. */
  clientMs: number;
  wallMs: number;
}

/** Runs `rounds` rounds of `read` over every device; CPU includes closing what the round opened. */
async function measure(pid: number, udids: readonly string[], rounds: number, read: (udid: string) => Promise<unknown>, settle: () => Promise<void>): Promise<Round[]> {
  const out: Round[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const before = cpuTimes(pid);
    const sched = schedMs(pid);
    const client = process.cpuUsage();
    const start = performance.now();
    await Promise.all(udids.map(read));
    const wallMs = performance.now() - start;
    await settle();
    // Let the simulator finish handling the closes it has just been sent.
    await sleep(100);
    const after = cpuTimes(pid);
    const schedAfter = schedMs(pid);
    const clientUsage = process.cpuUsage(client);
    out.push({
      cpuMs: schedAfter.all - sched.all,
      mainThreadMs: schedAfter.main - sched.main,
      systemMs: after.system - before.system,
      clientMs: (clientUsage.user + clientUsage.system) / 1000,
      wallMs,
    });
  }
  return out;
}

interface Summary {
  cpuMsPerRoundMedian: number;
  cpuMsPerRoundMean: number;
  mainThreadMsPerRoundMean: number;
  /** From /proc/<pid>/stat, in 10 ms ticks: a rough share. */
  systemMsPerRoundMean: number;
  clientCpuMsPerRoundMean: number;
  cpuMsPerDevice: number;
  wallMsPerRoundMedian: number;
}

function summary(rounds: readonly Round[], devices: number): Summary {
  const cpu = rounds.map((r) => r.cpuMs);
  const totalCpu = cpu.reduce((a, b) => a + b, 0);
  return {
    cpuMsPerRoundMedian: round(median(cpu)),
    mainThreadMsPerRoundMean: round(rounds.reduce((sum, r) => sum + r.mainThreadMs, 0) / rounds.length),
    cpuMsPerRoundMean: round(totalCpu / rounds.length),
    systemMsPerRoundMean: round(rounds.reduce((sum, r) => sum + r.systemMs, 0) / rounds.length),
    clientCpuMsPerRoundMean: round(rounds.reduce((sum, r) => sum + r.clientMs, 0) / rounds.length),
    cpuMsPerDevice: round(totalCpu / rounds.length / devices, 2),
    wallMsPerRoundMedian: round(median(rounds.map((r) => r.wallMs))),
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-sim-cost-'));
const socket = path.join(dir, 'usbmuxd.sock');
const nodeArgs = [...(process.env.SIM_NODE_ARGS?.split(' ').filter(Boolean) ?? []), ...(process.env.SIM_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.SIM_PROFILE)}`] : [])];
const simMain = process.env.SIM_MAIN ?? 'bin/benchline-sim.cjs';
const { child, ready } = await startReadyProcess(process.execPath, [...nodeArgs, simMain, '--devices', String(DEVICES), '--socket', socket, '--all-trusted', '--seed', 'bench']);
const pid = Number(ready.pid);
process.env.USBMUXD_SOCKET_ADDRESS = `UNIX:${socket}`;

try {
  const control = new SimControlClient(String(ready.control));
  const udids = (await control.devices()).map((device) => device.udid);
  // sessionIdleMs 0 and a release per read: every read opens (and closes) its own session.
  const lockdown = new ImobiledeviceLockdown(undefined, { sessionIdleMs: 0 });
  const closeAll = (): Promise<void> => lockdown.close();

  const pairStart = performance.now();
  await Promise.all(udids.map((udid) => lockdown.readIdentity(udid, DOMAINS)));
  await closeAll();
  console.log(`pairing ${udids.length} devices: ${Math.round(performance.now() - pairStart)} ms (simulator pid ${pid})`);

  const fullRead = async (udid: string): Promise<void> => {
    await lockdown.release(udid);
    const snapshot = await lockdown.readIdentity(udid, DOMAINS);
    if (typeof snapshot.values.SerialNumber !== 'string') throw new Error(`${udid}: read without SerialNumber`);
  };
  // Warm-up (JIT, caches), not counted.
  await measure(pid, udids, 2, fullRead, closeAll);
  const full = await measure(pid, udids, ROUNDS, fullRead, closeAll);

  const plainRead = async (udid: string): Promise<void> => {
    const values = await lockdown.readUntrusted(udid);
    if (typeof values.UniqueDeviceID !== 'string') throw new Error(`${udid}: plain read without UniqueDeviceID`);
  };
  await measure(pid, udids, 2, plainRead, closeAll);
  const plain = await measure(pid, udids, ROUNDS, plainRead, closeAll);

  const results = {
    simulator: simMain,
    devices: udids.length,
    rounds: ROUNDS,
    threadPool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    fullSessionRead: { ...summary(full, udids.length), roundsCpuMs: full.map((r) => round(r.cpuMs)), roundsWallMs: full.map((r) => round(r.wallMs)) },
    plainRead: { ...summary(plain, udids.length), roundsCpuMs: plain.map((r) => round(r.cpuMs)), roundsWallMs: plain.map((r) => round(r.wallMs)) },
  };
  const file = writeResults('sim-cost', results);
  const line = (name: string, s: Summary): string =>
    `${name}: simulator CPU ${s.cpuMsPerRoundMedian} ms/round (median; mean ${s.cpuMsPerRoundMean}, main thread ${s.mainThreadMsPerRoundMean}, kernel ≈${s.systemMsPerRoundMean}; ${s.cpuMsPerDevice} ms/device), wall ${s.wallMsPerRoundMedian} ms/round, client CPU ${s.clientCpuMsPerRoundMean} ms/round`;
  console.log(`bench:sim-cost — ${udids.length} devices, ${ROUNDS} rounds, libuv pool ${results.threadPool}`);
  console.log(line('full session read', results.fullSessionRead));
  console.log(line('plain read       ', results.plainRead));
  console.log(`results: ${path.relative(process.cwd(), file)}`);
} finally {
  child.kill('SIGTERM');
  // Give a profiled simulator time to write its profile before the socket dir goes.
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  rmSync(dir, { recursive: true, force: true });
}
