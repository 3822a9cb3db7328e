/** Which devices a command acts on: --udid, --ecid, --foreach, or the only one connected. */
import type { DeviceRecord } from '../devices/identity.js';
import { parseEcid } from '../devices/identity.js';
import { CliExit, EXIT } from './exit-codes.js';

export interface TargetOptions {
  udid?: string[];
  ecid?: string[];
  foreach?: boolean;
}

export function selectTargets(records: readonly DeviceRecord[], options: TargetOptions): DeviceRecord[] {
  // UDIDs are hex: a technician may type or paste them in either case.
  const udids = (options.udid ?? []).map((udid) => udid.trim());
  const sameUdid = (record: DeviceRecord, udid: string): boolean => record.udid?.toUpperCase() === udid.toUpperCase();
  const ecids = (options.ecid ?? []).map((text) => {
    const ecid = parseEcid(text);
    if (ecid === null) throw new CliExit(EXIT.USAGE, `"${text}" is not an ECID`, 'Give the ECID in decimal or as hex with 0x, e.g. 0x1A2C3E3A12802E.');
    return ecid;
  });
  if (udids.length > 0 || ecids.length > 0) {
    const missing = [
      ...udids.filter((udid) => !records.some((r) => sameUdid(r, udid))).map((udid) => `UDID ${udid}`),
      ...ecids.filter((ecid) => !records.some((r) => r.ecid === ecid)).map((ecid) => `ECID ${ecid}`),
    ];
    if (missing.length > 0) throw new CliExit(EXIT.NO_DEVICE, `Not connected: ${missing.join(', ')}`, 'Check the cable, or run "benchline list" to see what is connected.');
    return records.filter((r) => udids.some((udid) => sameUdid(r, udid)) || (r.ecid !== null && ecids.includes(r.ecid)));
  }
  if (records.length === 0) throw new CliExit(EXIT.NO_DEVICE, 'No devices connected', 'Plug a device in, then try again.');
  if (options.foreach) return [...records];
  if (records.length > 1) {
    throw new CliExit(EXIT.USAGE, `${records.length} devices are connected`, 'Choose one with --udid or --ecid, or act on all of them with --foreach.');
  }
  return [...records];
}
