import { describe, expect, it } from 'vitest';
import type { PlistDict } from '../../core/devices/identity.js';
import { DeviceKeyCache } from '../../sim/device/crypto.js';
import { ControlConflictError, SimDevice } from '../../sim/device/device.js';
import type { TrustPolicy } from '../../sim/device/device.js';
import { FaultQueue } from '../../sim/device/faults.js';
import { LockdownFrameDecoder, TlsRecordSkipper, encodeLockdownFrame } from '../../sim/device/framing.js';
import { generateIdentities } from '../../sim/device/generator.js';
import { handleLockdownRequest } from '../../sim/device/lockdown-requests.js';
import type { LockdownSession, RequestContext } from '../../sim/device/lockdown-requests.js';
import { ServiceRegistry } from '../../sim/device/services.js';

const [identity] = generateIdentities(1, 'lockdown-unit');
const keys = new DeviceKeyCache(1024);
const HOST = { HostID: 'HOST-A', SystemBUID: 'BUID-A' };

function makeDevice(policy: TrustPolicy = 'untrusted'): SimDevice {
  return new SimDevice(identity!, policy, { attach: () => {}, detach: () => {} });
}

async function ask(device: SimDevice, request: PlistDict, session: LockdownSession | null = null) {
  const ctx: RequestContext = { device, keys, services: new ServiceRegistry(), session };
  return handleLockdownRequest(ctx, request);
}

const pairRequest = (host = HOST): PlistDict => ({ Request: 'Pair', PairRecord: host, ProtocolVersion: '2' });
const session: LockdownSession = { id: 'S', hostId: HOST.HostID };

describe('lockdown requests', () => {
  it('answers QueryType and echoes Request', async () => {
    expect((await ask(makeDevice(), { Request: 'QueryType' })).reply).toEqual({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' });
  });

  it('shows only a subset of keys before a session', async () => {
    const device = makeDevice();
    const all = (await ask(device, { Request: 'GetValue' })).reply.Value as PlistDict;
    expect(all.UniqueDeviceID).toBe(identity!.udid);
    expect(all.DeviceName).toBe(identity!.deviceName);
    expect(all.SerialNumber).toBeUndefined();
    expect((await ask(device, { Request: 'GetValue', Key: 'SerialNumber' })).reply.Error).toBe('GetProhibited');
    expect((await ask(device, { Request: 'GetValue', Domain: 'com.apple.mobile.battery' })).reply.Error).toBe('GetProhibited');
    const key = (await ask(device, { Request: 'GetValue', Key: 'DevicePublicKey' })).reply.Value;
    expect(Buffer.isBuffer(key)).toBe(true);
    expect((key as Buffer).toString('utf8')).toMatch(/^-----BEGIN RSA PUBLIC KEY-----\n/);
  });

  it('serves everything in a session, MissingValue for unknown keys', async () => {
    const device = makeDevice();
    expect((await ask(device, { Request: 'GetValue', Key: 'SerialNumber' }, session)).reply).toEqual({ Request: 'GetValue', Key: 'SerialNumber', Value: identity!.serialNumber });
    const battery = (await ask(device, { Request: 'GetValue', Domain: 'com.apple.mobile.battery' }, session)).reply.Value as PlistDict;
    expect(battery.BatteryCurrentCapacity).toBe(identity!.battery.level);
    expect(battery.HasBattery).toBe(true);
    expect((await ask(device, { Request: 'GetValue', Key: 'NoSuchKey' }, session)).reply).toEqual({ Request: 'GetValue', Error: 'MissingValue' });
    expect((await ask(device, { Request: 'GetValue', Domain: 'com.example.none' }, session)).reply.Error).toBe('MissingValue');
  });

  it('makes an untrusted device wait for Trust, then pair', async () => {
    const device = makeDevice();
    expect((await ask(device, pairRequest())).reply).toEqual({ Request: 'Pair', Error: 'PairingDialogResponsePending' });
    expect(device.trustDialog).toBe('pending');
    device.tapTrust();
    const paired = await ask(device, pairRequest());
    expect(paired.reply.Error).toBeUndefined();
    expect(Buffer.isBuffer(paired.reply.EscrowBag)).toBe(true);
    expect((await ask(device, { Request: 'ValidatePair', PairRecord: HOST })).reply).toEqual({ Request: 'ValidatePair' });
    // Trust was for that pairing only: another host sees the dialog again.
    expect((await ask(device, pairRequest({ HostID: 'HOST-B', SystemBUID: 'B' }))).reply.Error).toBe('PairingDialogResponsePending');
  });

  it('refuses pairing after "Don\'t Trust" until replugged', async () => {
    const device = makeDevice();
    await ask(device, pairRequest());
    device.decline();
    expect((await ask(device, pairRequest())).reply.Error).toBe('UserDeniedPairing');
    expect(() => device.tapTrust()).toThrow(ControlConflictError);
    expect((await ask(device, pairRequest())).reply.Error).toBe('UserDeniedPairing');
  });

  it('pairs a trusted device at once and refuses pairing while locked', async () => {
    const device = makeDevice('trusted');
    device.lockScreen();
    expect((await ask(device, pairRequest())).reply.Error).toBe('PasswordProtected');
    device.unlock();
    expect((await ask(device, pairRequest())).reply.Error).toBeUndefined();
  });

  it('starts sessions only for paired hosts, and not while locked since reboot', async () => {
    const device = makeDevice('trusted');
    expect((await ask(device, { Request: 'StartSession', ...HOST })).reply.Error).toBe('InvalidHostID');
    await ask(device, pairRequest());
    device.lockScreen(true);
    expect((await ask(device, { Request: 'StartSession', ...HOST })).reply.Error).toBe('PasswordProtected');
    device.lockScreen(false);
    const started = await ask(device, { Request: 'StartSession', ...HOST });
    expect(started.reply.EnableSessionSSL).toBe(true);
    expect(typeof started.reply.SessionID).toBe('string');
    expect(started.transition).toBe('start-tls');
    const stopped = await ask(device, { Request: 'StopSession', SessionID: started.reply.SessionID! }, started.session!);
    expect(stopped).toMatchObject({ reply: { Request: 'StopSession' }, transition: 'stop-tls', session: null });
  });

  it('unpairs only known hosts', async () => {
    const device = makeDevice('trusted');
    expect((await ask(device, { Request: 'Unpair', PairRecord: HOST })).reply.Error).toBe('InvalidHostID');
    await ask(device, pairRequest());
    expect((await ask(device, { Request: 'Unpair', PairRecord: HOST })).reply).toEqual({ Request: 'Unpair' });
    expect(device.isTrustedHost(HOST.HostID)).toBe(false);
  });

  it('rejects unknown services and changes of hardware keys', async () => {
    const device = makeDevice('trusted');
    expect((await ask(device, { Request: 'StartService', Service: 'com.apple.nothing' }, session)).reply).toEqual({ Request: 'StartService', Error: 'InvalidService' });
    expect((await ask(device, { Request: 'SetValue', Key: 'SerialNumber', Value: 'X' }, session)).reply.Error).toBe('ImmutableValue');
    expect((await ask(device, { Request: 'SetValue', Key: 'DeviceName', Value: 'Renamed' }, session)).reply).toEqual({ Request: 'SetValue' });
    expect((await ask(device, { Request: 'GetValue', Key: 'DeviceName' })).reply.Value).toBe('Renamed');
  });
});

describe('fault queue', () => {
  it('applies to the next N requests, or to a named request type', () => {
    const queue = new FaultQueue();
    queue.add({ kind: 'delay', delayMs: 5, count: 2 });
    queue.add({ kind: 'drop', request: 'StartSession' });
    expect(queue.take('QueryType')?.kind).toBe('delay');
    expect(queue.take('GetValue')?.kind).toBe('delay');
    expect(queue.take('GetValue')).toBeNull();
    expect(queue.take('StartSession')?.kind).toBe('drop');
    expect(queue.take('StartSession')).toBeNull();
  });

  it('keeps persistent faults until cleared and rejects bad specs', () => {
    const queue = new FaultQueue();
    queue.add({ kind: 'garbage', request: 'GetValue', persistent: true });
    for (let i = 0; i < 5; i++) expect(queue.take('GetValue')?.kind).toBe('garbage');
    queue.clear();
    expect(queue.take('GetValue')).toBeNull();
    expect(() => queue.add({ kind: 'delay', count: 0 })).toThrow(RangeError);
  });
});

describe('framing', () => {
  it('splits big-endian length-prefixed frames across chunk boundaries', () => {
    const decoder = new LockdownFrameDecoder();
    const stream = Buffer.concat([encodeLockdownFrame(Buffer.from('one')), encodeLockdownFrame(Buffer.from('second'))]);
    expect(stream.readUInt32BE(0)).toBe(3);
    expect(decoder.push(stream.subarray(0, 5))).toEqual([]);
    expect(decoder.push(stream.subarray(5)).map(String)).toEqual(['one', 'second']);
  });

  it('skips TLS records and hands over the plaintext that follows', () => {
    const skipper = new TlsRecordSkipper();
    const record = Buffer.from([0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb]);
    const plain = encodeLockdownFrame(Buffer.from('<?xml'));
    expect(skipper.push(record.subarray(0, 3))).toHaveLength(0);
    expect(skipper.push(Buffer.concat([record.subarray(3), plain]))).toEqual(plain);
  });
});
