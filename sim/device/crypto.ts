/**
 * Key material. One RSA key and self-signed certificate serve every simulated
 * device's TLS sessions (libimobiledevice never verifies the device's
 * certificate), and each device gets its own DevicePublicKey, generated on
 * first use off the main thread so 128 devices start instantly.
 */
import { generateKeyPair } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface TlsIdentity {
  keyPem: string;
  certPem: string;
  secureContext: SecureContext;
}

export async function createTlsIdentity(): Promise<TlsIdentity> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.UTC(2020, 0, 1));
  cert.validity.notAfter = new Date(Date.UTC(2040, 0, 1));
  const name = [{ name: 'commonName', value: 'Benchline simulated device' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
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
