import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../../core/devices/errors.js';
import type { PlistDict } from '../../core/devices/identity.js';
import { toXmlPlist } from '../../native/plist/codec.js';
import { HttpActivationAuthority } from '../../native/apple/activation-authority.js';
import { SimActivationAuthority } from '../../sim/apple/activation-authority.js';
import { SimControlClient } from '../../sim/device/control-client.js';
import { SimDevice } from '../../sim/device/device.js';
import { generateIdentities } from '../../sim/device/generator.js';
import { createMcInstallService } from '../../sim/device/mcinstall.js';
import { connectInMemory } from '../../sim/device/memory-client.js';
import { createMobileActivationService } from '../../sim/device/mobileactivation.js';
import { DeviceSimulator } from '../../sim/device/simulator.js';

const identities = generateIdentities(2, 'activation-unit');
const activation = createMobileActivationService();
const authority = new SimActivationAuthority();

function makeDevice(index = 0): SimDevice {
  let next = 1;
  const device = new SimDevice(identities[index]!, 'trusted', {
    attach: (d) => {
      d.muxId = next++;
    },
    detach: (d) => {
      d.muxId = null;
    },
  });
  device.attach();
  return device;
}

async function command(device: SimDevice, name: string, value?: PlistDict): Promise<PlistDict> {
  const client = connectInMemory(activation, device);
  try {
    return await client.request(value === undefined ? { Command: name } : { Command: name, Value: value }, { binary: true });
  } finally {
    client.close();
  }
}

async function activationInfo(device: SimDevice): Promise<PlistDict> {
  return (await command(device, 'CreateActivationInfoRequest')).Value as PlistDict;
}

describe('mobileactivationd (simulated) with the simulated albert', () => {
  it('activates an unactivated device with a record made for it', async () => {
    const device = makeDevice();
    device.management.activationState = 'Unactivated';
    expect(await command(device, 'GetActivationStateRequest')).toEqual({ Value: 'Unactivated' });
    const info = await activationInfo(device);
    expect(Object.keys(info).sort()).toEqual(['ActivationInfoComplete', 'ActivationInfoXML', 'FairPlayCertChain', 'FairPlaySignature']);
    expect((info.ActivationInfoXML as Buffer).toString('utf8')).toContain(device.udid);
    expect((info.ActivationInfoXML as Buffer).toString('utf8')).toContain(device.identity.serialNumber);
    const record = await authority.requestActivationRecord(device.udid, info);
    expect(await command(device, 'HandleActivationInfoRequest', record)).toEqual({ Value: 'Activated' });
    expect(await command(device, 'GetActivationStateRequest')).toEqual({ Value: 'Activated' });
    expect(device.info().counters).toEqual({ GetActivationStateRequest: 2, CreateActivationInfoRequest: 1, HandleActivationInfoRequest: 1 });
  });

  it('refuses a record for another device, for an older request, edited, or signed with another secret', async () => {
    const device = makeDevice(0);
    const other = makeDevice(1);
    device.management.activationState = 'Unactivated';

    const forOther = await authority.requestActivationRecord(other.udid, await activationInfo(other));
    await activationInfo(device);
    expect((await command(device, 'HandleActivationInfoRequest', forOther)).Error).toMatch(/another device/);

    const stale = await authority.requestActivationRecord(device.udid, await activationInfo(device));
    await activationInfo(device); // a newer request: the older record no longer fits
    expect((await command(device, 'HandleActivationInfoRequest', stale)).Error).toMatch(/earlier activation request/);

    const good = await authority.requestActivationRecord(device.udid, await activationInfo(device));
    const edited = { ...good, AccountToken: Buffer.from((good.AccountToken as Buffer).toString('utf8').replace(device.udid, other.udid)) };
    expect((await command(device, 'HandleActivationInfoRequest', edited)).Error).toMatch(/signature/);
    const foreign = await new SimActivationAuthority('another secret').requestActivationRecord(device.udid, await activationInfo(makeDevice(0)))
      .catch((error: unknown) => error);
    expect(foreign).toBeInstanceOf(DeviceError);
    expect(device.management.activationState).toBe('Unactivated');

    // albert's whole answer (the record still wrapped) and plist data are accepted too.
    const wrapped = await authority.requestActivationRecord(device.udid, await activationInfo(device));
    expect(await command(device, 'HandleActivationInfoRequest', { ActivationRecord: wrapped })).toEqual({ Value: 'Activated' });
  });

  it('refuses activation info for another UDID than the one asked for', async () => {
    const device = makeDevice(0);
    await expect(authority.requestActivationRecord(identities[1]!.udid, await activationInfo(device))).rejects.toMatchObject({ code: 'ActivationRejected' });
  });

  it('an erased device stays in Setup Assistant after activation until it has a cloud configuration', async () => {
    const device = makeDevice();
    device.management.wipe();
    const record = await authority.requestActivationRecord(device.udid, await activationInfo(device));
    await command(device, 'HandleActivationInfoRequest', record);
    expect(device.info()).toMatchObject({ activationState: 'Activated', inSetupAssistant: true });
    const mc = connectInMemory(createMcInstallService(), device);
    expect(await mc.request({ RequestType: 'SetCloudConfiguration', CloudConfiguration: { IsSupervised: true, OrganizationName: 'Acme' } })).toEqual({ Status: 'Acknowledged' });
    expect(device.info()).toMatchObject({ activationState: 'Activated', inSetupAssistant: false, supervised: true });
  });

  it('deactivates, and answers unknown commands and faults with {Error}', async () => {
    const device = makeDevice();
    expect(await command(device, 'DeactivateRequest')).toEqual({ Value: 'Unactivated' });
    expect((await command(device, 'Frobnicate')).Error).toEqual(expect.any(String));
    device.injectFault({ kind: 'error', request: 'GetActivationStateRequest' });
    expect((await command(device, 'GetActivationStateRequest')).Error).toMatch(/simulated/);
  });
});

describe('albert over HTTP and HttpActivationAuthority', () => {
  const sim = new DeviceSimulator();
  let dir = '';
  let control: SimControlClient;
  let garbageServer: Server;
  let garbageUrl = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bl-act-'));
    await sim.start({ socketPath: join(dir, 'mux.sock'), devices: 1, seed: 'activation-unit', allTrusted: true });
    control = new SimControlClient(sim.controlUrl!);
    garbageServer = createServer((request, response) => {
      if (request.url === '/silent') return; // never answers
      if (request.url === '/broken') {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end('maintenance');
        return;
      }
      const body = request.url === '/nonsense' ? 'hello, I am not albert' : toXmlPlist({ Something: 'else' }).toString();
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(body);
    });
    await new Promise<void>((resolve) => garbageServer.listen(0, '127.0.0.1', resolve));
    garbageUrl = `http://127.0.0.1:${(garbageServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await sim.stop();
    garbageServer.closeAllConnections();
    await new Promise((resolve) => garbageServer.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('activates a simulated device through the control server', async () => {
    const device = sim.allDevices()[0]!;
    device.management.activationState = 'Unactivated';
    const http = new HttpActivationAuthority(control.activationUrl);
    const record = await http.requestActivationRecord(device.udid, await activationInfo(device));
    expect(await command(device, 'HandleActivationInfoRequest', record)).toEqual({ Value: 'Activated' });
    expect((await control.device(device.udid)).activationState).toBe('Activated');
  });

  it('takes the activation-info form field like Apple\'s albert, and refuses tampered info with 400', async () => {
    const device = sim.allDevices()[0]!;
    const info = await activationInfo(device);
    const good = await fetch(control.activationUrl, { method: 'POST', body: new URLSearchParams({ 'activation-info': toXmlPlist(info).toString() }) });
    expect(good.status).toBe(200);
    expect(good.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await good.text()).toContain('<key>ActivationRecord</key>');
    const tampered = { ...info, ActivationInfoXML: Buffer.from((info.ActivationInfoXML as Buffer).toString().replace('Unactivated', 'Activated').replace('<key>', '<key>X')) };
    const bad = await fetch(control.activationUrl, { method: 'POST', body: new URLSearchParams({ 'activation-info': toXmlPlist(tampered).toString() }) });
    expect(bad.status).toBe(400);
    const rejected = await new HttpActivationAuthority(control.activationUrl).requestActivationRecord(device.udid, tampered).catch((error: unknown) => error);
    expect(rejected).toMatchObject({ code: 'ActivationRejected' });
  });

  it('says clearly when the server is down or answers garbage', async () => {
    const info = await activationInfo(sim.allDevices()[0]!);
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const down = await new HttpActivationAuthority(`http://127.0.0.1:${closedPort}/albert/deviceActivation`, 2000).requestActivationRecord('x', info).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(DeviceError);
    expect(down).toMatchObject({ code: 'ActivationServerUnreachable', message: expect.stringContaining('ECONNREFUSED') });
    expect((down as DeviceError).instruction).toMatch(/network/);

    const silent = await new HttpActivationAuthority(`${garbageUrl}/silent`, 300).requestActivationRecord('x', info).catch((error: unknown) => error);
    expect(silent).toMatchObject({ code: 'ActivationServerUnreachable', message: expect.stringContaining('no answer in time') });
    const broken = await new HttpActivationAuthority(`${garbageUrl}/broken`).requestActivationRecord('x', info).catch((error: unknown) => error);
    expect(broken).toMatchObject({ code: 'ActivationServerInvalidResponse', message: expect.stringContaining('HTTP 503: maintenance') });

    for (const path of ['/nonsense', '/plist-without-record']) {
      const garbage = await new HttpActivationAuthority(`${garbageUrl}${path}`).requestActivationRecord('x', info).catch((error: unknown) => error);
      expect(garbage).toMatchObject({ code: 'ActivationServerInvalidResponse' });
      expect((garbage as DeviceError).instruction).toMatch(/not an activation record/);
    }
  });
});
