/**
 * `npm run bench:detect` — how fast the bench knows what is plugged in.
 *
 * On the device simulator (its own process, as usbmuxd would be), 64 devices:
 *  1. attach all at once: p50/p95 from the attach to a complete identity (state ready);
 *  2. full identity of all 64: Benchline vs `idevice_id -l | xargs -P 16 -n 1 ideviceinfo -u`
 *     vs a sequential `ideviceinfo -u` loop, with ratios;
 *  3. the largest event-loop stall while doing both.
 * Targets (issue 2): p95 ≤ 300 ms; ≥ 3× the parallel ideviceinfo baseline; stall ≤ 50 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DeviceRegistry } from '../core/devices/registry.js';
import { UsbmuxdClient } from '../native/usbmuxd/client.js';
import { ImobiledeviceLockdown } from '../native/imobiledevice/lockdown.js';
import { SimControlClient } from '../sim/device/control-client.js';
import { median, percentile, round, sh, startReadyProcess, timed, writeResults } from './lib.js';

const DEVICES = Number(process.env.BENCH_DEVICES ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ATTACH_BURSTS = Number(process.env.BENCH_BURSTS ?? 5);
const DOMAINS = ['com.apple.mobile.battery', 'com.apple.disk_usage'] as const;

/** Resolves once `done()` holds, re-checked on every registry change. */
function waitFor(done: () => boolean, registry: DeviceRegistry): Promise<void> {
  return new Promise((resolve) => {
    const subscription = registry.onChange(() => {
      if (!done()) return;
      subscription.close();
      resolve();
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'bench-detect-'));
const socket = path.join(dir, 'usbmuxd.sock');
const { child, ready } = await startReadyProcess(process.execPath, ['bin/benchline-sim.cjs', '--devices', String(DEVICES), '--socket', socket, '--all-trusted', '--seed', 'bench']);
const control = new SimControlClient(String(ready.control));
process.env.USBMUXD_SOCKET_ADDRESS = `UNIX:${socket}`;
const env = { ...process.env };

try {
  const lockdown = new ImobiledeviceLockdown();
  const udids = (await control.devices()).map((device) => device.udid);
  const stall = monitorEventLoopDelay({ resolution: 5 });

  // First contact pairs each device (libimobiledevice generates keys and certificates):
  // a one-time cost, measured on its own so it does not blur the figures below.
  const pairing = await timed(() => Promise.all(udids.map((udid) => lockdown.readIdentity(udid, DOMAINS))));
  console.log(`first contact (pairing) of ${udids.length} devices: ${Math.round(pairing.ms)} ms`);

  // 1. Attach → identity, through the registry as the app and CLI use it. Each burst
  // detaches every device (the registry then drops their sessions) and attaches all 64
  // at once, so every read is a first contact with a new TLS session. Latency is taken
  // from usbmuxd's Attached announcement (the earliest the bench can know of a device)
  // and, for reference, from the simulator control request that plugged them in.
  await control.detach('all');
  const registry = new DeviceRegistry({ mux: new UsbmuxdClient(), lockdown });
  await registry.start();
  const bursts: { fromAnnouncement: number[]; fromRequest: number[]; detach: number[]; notReady: number }[] = [];
  stall.enable();
  for (let burst = 0; burst < ATTACH_BURSTS; burst += 1) {
    const announcedAt = new Map<string, number>();
    const readyAt = new Map<string, number>();
    let subscription = registry.onChange(({ kind, record }) => {
      if (!record.udid) return;
      if (kind === 'added' && !announcedAt.has(record.udid)) announcedAt.set(record.udid, performance.now());
      if (record.state === 'ready' && !readyAt.has(record.udid)) readyAt.set(record.udid, performance.now());
    });
    const allReady = waitFor(() => readyAt.size === udids.length, registry);
    const requestedAt = performance.now();
    await control.attach('all');
    await allReady;
    subscription.close();
    const notReady = registry.list().filter((record) => record.state !== 'ready').length;

    const goneAt = new Map<string, number>();
    subscription = registry.onChange(({ kind, record }) => {
      if (kind === 'removed' && record.udid && !goneAt.has(record.udid)) goneAt.set(record.udid, performance.now());
    });
    const allGone = waitFor(() => goneAt.size === udids.length, registry);
    const detachAt = performance.now();
    await control.detach('all');
    await allGone;
    subscription.close();
    bursts.push({
      fromAnnouncement: udids.map((udid) => readyAt.get(udid)! - announcedAt.get(udid)!),
      fromRequest: udids.map((udid) => readyAt.get(udid)! - requestedAt),
      detach: [...goneAt.values()].map((at) => at - detachAt),
      notReady,
    });
  }
  await control.attach('all');
  await registry.stop();
  const burstP95 = (pick: (b: (typeof bursts)[number]) => number[]): number => median(bursts.map((b) => percentile(pick(b), 95)));
  const burstP50 = (pick: (b: (typeof bursts)[number]) => number[]): number => median(bursts.map((b) => percentile(pick(b), 50)));
  const notReady = bursts.reduce((sum, b) => sum + b.notReady, 0);
  const detachMs = bursts.flatMap((b) => b.detach);

  // 2. Full identity of every device: Benchline vs Debian's tools. Benchline keeps each
  // device's lockdown session open once read (warm: what a running bench does); cold
  // rounds release every session first, so each read pays a new TLS handshake as
  // ideviceinfo does.
  const readAll = async (): Promise<number> => {
    const { ms, value } = await timed(() => Promise.all(udids.map((udid) => lockdown.readIdentity(udid, DOMAINS))));
    if (value.some((snapshot) => typeof snapshot.values.SerialNumber !== 'string')) throw new Error('a read came back without SerialNumber');
    return ms;
  };
  const benchline: number[] = [];
  const benchlineCold: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    benchline.push(await readAll());
    await Promise.all(udids.map((udid) => lockdown.release(udid)));
    benchlineCold.push(await readAll());
  }
  stall.disable();

  const parallel: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const { ms, value: code } = await timed(() => sh('idevice_id -l | xargs -P 16 -n 1 ideviceinfo -u > /dev/null', env));
    if (code !== 0) throw new Error(`parallel ideviceinfo baseline failed (exit ${code})`);
    parallel.push(ms);
  }
  const sequential = await timed(() => sh('for u in $(idevice_id -l); do ideviceinfo -u "$u" > /dev/null || exit 1; done', env));
  if (sequential.value !== 0) throw new Error('sequential ideviceinfo baseline failed');

  const results = {
    devices: udids.length,
    rounds: ROUNDS,
    threadPool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    firstContactPairingMs: Math.round(pairing.ms),
    detachToGone: { p50Ms: round(percentile(detachMs, 50)), p95Ms: round(percentile(detachMs, 95)), maxMs: round(Math.max(...detachMs)) },
    attachToIdentity: {
      bursts: ATTACH_BURSTS,
      p50Ms: round(burstP50((b) => b.fromAnnouncement)),
      p95Ms: round(burstP95((b) => b.fromAnnouncement)),
      fromControlRequest: { p50Ms: round(burstP50((b) => b.fromRequest)), p95Ms: round(burstP95((b) => b.fromRequest)) },
      p95PerBurstMs: bursts.map((b) => round(percentile(b.fromAnnouncement, 95))),
      notReady,
    },
    fullIdentityRead: {
      benchlineMs: round(median(benchline)),
      benchlineColdSessionsMs: round(median(benchlineCold)),
      parallelIdeviceinfoMs: round(median(parallel)),
      sequentialIdeviceinfoMs: round(sequential.ms),
      speedupVsParallel: round(median(parallel) / median(benchline), 2),
      speedupVsSequential: round(sequential.ms / median(benchline), 2),
      coldSpeedupVsParallel: round(median(parallel) / median(benchlineCold), 2),
      benchlineRoundsMs: benchline.map((ms) => round(ms)),
      parallelRoundsMs: parallel.map((ms) => round(ms)),
    },
    largestEventLoopStallMs: round(stall.max / 1e6),
  };
  const targets = {
    'p95 attach→identity ≤ 300 ms': results.attachToIdentity.p95Ms <= 300 && notReady === 0,
    'full read ≥ 3× parallel ideviceinfo': results.fullIdentityRead.speedupVsParallel >= 3,
    'event-loop stall ≤ 50 ms': results.largestEventLoopStallMs <= 50,
    'detached device leaves the list ≤ 1 s': results.detachToGone.maxMs <= 1000,
  };
  const file = writeResults('detect', { results, targets });

  console.log(`\nbench:detect — ${results.devices} simulated devices, libuv pool ${results.threadPool}`);
  console.log(`attach → complete identity (median of ${ATTACH_BURSTS} bursts of ${results.devices})`);
  console.log(`  from usbmuxd's Attached          p50 ${results.attachToIdentity.p50Ms} ms   p95 ${results.attachToIdentity.p95Ms} ms   (p95 per burst: ${results.attachToIdentity.p95PerBurstMs.join(', ')})`);
  console.log(`  from the plug-in request         p50 ${results.attachToIdentity.fromControlRequest.p50Ms} ms   p95 ${results.attachToIdentity.fromControlRequest.p95Ms} ms`);
  console.log(`detach → gone from the list      p50 ${results.detachToGone.p50Ms} ms   p95 ${results.detachToGone.p95Ms} ms   max ${results.detachToGone.maxMs} ms`);
  console.log(`full identity of all devices (median of ${ROUNDS}):`);
  console.log(`  Benchline (sessions kept open)     ${results.fullIdentityRead.benchlineMs} ms`);
  console.log(`  Benchline (new session per read)   ${results.fullIdentityRead.benchlineColdSessionsMs} ms   (${results.fullIdentityRead.coldSpeedupVsParallel}× the baseline)`);
  console.log(`  xargs -P 16 ideviceinfo (baseline) ${results.fullIdentityRead.parallelIdeviceinfoMs} ms   → Benchline ${results.fullIdentityRead.speedupVsParallel}× faster`);
  console.log(`  sequential ideviceinfo loop        ${results.fullIdentityRead.sequentialIdeviceinfoMs} ms   → Benchline ${results.fullIdentityRead.speedupVsSequential}× faster`);
  console.log(`largest event-loop stall: ${results.largestEventLoopStallMs} ms`);
  for (const [target, met] of Object.entries(targets)) console.log(`  ${met ? 'MET ' : 'MISS'}  ${target}`);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  process.exitCode = Object.values(targets).every(Boolean) ? 0 : 1;
  await lockdown.close();
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
