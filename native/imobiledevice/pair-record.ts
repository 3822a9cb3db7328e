/**
 * Re-pairing with the host identity a device's old pair record already holds.
 *
 * After an erase a device no longer knows this host (InvalidHostID). Left to
 * itself, libimobiledevice 1.3.0 pairs anew only when there is no record, and
 * then generates two fresh RSA-2048 key pairs (0.2–0.4 s of CPU each time): a
 * bench whose 64 devices come back from an erase together spends seconds of
 * both cores on keys it already has. The old record holds the root and host
 * keys and certificates, the HostID and the SystemBUID; only the device
 * certificate depends on the device, and it is a signature by the root key
 * over the device's public key (what libimobiledevice's userpref.c builds:
 * serial 0, v3, ten years, CA:FALSE, subject key identifier, key usage
 * digitalSignature + keyEncipherment). This module builds it and the record.
 */
import { createPublicKey, sign } from 'node:crypto';
import forge from 'node-forge';
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';

/** What a usable record must hold to pair again without generating keys. */
export const REUSABLE_RECORD_KEYS = ['HostID', 'SystemBUID', 'RootCertificate', 'RootPrivateKey', 'HostCertificate', 'HostPrivateKey'] as const;

export interface HostIdentity {
  hostId: string;
  systemBuid: string;
  rootCertificatePem: string;
  rootPrivateKeyPem: string;
  hostCertificatePem: string;
  hostPrivateKeyPem: string;
  wifiAddress: string | null;
}

function text(value: PlistValue | undefined): string | null {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return null;
}

/** The host identity in a stored pair record, or null when something is missing. */
export function hostIdentityOf(record: PlistDict): HostIdentity | null {
  const values = REUSABLE_RECORD_KEYS.map((key) => text(record[key]));
  if (values.some((value) => !value)) return null;
  const [hostId, systemBuid, rootCertificatePem, rootPrivateKeyPem, hostCertificatePem, hostPrivateKeyPem] = values as string[];
  return { hostId: hostId!, systemBuid: systemBuid!, rootCertificatePem: rootCertificatePem!, rootPrivateKeyPem: rootPrivateKeyPem!, hostCertificatePem: hostCertificatePem!, hostPrivateKeyPem: hostPrivateKeyPem!, wifiAddress: text(record.WiFiMACAddress) };
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600_000;

/** forge has it (pki.getTBSCertificate: the to-be-signed part); @types/node-forge leaves it out. */
const tbsCertificateOf = (forge.pki as unknown as { getTBSCertificate(certificate: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;

/**
 * The device certificate for `devicePublicKeyPem` (the PKCS#1 "RSA PUBLIC KEY"
 * a device answers to GetValue DevicePublicKey), signed by the root key.
 * forge lays the certificate out; node:crypto signs (forge's JavaScript RSA
 * would hold the event loop ~25 ms per device).
 */
export function deviceCertificatePem(devicePublicKeyPem: string, rootPrivateKeyPem: string, now = new Date()): string {
  const spki = createPublicKey({ key: devicePublicKeyPem, format: 'pem' }).export({ type: 'spki', format: 'pem' }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(spki);
  certificate.serialNumber = '00';
  certificate.validity.notBefore = now;
  certificate.validity.notAfter = new Date(now.getTime() + TEN_YEARS_MS);
  certificate.setSubject([]);
  certificate.setIssuer([]);
  certificate.setExtensions([
    { name: 'basicConstraints', critical: true, cA: false },
    { name: 'subjectKeyIdentifier' },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
  ]);
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  certificate.siginfo.algorithmOid = oid;
  certificate.signatureOid = oid;
  const tbs = Buffer.from(forge.asn1.toDer(tbsCertificateOf(certificate)).getBytes(), 'binary');
  certificate.signature = sign('sha256', tbs, rootPrivateKeyPem).toString('binary');
  return forge.pki.certificateToPem(certificate);
}

/** The record usbmuxd keeps after a successful Pair, in libimobiledevice's keys (PEM as data). */
export function pairRecordFor(identity: HostIdentity, deviceCertificate: string, escrowBag: Uint8Array | null): PlistDict {
  const data = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem, 'utf8'));
  const record: PlistDict = {
    DeviceCertificate: data(deviceCertificate),
    HostCertificate: data(identity.hostCertificatePem),
    HostID: identity.hostId,
    HostPrivateKey: data(identity.hostPrivateKeyPem),
    RootCertificate: data(identity.rootCertificatePem),
    RootPrivateKey: data(identity.rootPrivateKeyPem),
    SystemBUID: identity.systemBuid,
  };
  if (escrowBag) record.EscrowBag = escrowBag;
  if (identity.wifiAddress) record.WiFiMACAddress = identity.wifiAddress;
  return record;
}
