/** Who may open the API socket: the served origin only, with the token when one is required, on the names the bench answers to. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { apiSubprotocols, apiUrlFor, tokenFromFragment } from '../../core/contract/transport.js';
import { AccessPolicy, isLoopbackAddress, presentedToken } from '../../core/host/web/access.js';

const TOKEN = 'k3y_k3y_k3y_k3y_k3y_k3y';

function upgrade(headers: Record<string, string>, url = '/api'): IncomingMessage {
  return { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), url } as unknown as IncomingMessage;
}

const loopback = new AccessPolicy({ token: null, secure: false, port: () => 8080 });
const tokened = new AccessPolicy({ token: TOKEN, secure: false, port: () => 8080 });

describe('on loopback without a token', () => {
  it('lets the page it served connect', () => {
    expect(loopback.checkUpgrade(upgrade({ Host: '127.0.0.1:8080', Origin: 'http://127.0.0.1:8080' }))).toBeNull();
    expect(loopback.checkUpgrade(upgrade({ Host: 'localhost:8080', Origin: 'http://localhost:8080' }))).toBeNull();
  });

  it('refuses other origins, and clients that send none, with 403', () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:9999', 'https://127.0.0.1:8080', 'null']) {
      expect(loopback.checkUpgrade(upgrade({ Host: '127.0.0.1:8080', Origin: origin }))).toMatchObject({ status: 403 });
    }
    expect(loopback.checkUpgrade(upgrade({ Host: '127.0.0.1:8080' }))).toMatchObject({ status: 403 });
  });

  it('refuses a DNS-rebinding page, whose Origin matches its own Host, with 403', () => {
    expect(loopback.checkUpgrade(upgrade({ Host: 'evil.example:8080', Origin: 'http://evil.example:8080' }))).toMatchObject({ status: 403 });
    expect(loopback.checkHost(upgrade({ Host: 'evil.example:8080' }))).toMatchObject({ status: 403 });
  });
});

describe('with a token', () => {
  const origin = { Host: '192.168.1.20:8080', Origin: 'http://192.168.1.20:8080' };

  it('accepts the token as a subprotocol (preferred) or a query parameter', () => {
    expect(tokened.checkUpgrade(upgrade({ ...origin, 'Sec-WebSocket-Protocol': apiSubprotocols(TOKEN).join(', ') }))).toBeNull();
    expect(tokened.checkUpgrade(upgrade(origin, `/api?token=${TOKEN}`))).toBeNull();
  });

  it('refuses a missing or wrong token with 401', () => {
    expect(tokened.checkUpgrade(upgrade(origin))).toMatchObject({ status: 401 });
    expect(tokened.checkUpgrade(upgrade({ ...origin, 'Sec-WebSocket-Protocol': apiSubprotocols('wrong_wrong_wrong_wrong').join(', ') }))).toMatchObject({ status: 401 });
    expect(tokened.checkUpgrade(upgrade(origin, '/api?token=short'))).toMatchObject({ status: 401 });
  });

  it('still refuses a foreign origin that has the token', () => {
    expect(tokened.checkUpgrade(upgrade({ Host: '192.168.1.20:8080', Origin: 'http://evil.example' }, `/api?token=${TOKEN}`))).toMatchObject({ status: 403 });
  });

  it('expects an https origin when serving TLS', () => {
    const secure = new AccessPolicy({ token: TOKEN, secure: true, port: () => 8443 });
    const headers = { Host: 'bench.local:8443', 'Sec-WebSocket-Protocol': apiSubprotocols(TOKEN).join(',') };
    expect(secure.checkUpgrade(upgrade({ ...headers, Origin: 'https://bench.local:8443' }))).toBeNull();
    expect(secure.checkUpgrade(upgrade({ ...headers, Origin: 'http://bench.local:8443' }))).toMatchObject({ status: 403 });
  });
});

describe('helpers a UI and the server share', () => {
  it('the token travels from the printed URL fragment to the subprotocol', () => {
    const token = tokenFromFragment(`#token=${TOKEN}`);
    expect(token).toBe(TOKEN);
    expect(presentedToken(upgrade({ 'Sec-WebSocket-Protocol': apiSubprotocols(token).join(', ') }))).toBe(TOKEN);
    expect(tokenFromFragment('#token=not a token')).toBeNull();
    expect(tokenFromFragment('')).toBeNull();
  });

  it('the socket URL follows the page scheme', () => {
    expect(apiUrlFor('http://127.0.0.1:8080/#token=x')).toBe('ws://127.0.0.1:8080/api');
    expect(apiUrlFor('https://bench.local:8443/')).toBe('wss://bench.local:8443/api');
  });

  it('knows which listen addresses are loopback', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['0.0.0.0', '::', '192.168.1.20', 'bench.local', '128.0.0.1']) expect(isLoopbackAddress(address)).toBe(false);
  });
});
