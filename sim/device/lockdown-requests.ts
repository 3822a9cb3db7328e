/**
 * lockdownd's request semantics, independent of sockets and TLS: given a
 * request and the connection's session, the reply and what the transport
 * must do next. Every reply echoes `Request`; failures are `{Request, Error}`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { LockdownErrorName } from '../../core/devices/errors.js';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import { isDict } from '../../native/plist/codec.js';
import type { DeviceKeyCache } from './crypto.js';
import type { SimDevice } from './device.js';
import { IMMUTABLE_KEYS, PRE_SESSION_KEYS, domainValues, preSessionValues, rootValues } from './lockdown-values.js';
import type { ServiceRegistry } from './services.js';

export interface LockdownSession {
  id: string;
  hostId: string;
}

export interface RequestContext {
  device: SimDevice;
  keys: DeviceKeyCache;
  services: ServiceRegistry;
  session: LockdownSession | null;
}

export interface RequestOutcome {
  reply: PlistDict;
  /** start-tls: after this reply, the connection becomes TLS; stop-tls: after it, back to plaintext. */
  transition?: 'start-tls' | 'stop-tls';
  /** The connection's session after this request (undefined = unchanged). */
  session?: LockdownSession | null;
}

/** Lockdown names that libimobiledevice 1.3.0 maps to -256, for requests it does not know. */
type ExtraErrorName = 'InvalidRequest' | 'UnknownRequest';

function fail(request: string, error: LockdownErrorName | ExtraErrorName): RequestOutcome {
  return { reply: { Request: request, Error: error } };
}

function optionalString(value: PlistValue | undefined): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

async function getValue(ctx: RequestContext, request: PlistDict): Promise<RequestOutcome> {
  const domain = optionalString(request.Domain);
  const key = optionalString(request.Key);
  const echo: PlistDict = { Request: 'GetValue' };
  if (domain !== null) echo.Domain = domain;
  if (key !== null) echo.Key = key;
  const inSession = ctx.session !== null;

  if (domain === null && key === null) {
    if (!inSession) return { reply: { ...echo, Value: preSessionValues(ctx.device) } };
    return { reply: { ...echo, Value: { ...rootValues(ctx.device), DevicePublicKey: await ctx.keys.publicKeyFor(ctx.device.udid) } } };
  }
  if (domain === null && key !== null) {
    if (!inSession && !PRE_SESSION_KEYS.has(key)) return fail('GetValue', 'GetProhibited');
    const value = key === 'DevicePublicKey' ? await ctx.keys.publicKeyFor(ctx.device.udid) : rootValues(ctx.device)[key];
    return value === undefined ? fail('GetValue', 'MissingValue') : { reply: { ...echo, Value: value } };
  }
  if (!inSession) return fail('GetValue', 'GetProhibited');
  const values = domainValues(ctx.device, domain!);
  const value = key === null ? values : values?.[key];
  return value === undefined ? fail('GetValue', 'MissingValue') : { reply: { ...echo, Value: value } };
}

function setValue(ctx: RequestContext, request: PlistDict): RequestOutcome {
  if (ctx.session === null) return fail('SetValue', 'SetProhibited');
  const domain = optionalString(request.Domain);
  const key = optionalString(request.Key);
  const value = request.Value;
  if (key === null || value === undefined) return fail('SetValue', 'MissingValue');
  if (domain === null && IMMUTABLE_KEYS.has(key)) return fail('SetValue', 'ImmutableValue');
  ctx.device.override(domain, key, value);
  return { reply: { Request: 'SetValue' } };
}

/** HostID and SystemBUID from a Pair/ValidatePair/Unpair PairRecord. */
function pairRecordHost(request: PlistDict): { hostId: string; systemBuid: string } | null {
  const record = request.PairRecord;
  if (!isDict(record)) return null;
  const hostId = optionalString(record.HostID);
  if (hostId === null) return null;
  return { hostId, systemBuid: optionalString(record.SystemBUID) ?? '' };
}

function pair(ctx: RequestContext, request: PlistDict): RequestOutcome {
  const host = pairRecordHost(request);
  if (host === null) return fail('Pair', 'InvalidPairRecord');
  const refusal = ctx.device.pair(host.hostId, host.systemBuid);
  if (refusal !== null) return fail('Pair', refusal);
  // The escrow bag lets the host unlock data later; its content is opaque to the host.
  return { reply: { Request: 'Pair', EscrowBag: randomBytes(32) } };
}

function validatePair(ctx: RequestContext, request: PlistDict): RequestOutcome {
  const host = pairRecordHost(request);
  if (host === null) return fail('ValidatePair', 'InvalidPairRecord');
  return ctx.device.isTrustedHost(host.hostId) ? { reply: { Request: 'ValidatePair' } } : fail('ValidatePair', 'InvalidHostID');
}

function unpair(ctx: RequestContext, request: PlistDict): RequestOutcome {
  const host = pairRecordHost(request);
  if (host === null) return fail('Unpair', 'InvalidPairRecord');
  return ctx.device.unpair(host.hostId) ? { reply: { Request: 'Unpair' } } : fail('Unpair', 'InvalidHostID');
}

function startSession(ctx: RequestContext, request: PlistDict): RequestOutcome {
  if (ctx.session !== null) return fail('StartSession', 'SessionActive');
  const hostId = optionalString(request.HostID);
  if (hostId === null) return fail('StartSession', 'MissingHostID');
  const refusal = ctx.device.sessionRefusal(hostId);
  if (refusal !== null) return fail('StartSession', refusal);
  const session: LockdownSession = { id: randomUUID().toUpperCase(), hostId };
  return { reply: { Request: 'StartSession', SessionID: session.id, EnableSessionSSL: true }, transition: 'start-tls', session };
}

function stopSession(ctx: RequestContext): RequestOutcome {
  if (ctx.session === null) return fail('StopSession', 'SessionInactive');
  return { reply: { Request: 'StopSession' }, transition: 'stop-tls', session: null };
}

function startService(ctx: RequestContext, request: PlistDict): RequestOutcome {
  const name = optionalString(request.Service);
  if (name === null) return fail('StartService', 'MissingService');
  if (ctx.session === null) return fail('StartService', 'SessionInactive');
  const service = ctx.services.lookup(name, ctx.device);
  if (!service) return fail('StartService', 'InvalidService');
  const port = ctx.services.bind(ctx.device, service);
  return { reply: { Request: 'StartService', Service: name, Port: port, EnableServiceSSL: service.ssl } };
}

/**
 * For requests whose reply depends on nothing but the request's name,
 * Domain and Key, whether the connection has a session, and the device's
 * values (lockdown-values.ts's valuesState): a key under which the encoded
 * reply may be reused. null for everything else.
 */
export function reusableReplyKey(request: PlistDict, inSession: boolean): string | null {
  switch (request.Request) {
    case 'QueryType':
      return 'QueryType';
    case 'GetValue':
      return `GetValue\0${inSession ? 1 : 0}\0${optionalString(request.Domain) ?? ''}\0${optionalString(request.Key) ?? ''}`;
    default:
      return null;
  }
}

export async function handleLockdownRequest(ctx: RequestContext, request: PlistDict): Promise<RequestOutcome> {
  const name = optionalString(request.Request);
  switch (name) {
    case 'QueryType':
      return { reply: { Request: 'QueryType', Type: 'com.apple.mobile.lockdown' } };
    case 'GetValue':
      return getValue(ctx, request);
    case 'SetValue':
      return setValue(ctx, request);
    case 'Pair':
      return pair(ctx, request);
    case 'ValidatePair':
      return validatePair(ctx, request);
    case 'Unpair':
      return unpair(ctx, request);
    case 'StartSession':
      return startSession(ctx, request);
    case 'StopSession':
      return stopSession(ctx);
    case 'StartService':
      return startService(ctx, request);
    case 'Goodbye':
      return { reply: { Request: 'Goodbye', Result: 'Success' } };
    case null:
      return { reply: { Error: 'InvalidRequest' } };
    default:
      return fail(name, 'UnknownRequest');
  }
}
