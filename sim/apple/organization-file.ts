/**
 * An organisation file for benches that run against the simulator process
 * (tests, benchmarks): a fresh supervision identity, an MDM URL, and the
 * simulator's own activation server (albert on its control port).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSupervisionIdentityPem } from '../../core/workflows/supervision-identity.js';

/** Writes organization.json (and the identity's PEM files) into `dir`; returns the JSON file's path. */
export function writeSimulatedOrganization(dir: string, controlUrl: string, name = 'Test Organisation'): string {
  const identity = generateSupervisionIdentityPem(`${name} Supervisor`);
  writeFileSync(path.join(dir, 'supervisor.pem'), identity.certificatePem);
  writeFileSync(path.join(dir, 'supervisor.key'), identity.privateKeyPem);
  const file = path.join(dir, 'organization.json');
  writeFileSync(
    file,
    JSON.stringify({
      name,
      mdmEnrollmentUrl: 'https://mdm.example.test/enroll',
      supervisionIdentity: { certificate: 'supervisor.pem', privateKey: 'supervisor.key' },
      activationServerUrl: `${controlUrl}/albert/deviceActivation`,
    }),
  );
  return file;
}
