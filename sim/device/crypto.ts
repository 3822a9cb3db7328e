/**
 * Key material. One key and self-signed certificate serve every simulated
 * device's TLS sessions (libimobiledevice never verifies the device's
 * certificate), and each device gets its own DevicePublicKey, generated on
 * first use off the main thread so 128 devices start instantly.
 *
 * The session key is ECDSA P-256 rather than RSA: every handshake signs with
 * it on the simulator's one thread, and a P-256 signature costs about a tenth
 * of an RSA-2048 one. node:crypto signs but cannot build certificates, so the
 * few DER structures of one are written out here.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface TlsIdentity {
  keyPem: string;
  certPem: string;
  secureContext: SecureContext;
}

// ---- just enough DER for one certificate ---------------------------------

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const sequence = (...items: Buffer[]): Buffer => der(0x30, ...items);
const set = (...items: Buffer[]): Buffer => der(0x31, ...items);
/** A non-negative integer that fits in a byte, which is all a certificate here needs. */
const smallInteger = (value: number): Buffer => der(0x02, Buffer.from(value < 0x80 ? [value] : [0, value]));
const utf8String = (text: string): Buffer => der(0x0c, Buffer.from(text, 'utf8'));
/** YYMMDDHHMMSSZ: valid for 1950–2049, the form X.509 requires in that range. */
const utcTime = (date: Date): Buffer => der(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-T:]/g, '')}Z`, 'ascii'));
const bitString = (bytes: Buffer): Buffer => der(0x03, Buffer.from([0]), bytes);

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) base128.unshift(0x80 | (value & 0x7f));
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

const ECDSA_WITH_SHA256 = sequence(objectId('1.2.840.10045.4.3.2'));
const COMMON_NAME = '2.5.4.3';

function selfSignedCertificate(privateKey: KeyObject, publicKey: KeyObject, commonName: string): Buffer {
  const name = sequence(set(sequence(objectId(COMMON_NAME), utf8String(commonName))));
  const tbs = sequence(
    der(0xa0, smallInteger(2)), // [0] version: v3
    smallInteger(1), // serial number
    ECDSA_WITH_SHA256,
    name, // issuer
    sequence(utcTime(new Date(Date.UTC(2020, 0, 1))), utcTime(new Date(Date.UTC(2040, 0, 1)))),
    name, // subject
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  // For EC keys node:crypto returns the DER ECDSA-Sig-Value X.509 expects.
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(sign('sha256', tbs, privateKey)));
}

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export async function createTlsIdentity(): Promise<TlsIdentity> {
  const { privateKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const key = createPrivateKey(privateKey);
  const certPem = toPem('CERTIFICATE', selfSignedCertificate(key, createPublicKey(key), 'Benchline simulated device'));
  return {
    keyPem: privateKey,
    certPem,
    secureContext: createSecureContext({
      key: privateKey,
      cert: certPem,
      // libimobiledevice caps iOS < 10 devices at TLS 1.0, and OpenSSL 3 only
      // negotiates that at security level 0. A real device accepts it, so must we.
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    }),
  };
}

/**
 * DevicePublicKey per device, as libimobiledevice wants it: PEM PKCS#1
 * ("BEGIN RSA PUBLIC KEY"). Cached as a promise so concurrent first requests
 * share one generation.
 */
export class DeviceKeyCache {
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(private readonly bits: number) {}

  publicKeyFor(udid: string): Promise<Buffer> {
    let key = this.keys.get(udid);
    if (!key) {
      key = generateKeyPairAsync('rsa', {
        modulusLength: this.bits,
        publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      }).then(({ publicKey }) => Buffer.from(publicKey, 'utf8'));
      // A failed generation must not poison the cache forever.
      key.catch(() => this.keys.delete(udid));
      this.keys.set(udid, key);
    }
    return key;
  }
}
