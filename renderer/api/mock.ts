/**
 * DEVELOPMENT ONLY: a fake bench inside the page, for trying the UI without a
 * host (`?mock=N`). main.tsx loads it only in dev builds or builds made with
 * VITE_BENCHLINE_MOCK=1, so production bundles do not contain it. Real
 * benches, tests and demos use `benchline serve --simulate N`, which runs the
 * real registry against the device simulator.
 *
 * Extra URL parameters: `rate=HZ` changes a random device's battery or state
 * HZ times a second per device (for watching updates); `status=no-usbmuxd |
 * no-library | no-usb` previews those error states; `simulated=0` drops the
 * "Simulated devices" banner (to preview what a real bench looks like);
 * `technician=NAME` starts with a technician set (otherwise the first action
 * asks); `fail=none` lets every fake job succeed (mock-jobs.ts);
 * `jobs=unavailable` answers job methods the way a host without a job engine
 * does (ServiceUnavailable); `sync=offline` starts the mock server offline,
 * `sync=rejected` with two changes the server refused (mock-server.ts).
 */
import type { BenchApi, BenchEvent, BenchStatus, ConnectionState, Device, Envelope, Method, Params, Result } from '../../core/contract/index.js';
import { API_ERROR_CODES, STATE_INSTRUCTIONS, fail } from '../../core/contract/index.js';
import { createMockJobs } from './mock-jobs.js';
import { createMockServer } from './mock-server.js';

const MODELS: readonly { productType: string; marketingName: string; deviceClass: 'iPhone' | 'iPad' }[] = [
  { productType: 'iPhone14,2', marketingName: 'iPhone 13 Pro', deviceClass: 'iPhone' },
  { productType: 'iPhone15,2', marketingName: 'iPhone 14 Pro', deviceClass: 'iPhone' },
  { productType: 'iPhone12,8', marketingName: 'iPhone SE (2nd generation)', deviceClass: 'iPhone' },
  { productType: 'iPhone16,1', marketingName: 'iPhone 15 Pro', deviceClass: 'iPhone' },
  { productType: 'iPad13,18', marketingName: 'iPad (10th generation)', deviceClass: 'iPad' },
  { productType: 'iPhone11,8', marketingName: 'iPhone XR', deviceClass: 'iPhone' },
  { productType: 'iPad14,1', marketingName: 'iPad mini (6th generation)', deviceClass: 'iPad' },
];
const OS = [
  { version: '17.6.1', build: '21G93' },
  { version: '18.6.2', build: '22G100' },
  { version: '16.7.10', build: '20H350' },
  { version: '26.1', build: '23B85' },
];
const OWNERS = ['Front desk', 'Warehouse', 'Loaner', 'Sales', 'Field kit', 'Classroom', 'Returns', 'Reception'];
const STATE_MIX: readonly ConnectionState[] = ['ready', 'ready', 'ready', 'needs-trust', 'locked', 'ready', 'reading', 'recovery', 'ready', 'dfu', 'trust-declined', 'error'];
const ALPHABET = 'CDFGHJKLMNPQRTVWXY0123456789';

/** A small deterministic generator, so ?mock=8 shows the same bench on every reload. */
function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function makeDevice(index: number, random: () => number, now: string): Device {
  const model = MODELS[index % MODELS.length]!;
  const os = OS[index % OS.length]!;
  const state = STATE_MIX[index % STATE_MIX.length]!;
  const pick = (n: number): string => Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
  const ecid = (BigInt(0x1a2c3e3a100000) + BigInt(index * 7919)).toString(10);
  const normal = state !== 'recovery' && state !== 'dfu';
  const known = normal && state !== 'reading' && state !== 'error';
  const hub = Math.floor(index / 7) + 1;
  return {
    id: `ecid:${ecid}`,
    udid: normal ? `00008110-${BigInt(ecid).toString(16).toUpperCase().padStart(16, '0')}` : null,
    ecid,
    serialNumber: normal ? `F${pick(1)}${pick(9)}` : null,
    productType: model.productType,
    marketingName: model.marketingName,
    hardwareModel: null,
    productVersion: known ? os.version : null,
    buildVersion: known ? os.build : null,
    deviceName: state === 'ready' || state === 'locked' ? `${OWNERS[index % OWNERS.length]} ${model.deviceClass} ${index + 1}` : null,
    deviceClass: model.deviceClass,
    imei: model.deviceClass === 'iPhone' && known ? `35${String(Math.floor(random() * 1e13)).padStart(13, '0')}` : null,
    wifiAddress: null,
    batteryLevel: known ? Math.floor(random() * 100) : null,
    batteryCharging: known ? random() > 0.3 : null,
    activationState: known ? 'Activated' : null,
    passwordProtected: known ? state === 'locked' : null,
    totalDiskCapacity: known ? [64e9, 128e9, 256e9][index % 3]! - 1.2e9 : null,
    totalDataAvailable: null,
    state,
    instruction: STATE_INSTRUCTIONS[state],
    mode: state === 'recovery' ? 'recovery' : state === 'dfu' ? 'dfu' : 'normal',
    slot: `${hub}-${(index % 7) + 1}`,
    locationId: (hub << 16) | ((index % 7) + 1),
    connectionType: normal ? 'usb' : null,
    flapping: index % 23 === 5,
    errorCode: state === 'error' ? 'ReadFailed' : null,
    errorMessage: state === 'error' ? 'lockdownd did not answer (timeout)' : null,
    attachedAt: now,
    updatedAt: now,
  };
}

function statusFor(kind: string | null, simulated: boolean): BenchStatus {
  const status: BenchStatus = {
    simulated,
    usbmuxd: { address: 'mock', connected: true, error: null },
    usb: { available: true, reason: null },
    library: { available: true, hint: null },
  };
  if (kind === 'no-usbmuxd') status.usbmuxd = { address: 'UNIX:/var/run/usbmuxd', connected: false, error: 'connect ENOENT /var/run/usbmuxd' };
  if (kind === 'no-library') status.library = { available: false, hint: 'Install libimobiledevice: sudo apt-get install -y libimobiledevice6' };
  if (kind === 'no-usb') status.usb = { available: false, reason: 'USB unavailable: permission denied (LIBUSB_ERROR_ACCESS); add a udev rule for Apple devices (idVendor 05ac)' };
  return status;
}

export function createMockApi(count: number, search: string, timers: { every(callback: () => void, ms: number): void }): BenchApi {
  const params = new URLSearchParams(search);
  const random = seeded(count * 7 + 3);
  const now = new Date().toISOString();
  const status = statusFor(params.get('status'), params.get('simulated') !== '0');
  const devices = new Map<string, Device>();
  if (status.usbmuxd.connected) for (let i = 0; i < count; i++) {
    const device = makeDevice(i, random, now);
    devices.set(device.id, device);
  }
  const listeners = new Set<(event: BenchEvent) => void>();
  const emit = (event: BenchEvent): void => {
    for (const listener of [...listeners]) listener(event);
  };

  const jobs = createMockJobs({ devices, emit, now: () => new Date().toISOString() }, { technician: params.get('technician'), failures: params.get('fail') !== 'none' });
  timers.every(() => jobs.tick(), 250);
  const jobsUnavailable = params.get('jobs') === 'unavailable';
  const server = createMockServer(
    {
      devices,
      emit,
      now: () => new Date().toISOString(),
      erase: (udids) => {
        if (udids.length === 0) return {};
        const started = jobs.answer('jobs.start', { workflowId: 'erase', udids: [...udids], acknowledged: true, reason: 'retire' });
        return started.ok ? Object.fromEntries(started.value.jobs.map((job) => [job.udid, job.id])) : {};
      },
    },
    { offline: params.get('sync') === 'offline', rejected: params.get('sync') === 'rejected' },
  );

  const rate = Number(params.get('rate') ?? '0.2');
  if (devices.size > 0 && rate > 0) {
    const ids = [...devices.keys()];
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((ids.length * rate * tickMs) / 1000));
    timers.every(() => {
      for (let n = 0; n < perTick; n++) {
        const id = ids[Math.floor(random() * ids.length)]!;
        const device = devices.get(id);
        // Devices busy with a fake job are left to it.
        if (!device || device.batteryLevel === null || (device.state !== 'ready' && device.state !== 'locked')) continue;
        const roll = random();
        let next: Device;
        if (roll < 0.02 && device.state === 'ready') next = { ...device, state: 'locked', instruction: STATE_INSTRUCTIONS.locked, passwordProtected: true };
        else if (roll < 0.04 && device.state === 'locked') next = { ...device, state: 'ready', instruction: STATE_INSTRUCTIONS.ready };
        else next = { ...device, batteryLevel: Math.min(100, device.batteryLevel + (device.batteryCharging ? 1 : -1)) };
        next = { ...next, updatedAt: new Date().toISOString() };
        devices.set(id, next);
        emit({ event: 'devices.changed', data: { kind: 'updated', device: next } });
      }
    }, tickMs);
  }

  type DeviceMethod = 'bench.hello' | 'bench.status' | 'devices.list' | 'devices.refresh';
  const answer = <M extends DeviceMethod>(method: M): Envelope<Result<M>> => {
    // Each branch returns the contract's result for `method`; TypeScript cannot narrow M from the string compare.
    const results: { [K in DeviceMethod]: () => Result<K> } = {
      'bench.hello': () => ({ contractVersion: 1, benchName: 'Mock bench' }),
      'bench.status': () => status,
      'devices.list': () => [...devices.values()],
      'devices.refresh': () => null,
    };
    return { ok: true, value: results[method]() as Result<M> };
  };

  return {
    call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
      // The job methods' answers are their own methods' results (mock-jobs.ts); the rest are device methods.
      if (jobs.handles(method)) {
        if (jobsUnavailable) return Promise.resolve(fail(API_ERROR_CODES.ServiceUnavailable, 'Bench actions are not available on this bench.', 'Restart Benchline; if this stays, its job engine could not start.'));
        return Promise.resolve(jobs.answer(method, params as Params<typeof method>) as Envelope<Result<M>>);
      }
      if (server.handles(method)) return Promise.resolve(server.answer(method, params as Params<typeof method>) as Envelope<Result<M>>);
      return Promise.resolve(answer(method as DeviceMethod) as Envelope<Result<M>>);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
