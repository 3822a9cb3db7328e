/**
 * The simulator's wire protocols seen from a raw client: usbmuxd results and
 * events, many concurrent clients, and a lockdown session that drops back to
 * plaintext after StopSession without the device sending close_notify.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlistDict } from '../../core/devices/identity.js';
import { isDict, parsePlistDict, toXmlPlist } from '../../native/plist/codec.js';
import { MuxFrameDecoder, encodeMuxFrame } from '../../native/usbmuxd/protocol.js';
import type { MuxFrame } from '../../native/usbmuxd/protocol.js';
import { LockdownFrameDecoder, encodeLockdownFrame } from '../../sim/device/framing.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';
import { runTool } from '../../sim/device/tools.js';

const sim = new DeviceSimulator();
let dir = '';

/** A bare usbmuxd client: sends requests, collects every frame it receives. */
class MuxClient {
  readonly frames: MuxFrame[] = [];
  private readonly decoder = new MuxFrameDecoder();
  private waiters: (() => void)[] = [];
  private nextTag = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', this.onData);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.frames.push(...this.decoder.push(chunk));
    for (const wake of this.waiters.splice(0)) wake();
  };

  static open(path: string): Promise<MuxClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path }, () => resolve(new MuxClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Waits until a frame matching `predicate` has arrived. */
  async waitFor(predicate: (frame: MuxFrame) => boolean, timeoutMs = 5000): Promise<MuxFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a usbmuxd frame');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async request(message: PlistDict): Promise<PlistDict> {
    const tag = this.nextTag++;
    this.socket.write(encodeMuxFrame(tag, { ClientVersionString: 'test', ProgName: 'vitest', kLibUSBMuxVersion: 3, ...message }));
    return (await this.waitFor((frame) => frame.tag === tag)).payload;
  }

  /** After Connect succeeds the socket is a raw pipe to the device port. */
  async connectTo(deviceId: number, port: number): Promise<PlistDict> {
    const swapped = ((port & 0xff) << 8) | (port >> 8);
    const reply = await this.request({ MessageType: 'Connect', DeviceID: deviceId, PortNumber: swapped });
    if (reply.Number === 0) this.socket.off('data', this.onData);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bl-sim-'));
  await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 96, seed: 'usbmuxd', allTrusted: true, control: false });
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('usbmuxd protocol', () => {
  it('lists devices with the properties libusbmuxd reads', async () => {
    const client = await MuxClient.open(sim.socketPath);
    const reply = await client.request({ MessageType: 'ListDevices' });
    client.close();
    const list = reply.DeviceList as PlistDict[];
    expect(list).toHaveLength(96);
    const first = sim.devices()[0]!;
    expect(list[0]).toEqual({
      MessageType: 'Attached',
      DeviceID: first.deviceId,
      Properties: { ConnectionSpeed: 480000000, ConnectionType: 'USB', DeviceID: first.deviceId, LocationID: first.locationId, ProductID: first.productId, SerialNumber: first.udid },
    });
  });

  it('answers Results for errors and never a bare ReadPairRecord', async () => {
    const client = await MuxClient.open(sim.socketPath);
    const { udid, deviceId } = sim.devices()[5]!;
    expect(await client.request({ MessageType: 'ReadPairRecord', PairRecordID: udid })).toEqual({ MessageType: 'Result', Number: 2 });
    expect(await client.request({ MessageType: 'Frobnicate' })).toEqual({ MessageType: 'Result', Number: 1 });
    expect(typeof (await client.request({ MessageType: 'ReadBUID' })).BUID).toBe('string');
    expect(await client.request({ MessageType: 'Connect', DeviceID: 99999, PortNumber: 32498 })).toEqual({ MessageType: 'Result', Number: 2 });
    expect(await client.request({ MessageType: 'Connect', DeviceID: deviceId!, PortNumber: 0x1600 })).toEqual({ MessageType: 'Result', Number: 3 });
    client.close();
  });

  it('streams Attached on Listen, then Detached, Attached and Paired as they happen', async () => {
    const client = await MuxClient.open(sim.socketPath);
    expect(await client.request({ MessageType: 'Listen' })).toEqual({ MessageType: 'Result', Number: 0 });
    await client.waitFor(() => client.frames.filter((f) => f.tag === 0 && f.payload.MessageType === 'Attached').length === 96);

    const device = sim.device(sim.devices()[7]!.udid);
    const oldId = device.muxId!;
    device.replug();
    await client.waitFor((f) => f.tag === 0 && f.payload.MessageType === 'Detached' && f.payload.DeviceID === oldId);
    const attached = await client.waitFor((f) => f.tag === 0 && f.payload.MessageType === 'Attached' && f.payload.DeviceID === device.muxId);
    expect(isDict(attached.payload.Properties) && attached.payload.Properties.LocationID).toBe(device.identity.locationId);

    const saver = await MuxClient.open(sim.socketPath);
    const record = toXmlPlist({ HostID: 'H' });
    expect(await saver.request({ MessageType: 'SavePairRecord', PairRecordID: device.udid, PairRecordData: record, DeviceID: device.muxId! })).toEqual({ MessageType: 'Result', Number: 0 });
    await client.waitFor((f) => f.tag === 0 && f.payload.MessageType === 'Paired' && f.payload.DeviceID === device.muxId);
    const read = await saver.request({ MessageType: 'ReadPairRecord', PairRecordID: device.udid });
    expect(Buffer.compare(read.PairRecordData as Buffer, record)).toBe(0);
    expect(await saver.request({ MessageType: 'DeletePairRecord', PairRecordID: device.udid })).toEqual({ MessageType: 'Result', Number: 0 });
    expect((await saver.request({ MessageType: 'ReadPairRecord', PairRecordID: device.udid })).Number).toBe(2);
    saver.close();
    client.close();
  });

  it('serves 128 concurrent clients', async () => {
    const clients = await Promise.all(Array.from({ length: 128 }, () => MuxClient.open(sim.socketPath)));
    const replies = await Promise.all(clients.map((client) => client.request({ MessageType: 'ListDevices' })));
    for (const client of clients) client.close();
    for (const reply of replies) expect(reply.DeviceList).toHaveLength(96);
  });

  it('serves 64 concurrent idevice_id -l runs', async () => {
    const results = await Promise.all(Array.from({ length: 64 }, () => runTool('idevice_id', ['-l'], sim.address)));
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split('\n')).toHaveLength(96);
    }
  });
});

/** Passes bytes between a TLS client and the raw socket until detached (the client side of a one-way TLS shutdown). */
class Bridge extends Duplex {
  detached = false;
  constructor(private readonly raw: Socket) {
    super();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.raw.write(chunk, () => callback());
  }
}

describe('lockdown over a raw connection', () => {
  it('goes plaintext → TLS → plaintext without a close_notify from the device', async () => {
    const device = sim.devices()[10]!;
    const client = await MuxClient.open(sim.socketPath);
    expect(await client.connectTo(device.deviceId!, 62078)).toEqual({ MessageType: 'Result', Number: 0 });
    const raw = client.socket;

    let mode: 'plain' | 'tls' | 'after' = 'plain';
    const plain = new LockdownFrameDecoder();
    const plainFrames: PlistDict[] = [];
    const rawAfterStop: Buffer[] = [];
    const bridge = new Bridge(raw);
    raw.on('data', (chunk: Buffer) => {
      if (mode === 'tls') bridge.push(chunk);
      else {
        if (mode === 'after') rawAfterStop.push(chunk);
        plainFrames.push(...plain.push(chunk).map((body) => parsePlistDict(body)));
      }
    });
    const waitPlain = async (count: number): Promise<PlistDict> => {
      while (plainFrames.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
      return plainFrames[count - 1]!;
    };
    const sendPlain = (message: PlistDict) => raw.write(encodeLockdownFrame(toXmlPlist(message)));

    sendPlain({ Request: 'QueryType' });
    expect(await waitPlain(1)).toEqual({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' });
    sendPlain({ Request: 'Pair', PairRecord: { HostID: 'RAW-HOST', SystemBUID: 'RAW-BUID' }, ProtocolVersion: '2' });
    expect((await waitPlain(2)).Error).toBeUndefined();
    sendPlain({ Request: 'StartSession', HostID: 'RAW-HOST', SystemBUID: 'RAW-BUID' });
    const started = await waitPlain(3);
    expect(started.EnableSessionSSL).toBe(true);

    mode = 'tls';
    const secure: TLSSocket = tlsConnect({ socket: bridge, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    let deviceSentCloseNotify = false;
    secure.on('end', () => (deviceSentCloseNotify = true));
    const tlsFrames: PlistDict[] = [];
    const tlsDecoder = new LockdownFrameDecoder();
    secure.on('data', (chunk: Buffer) => tlsFrames.push(...tlsDecoder.push(chunk).map((body) => parsePlistDict(body))));
    const waitTls = async (count: number): Promise<PlistDict> => {
      while (tlsFrames.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
      return tlsFrames[count - 1]!;
    };

    secure.write(encodeLockdownFrame(toXmlPlist({ Request: 'GetValue', Key: 'SerialNumber' })));
    expect((await waitTls(1)).Value).toBe(device.serialNumber);
    secure.write(encodeLockdownFrame(toXmlPlist({ Request: 'StopSession', SessionID: started.SessionID! })));
    expect(await waitTls(2)).toEqual({ Request: 'StopSession' });

    // The client shuts TLS down one way (its close_notify) and carries on in plaintext.
    mode = 'after';
    secure.end();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(deviceSentCloseNotify).toBe(false);
    expect(rawAfterStop).toEqual([]);

    sendPlain({ Request: 'GetValue', Key: 'SerialNumber' });
    // No session any more: the serial number is hidden again, in plaintext.
    expect(await waitPlain(4)).toEqual({ Request: 'GetValue', Error: 'GetProhibited' });
    expect(rawAfterStop[0]![0]).toBe(0x00);
    secure.destroy();
    client.close();
  });
});
