/**
 * A service connection's handles over a fake library: each freed exactly
 * once, never under a call in flight, never used after close; and which
 * property_list_service codes become which errors.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError, ServiceConnectionLost, ServiceTimeout } from '../../core/devices/errors.js';
import { Semaphore } from '../../core/devices/semaphore.js';
import { PLIST_SERVICE_ERRORS, type ImobiledeviceLibrary } from '../../native/imobiledevice/ffi.js';
import { PlistServiceConnection } from '../../native/imobiledevice/service-connection.js';

type Callback = (error: Error | null, result: number) => void;

/** A library whose device calls answer when the test says so, and which counts what was freed. */
function fakeLibrary() {
  const calls: string[] = [];
  const pending: { name: string; finish: (rc: number) => void }[] = [];
  const asyncFn = (name: string) => {
    const fn = (() => {
      throw new Error(`${name} must not run on the JS thread`);
    }) as unknown as ImobiledeviceLibrary['plist_free'];
    fn.async = (...args: unknown[]) => {
      calls.push(name);
      const callback = args[args.length - 1] as Callback;
      pending.push({ name, finish: (rc) => callback(null, rc) });
    };
    return fn;
  };
  const syncFn = (name: string, effect: (...args: unknown[]) => void = () => undefined) => {
    const fn = ((...args: unknown[]) => {
      calls.push(name);
      effect(...args);
    }) as unknown as ImobiledeviceLibrary['plist_free'];
    fn.async = () => {
      throw new Error(`${name} is not a device call`);
    };
    return fn;
  };
  const lib = {
    property_list_service_send_xml_plist: asyncFn('send_xml'),
    property_list_service_send_binary_plist: asyncFn('send_binary'),
    property_list_service_receive_plist_with_timeout: asyncFn('receive'),
    property_list_service_client_free: asyncFn('client_free'),
    plist_from_bin: syncFn('plist_from_bin', (_bytes, _length, out) => ((out as [object | null])[0] = { node: true })),
    plist_free: syncFn('plist_free'),
    idevice_free: syncFn('idevice_free'),
  } as unknown as ImobiledeviceLibrary;
  /** Answers the oldest pending device call. */
  const answer = async (name: string, rc: number): Promise<void> => {
    for (let i = 0; i < 20 && pending.length === 0; i += 1) await new Promise((resolve) => setImmediate(resolve));
    const next = pending.shift();
    expect(next?.name).toBe(name);
    next!.finish(rc);
  };
  return { lib, calls, pending, answer };
}

function connect(lib: ImobiledeviceLibrary, closed: PlistServiceConnection[] = []): PlistServiceConnection {
  return new PlistServiceConnection(lib, new Semaphore(4), 'UDID', 'com.example.service', { device: { device: 1 }, client: { client: 1 } }, (c) => closed.push(c));
}

const count = (calls: string[], name: string): number => calls.filter((call) => call === name).length;

describe('a service connection', () => {
  it('closing twice frees the client and the device once each, and tells its owner once', async () => {
    const { lib, calls, answer } = fakeLibrary();
    const closed: PlistServiceConnection[] = [];
    const connection = connect(lib, closed);
    const first = connection.close();
    const second = connection.close();
    await answer('client_free', 0);
    await Promise.all([first, second]);
    await connection.close();
    expect(count(calls, 'client_free')).toBe(1);
    expect(count(calls, 'idevice_free')).toBe(1);
    expect(closed).toEqual([connection]);
  });

  it('close() waits for the receive in flight before freeing anything', async () => {
    const { lib, calls, answer } = fakeLibrary();
    const connection = connect(lib);
    const receiving = connection.receive(1000, 'Hello');
    const closing = connection.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toEqual(['receive']);
    await answer('receive', PLIST_SERVICE_ERRORS.RECEIVE_TIMEOUT);
    await expect(receiving).rejects.toBeInstanceOf(ServiceTimeout);
    await answer('client_free', 0);
    await closing;
    expect(calls).toEqual(['receive', 'client_free', 'idevice_free']);
  });

  it('a call after close() never reaches the library', async () => {
    const { lib, calls, answer } = fakeLibrary();
    const connection = connect(lib);
    const closing = connection.close();
    await answer('client_free', 0);
    await closing;
    const attempt = connection.request({ Request: 'Hello' }, 'xml', 1000, 'Hello');
    await expect(attempt).rejects.toBeInstanceOf(ServiceConnectionLost);
    await expect(attempt).rejects.toMatchObject({ unsent: true });
    expect(calls).toEqual(['client_free', 'idevice_free']);
  });

  it('the request plist is freed whether sending worked or not', async () => {
    const { lib, calls, answer } = fakeLibrary();
    const connection = connect(lib);
    const sending = connection.send({ Request: 'Hello' }, 'binary');
    await answer('send_binary', PLIST_SERVICE_ERRORS.MUX_ERROR);
    await expect(sending).rejects.toMatchObject({ code: 'ServiceConnectionLost', unsent: false });
    expect(count(calls, 'plist_from_bin')).toBe(count(calls, 'plist_free'));
    const closing = connection.close();
    await answer('client_free', 0);
    await closing;
  });

  it.each([
    ['RECEIVE_TIMEOUT', PLIST_SERVICE_ERRORS.RECEIVE_TIMEOUT, ServiceTimeout, false],
    ['SSL_ERROR (the device hung up on TLS)', PLIST_SERVICE_ERRORS.SSL_ERROR, ServiceConnectionLost, false],
    ['UNKNOWN_ERROR (the device hung up)', PLIST_SERVICE_ERRORS.UNKNOWN_ERROR, ServiceConnectionLost, false],
    ['PLIST_ERROR (garbage, but a whole message)', PLIST_SERVICE_ERRORS.PLIST_ERROR, ProtocolError, true],
  ])('receive %s', async (_case, rc, type, stillOpen) => {
    const { lib, answer } = fakeLibrary();
    const connection = connect(lib);
    const receiving = connection.receive(250, 'Hello');
    await answer('receive', rc);
    await expect(receiving).rejects.toBeInstanceOf(type);
    // After a timeout or a drop a late reply would be misread: the connection is done.
    expect(connection.isOpen).toBe(stillOpen);
    const closing = connection.close();
    await answer('client_free', 0);
    await closing;
  });
});
