/**
 * The organisation's supervision identity: a certificate the device stores
 * in its cloud configuration (SupervisorHostCertificates) and the private key
 * with which this host answers MCInstall's Escalate challenge (PKCS#7 / CMS
 * SignedData). node-forge does the X.509 and PKCS#7 work.
 */
import { constants, createPrivateKey, generateKeyPairSync, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { SupervisionIdentity } from '../devices/services.js';

function toBinaryString(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('binary');
}

function fromBinaryString(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'binary'));
}

/** DER prefix of a PKCS#1 DigestInfo for SHA-256, followed by the 32-byte digest. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * The private key as forge's PKCS#7 signer uses it, with the RSA operation done
 * by OpenSSL: forge's JavaScript RSA takes about 25 ms of the event loop per
 * signature, so a bench escalating 64 devices at once stalled for seconds;
 * node:crypto signs in about 1 ms. Same RSASSA-PKCS1-v1_5 signature, byte for byte.
 */
function nativelySigningKey(key: forge.pki.rsa.PrivateKey, nativeKey: KeyObject): forge.pki.rsa.PrivateKey {
  const signing = Object.create(key) as forge.pki.rsa.PrivateKey;
  signing.sign = (md: forge.md.MessageDigest): forge.Bytes => {
    if (md.algorithm !== 'sha256') throw new SupervisionIdentityError(`Cannot sign a ${md.algorithm} digest`);
    const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')]);
    return privateEncrypt({ key: nativeKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString('binary');
  };
  return signing;
}

export class SupervisionIdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupervisionIdentityError';
  }
}

/** Loads an identity from PEM text (certificate and RSA private key), checking that they belong together. */
export function supervisionIdentityFromPem(certificatePem: string, privateKeyPem: string): SupervisionIdentity {
  let certificate: forge.pki.Certificate;
  let key: forge.pki.rsa.PrivateKey;
  try {
    certificate = forge.pki.certificateFromPem(certificatePem);
  } catch (error) {
    throw new SupervisionIdentityError(`The supervision certificate is not a PEM X.509 certificate: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    key = forge.pki.privateKeyFromPem(privateKeyPem);
  } catch (error) {
    throw new SupervisionIdentityError(`The supervision private key is not a PEM RSA key: ${error instanceof Error ? error.message : String(error)}`);
  }
  const publicKey = certificate.publicKey as forge.pki.rsa.PublicKey;
  if (publicKey.n.compareTo(key.n) !== 0) throw new SupervisionIdentityError('The supervision private key does not belong to the supervision certificate.');
  const certificateDer = fromBinaryString(forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes());
  const signingKey = nativelySigningKey(key, createPrivateKey(privateKeyPem));
  return {
    certificateDer,
    signChallenge(challenge) {
      const signed = forge.pkcs7.createSignedData();
      signed.content = forge.util.createBuffer(toBinaryString(challenge));
      signed.addCertificate(certificate);
      signed.addSigner({
        key: signingKey,
        certificate,
        digestAlgorithm: forge.pki.oids.sha256!,
        authenticatedAttributes: [
          { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
          { type: forge.pki.oids.messageDigest! },
          { type: forge.pki.oids.signingTime! },
        ],
      });
      signed.sign();
      return fromBinaryString(forge.asn1.toDer(signed.toAsn1()).getBytes());
    },
  };
}

/** A new self-signed identity (for a simulated bench, tests, or an organisation's first setup). */
export function generateSupervisionIdentityPem(commonName: string): { certificatePem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = `01${randomBytes(8).toString('hex')}`;
  certificate.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  certificate.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const attributes = [{ name: 'commonName', value: commonName }];
  certificate.setSubject(attributes);
  certificate.setIssuer(attributes);
  certificate.setExtensions([{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true }]);
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  certificate.sign(key, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), privateKeyPem: forge.pki.privateKeyToPem(key) };
}
