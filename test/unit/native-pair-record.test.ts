/**
 * Re-pairing after an erase reuses the host identity of the old pair record:
 * the device certificate built here must be what libimobiledevice would
 * build — signed by the root key, carrying the device's own public key — and
 * the record must keep every key libimobiledevice reads back.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deviceCertificatePem, hostIdentityOf, pairRecordFor } from '../../native/imobiledevice/pair-record.js';

const root = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rootPem = root.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const device = generateKeyPairSync('rsa', { modulusLength: 1024 });
const devicePem = device.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();

describe('device certificate', () => {
  it('carries the device public key, is signed by the root key and valid for ten years, not a CA', () => {
    const certificate = new X509Certificate(deviceCertificatePem(devicePem, rootPem, new Date('2026-01-01T00:00:00Z')));
    expect(certificate.verify(root.publicKey)).toBe(true);
    expect(certificate.verify(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey)).toBe(false);
    expect(certificate.publicKey.export({ type: 'pkcs1', format: 'pem' })).toBe(devicePem);
    expect(certificate.ca).toBe(false);
    expect(Number.parseInt(certificate.serialNumber, 16)).toBe(0);
    expect(new Date(certificate.validTo).getUTCFullYear()).toBe(2035);
  });
});

describe('host identity', () => {
  const stored = {
    HostID: 'F2E1C3A4-0000-4000-8000-000000000001',
    SystemBUID: 'B0B0B0B0-0000-4000-8000-000000000002',
    RootCertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nroot\n'),
    RootPrivateKey: Buffer.from(rootPem),
    HostCertificate: Buffer.from('-----BEGIN CERTIFICATE-----\nhost\n'),
    HostPrivateKey: Buffer.from('-----BEGIN RSA PRIVATE KEY-----\nhost\n'),
    DeviceCertificate: Buffer.from('old'),
    EscrowBag: Buffer.from('old bag'),
    WiFiMACAddress: 'aa:bb:cc:dd:ee:ff',
  };

  it('is read from a stored record, and a record missing a key is not reused', () => {
    const identity = hostIdentityOf(stored);
    expect(identity?.hostId).toBe(stored.HostID);
    expect(identity?.rootPrivateKeyPem).toBe(rootPem);
    expect(identity?.wifiAddress).toBe('aa:bb:cc:dd:ee:ff');
    const { HostPrivateKey: _dropped, ...incomplete } = stored;
    expect(hostIdentityOf(incomplete)).toBeNull();
  });

  it('makes a new record with the new device certificate and escrow bag, keeping the host keys', () => {
    const identity = hostIdentityOf(stored)!;
    const record = pairRecordFor(identity, 'new device certificate', new Uint8Array([1, 2, 3]));
    expect(Buffer.from(record.DeviceCertificate as Uint8Array).toString()).toBe('new device certificate');
    expect(record.EscrowBag).toEqual(new Uint8Array([1, 2, 3]));
    expect(Buffer.from(record.RootPrivateKey as Uint8Array).toString()).toBe(rootPem);
    expect(record.HostID).toBe(stored.HostID);
    expect(Object.keys(record).sort()).toEqual(['DeviceCertificate', 'EscrowBag', 'HostCertificate', 'HostID', 'HostPrivateKey', 'RootCertificate', 'RootPrivateKey', 'SystemBUID', 'WiFiMACAddress']);
  });
});
