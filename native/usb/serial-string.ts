/**
 * The iSerial string an Apple device shows in Recovery and DFU, e.g.
 * `CPID:8030 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:001A2C3E3A12802E IBFL:3C SRTG:[iBoot-7459.0.0]`.
 * It is the only identity such a device offers, and the ECID in it is the
 * same one lockdownd reports as UniqueChipID in normal mode.
 */
export interface AppleSerialInfo {
  /** Decimal string, like every ECID in the bench. */
  ecid: string | null;
  cpid: number | null;
  /** Every `KEY:value` pair, values as written (SRTG keeps its brackets). */
  fields: Readonly<Record<string, string>>;
}

const FIELD = /([A-Z]{2,8}):(\[[^\]]*\]|\S+)/g;

function hexToBigInt(text: string | undefined, maxDigits: number): bigint | null {
  if (text === undefined || !new RegExp(`^[0-9a-f]{1,${maxDigits}}$`, 'i').test(text)) return null;
  return BigInt(`0x${text}`);
}

export function parseAppleSerial(serial: string): AppleSerialInfo {
  const fields: Record<string, string> = {};
  for (const match of serial.matchAll(FIELD)) {
    const [, key, value] = match;
    if (key !== undefined && value !== undefined && !(key in fields)) fields[key] = value;
  }
  const ecid = hexToBigInt(fields.ECID, 16);
  const cpid = hexToBigInt(fields.CPID, 8);
  return { ecid: ecid === null ? null : ecid.toString(10), cpid: cpid === null ? null : Number(cpid), fields };
}
