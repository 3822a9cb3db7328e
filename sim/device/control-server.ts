/**
 * HTTP JSON control of a running simulator, for tests and people driving it
 * from another process: plug, unplug, lock, tap Trust, drain the battery,
 * inject faults, power on, read and reset what devices were asked to do,
 * tune the life cycle's timings. Also the simulated Apple activation server
 * (albert). Loopback only; see README.md for the endpoints.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControlConflictError, UnknownDeviceError } from './device.js';
import type { SimDevice, SimDeviceInfo } from './device.js';
import { FAULT_KINDS, FAULT_TARGETS } from './faults.js';
import type { FaultKind, FaultSpec, FaultTarget } from './faults.js';
import type { LifecycleInfo, LifecycleSettings, LifecycleUpdate } from './lifecycle.js';
import { ManagementBodyError, applyManagementChange, parseManagementChange } from './management-control.js';

/** The part of DeviceSimulator the control server drives (kept narrow to avoid an import cycle). */
export interface ControlTarget {
  readonly socketPath: string;
  devices(): SimDeviceInfo[];
  device(selector: string): SimDevice;
  allDevices(): readonly SimDevice[];
  readonly lifecycle: LifecycleSettings;
  /** Extra endpoints (the simulated albert): a reply, or null when the path is not theirs. */
  readonly extraRoutes?: ExtraRoute;
}

/** Handles a request outside the JSON API; null = not mine. */
export type ExtraRoute = (method: string, path: string, request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

class BadRequestError extends Error {}

type Body = { [key: string]: unknown };
type Action = (device: SimDevice, body: Body) => unknown;

function optionalBoolean(body: Body, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new BadRequestError(`"${key}" must be true or false`);
  return value;
}

function optionalNumber(body: Body, key: string): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new BadRequestError(`"${key}" must be a number`);
  return value;
}

function faultSpec(body: Body): FaultSpec {
  const kind = body.kind;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new BadRequestError(`"kind" must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const request = body.request;
  if (request !== undefined && typeof request !== 'string') throw new BadRequestError('"request" must be a request name');
  const service = body.service;
  if (service !== undefined && (typeof service !== 'string' || !(FAULT_TARGETS as readonly string[]).includes(service))) {
    throw new BadRequestError(`"service" must be one of ${FAULT_TARGETS.join(', ')}`);
  }
  const phase = body.phase;
  if (phase !== undefined && phase !== 'before' && phase !== 'after') throw new BadRequestError('"phase" must be "before" or "after"');
  const spec: FaultSpec = { kind: kind as FaultKind };
  if (request !== undefined) spec.request = request;
  if (service !== undefined) spec.service = service as FaultTarget;
  if (phase !== undefined) spec.phase = phase;
  const count = optionalNumber(body, 'count');
  if (count !== undefined) spec.count = count;
  const delayMs = optionalNumber(body, 'delayMs');
  if (delayMs !== undefined) spec.delayMs = delayMs;
  const persistent = optionalBoolean(body, 'persistent');
  if (persistent !== undefined) spec.persistent = persistent;
  return spec;
}

/** POST /devices/:id/<action> */
const ACTIONS: Record<string, Action> = {
  attach: (device) => device.attach(),
  detach: (device) => device.detach(),
  replug: (device) => device.replug(),
  lock: (device, body) => device.lockScreen(optionalBoolean(body, 'sinceReboot') ?? true),
  unlock: (device) => device.unlock(),
  trust: (device) => device.tapTrust(),
  decline: (device) => device.decline(),
  'trust-policy': (device, body) => {
    if (body.policy !== 'trusted' && body.policy !== 'untrusted') throw new BadRequestError('"policy" must be "trusted" or "untrusted"');
    device.trustPolicy = body.policy;
  },
  battery: (device, body) => {
    const change: { level?: number; charging?: boolean; externalConnected?: boolean } = {};
    const level = optionalNumber(body, 'level');
    const charging = optionalBoolean(body, 'charging');
    const externalConnected = optionalBoolean(body, 'externalConnected');
    if (level !== undefined) change.level = level;
    if (charging !== undefined) change.charging = charging;
    if (externalConnected !== undefined) change.externalConnected = externalConnected;
    device.setBattery(change);
  },
  faults: (device, body) => device.injectFault(faultSpec(body)),
  'power-on': (device) => device.powerOn(),
  // What the person at the bench can do on the device itself (Settings → Erase, holding the buttons).
  erase: (device, body) => {
    if (device.power !== 'on') throw new ControlConflictError(`the device is ${device.power}`);
    device.erase({ preserveDataPlan: optionalBoolean(body, 'preserveDataPlan') ?? false, disallowProximitySetup: optionalBoolean(body, 'disallowProximitySetup') ?? false });
  },
  restart: (device) => {
    if (device.power !== 'on') throw new ControlConflictError(`the device is ${device.power}`);
    device.restart();
  },
  shutdown: (device) => device.shutdown(),
  management: (device, body) => applyManagementChange(device, parseManagementChange(body)),
};

function lifecycleUpdate(body: Body): LifecycleUpdate {
  const update: LifecycleUpdate = {};
  const erase = optionalNumber(body, 'eraseGoneMs');
  const restart = optionalNumber(body, 'restartGoneMs');
  if (erase !== undefined) update.eraseGoneMs = erase;
  if (restart !== undefined) update.restartGoneMs = restart;
  const durations = body.durations;
  if (durations !== undefined) {
    if (durations === null || typeof durations !== 'object' || Array.isArray(durations)) throw new BadRequestError('"durations" must be an object of request name → milliseconds (null removes one)');
    update.durations = {};
    for (const [name, ms] of Object.entries(durations as Body)) {
      if (ms !== null && (typeof ms !== 'number' || !Number.isFinite(ms))) throw new BadRequestError(`"durations.${name}" must be a number or null`);
      update.durations[name] = ms;
    }
  }
  return update;
}

async function lifecycleRoute(target: ControlTarget, method: string, request: IncomingMessage): Promise<[number, LifecycleInfo | { error: string }]> {
  if (method === 'GET') return [200, target.lifecycle.info()];
  if (method !== 'POST') return [404, { error: `no such endpoint ${method} /lifecycle` }];
  target.lifecycle.update(lifecycleUpdate(await readJson(request)));
  return [200, target.lifecycle.info()];
}

async function readJson(request: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new BadRequestError('request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('request body is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequestError('request body must be a JSON object');
  return parsed as Body;
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload, (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** "all" addresses every device; anything else is a UDID, ECID or serial. */
function select(target: ControlTarget, selector: string): readonly SimDevice[] {
  return selector === 'all' ? target.allDevices() : [target.device(selector)];
}

async function route(target: ControlTarget, request: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = request.method ?? 'GET';

  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'health')) {
    return [200, { ok: true, socket: target.socketPath, devices: target.allDevices().length }];
  }
  if (parts.length === 1 && parts[0] === 'lifecycle') return lifecycleRoute(target, method, request);
  if (parts.length === 2 && parts[0] === 'counters' && parts[1] === 'reset' && method === 'POST') {
    for (const device of target.allDevices()) device.management.resetCounters();
    return [200, { ok: true }];
  }
  if (parts[0] !== 'devices') return [404, { error: `no such endpoint ${url.pathname}` }];
  if (parts.length === 1 && method === 'GET') return [200, target.devices()];
  const selector = parts[1]!;
  if (parts.length === 2 && method === 'GET') {
    const devices = select(target, selector).map((device) => device.info());
    return [200, selector === 'all' ? devices : devices[0]];
  }
  if (parts.length === 3 && parts[2] === 'faults' && method === 'DELETE') {
    for (const device of select(target, selector)) device.faults.clear();
    return [200, { ok: true }];
  }
  if (parts.length === 4 && parts[2] === 'counters' && parts[3] === 'reset' && method === 'POST') {
    const devices = select(target, selector);
    for (const device of devices) device.management.resetCounters();
    const infos = devices.map((device) => device.info());
    return [200, selector === 'all' ? infos : infos[0]];
  }
  const action = parts.length === 3 ? ACTIONS[parts[2]!] : undefined;
  if (!action || method !== 'POST') return [404, { error: `no such endpoint ${method} ${url.pathname}` }];
  const body = await readJson(request);
  const devices = select(target, selector);
  // "Power on everything": devices still erasing or restarting come back by themselves, so they are skipped, not a conflict.
  const acting = selector === 'all' && parts[2] === 'power-on' ? devices.filter((device) => device.power === 'off' || device.power === 'on') : devices;
  for (const device of acting) action(device, body);
  const infos = devices.map((device) => device.info());
  return [200, selector === 'all' ? infos : infos[0]];
}

export function startControlServer(target: ControlTarget, host: string, port: number): Promise<ControlServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const extra = target.extraRoutes ? target.extraRoutes(request.method ?? 'GET', path, request, response) : Promise.resolve(false);
    extra
      .then((handled) => (handled ? null : route(target, request)))
      .then(
        (result) => {
          if (result !== null) send(response, result[0], result[1]);
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          const status = error instanceof BadRequestError || error instanceof RangeError || error instanceof ManagementBodyError ? 400 : error instanceof ControlConflictError ? 409 : error instanceof UnknownDeviceError ? 404 : 500;
          if (!response.headersSent) send(response, status, { error: message });
          else response.destroy();
        },
      );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
