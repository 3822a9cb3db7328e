/**
 * Identifier formats of real Apple devices, so that the simulated fleet
 * exercises the same parsing, validation and display paths as a real bench.
 */
import { createHash } from 'node:crypto';
import type { ModelInfo } from '../../core/devices/catalog.js';
import { usesNewUdidFormat } from '../../core/devices/catalog.js';
import type { SeededRandom } from './random.js';

/** 2021+ serials are random characters from an alphabet without vowels (no words) and without S/O/I look-alikes. */
export const RANDOM_SERIAL_ALPHABET = 'BCDFGHJKLMNPQRTVWXYZ0123456789';
/** Half-year codes of the 2010–2020 scheme: two letters per year, cycling every ten years. */
const YEAR_HALF_CODES = 'CDFGHJKLMNPQRSTVWXYZ';
/** Week-within-half-year codes of the 2010–2020 scheme (27 values). */
const WEEK_CODES = '123456789CDFGHJKLMNPQRTVWXY';
const STRUCTURED_UNIQUE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXYZ0123456789';
const PLANTS_12 = ['C39', 'C8Q', 'DNP', 'DX3', 'F17', 'F2L', 'FK1', 'FFM', 'G6T', 'DNQ', 'F4G', 'GG7', 'DMP', 'F9F'] as const;
const PLANTS_11 = ['88', '87', 'YM', 'W8', '5K', '1C', 'G8'] as const;

/** Apple-registered Wi-Fi OUIs, so MACs look like Apple's to OUI lookups. */
const APPLE_OUIS = ['f0:98:9d', 'a4:5e:60', 'bc:92:6b', '3c:2e:ff', '88:66:a5', 'd0:81:7a', 'ac:bc:32', '28:cf:e9', 'f4:0f:24', '70:ea:5a'] as const;

export type SerialScheme = 'random10' | 'structured12' | 'legacy11';

export function serialSchemeFor(year: number): SerialScheme {
  if (year >= 2021) return 'random10';
  if (year >= 2010) return 'structured12';
  return 'legacy11';
}

/** A stable short code per model (the real "model/config" suffix is per SKU, not random per unit). */
function configCode(model: ModelInfo, variant: number, length: number): string {
  const digest = createHash('sha256').update(`${model.productType}/${variant}`).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += STRUCTURED_UNIQUE_ALPHABET[digest[i]! % STRUCTURED_UNIQUE_ALPHABET.length];
  return out;
}

/**
 * Hardware serial number. Manufacture date is the model's release year or the
 * year after; `year` decides the scheme as Apple did.
 */
export function makeSerialNumber(random: SeededRandom, model: ModelInfo): string {
  const scheme = serialSchemeFor(model.year);
  if (scheme === 'random10') return random.string(RANDOM_SERIAL_ALPHABET, 10);
  const madeIn = scheme === 'structured12' ? Math.min(model.year + random.int(0, 1), 2020) : model.year;
  const sku = configCode(model, random.int(0, 2), scheme === 'structured12' ? 4 : 3);
  if (scheme === 'structured12') {
    const half = random.int(0, 1);
    const yearHalf = YEAR_HALF_CODES[((madeIn - 2010) % 10) * 2 + half]!;
    return `${random.pick(PLANTS_12)}${yearHalf}${random.pick([...WEEK_CODES])}${random.string(STRUCTURED_UNIQUE_ALPHABET, 3)}${sku}`;
  }
  const week = String(random.int(1, 52)).padStart(2, '0');
  return `${random.pick(PLANTS_11)}${madeIn % 10}${week}${random.string(STRUCTURED_UNIQUE_ALPHABET, 3)}${sku}`;
}

/** Luhn check digit for a string of digits (the digit to append). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    // Counting from the right of the payload, every first, third, … digit is doubled
    // because the check digit will take the rightmost position.
    let digit = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnCheckDigit(digits.slice(0, -1)) === Number(digits.slice(-1));
}

/** 15-digit IMEI: an Apple-looking TAC fixed per model, six serial digits, Luhn check digit. */
export function makeImei(random: SeededRandom, model: ModelInfo): string {
  const digest = createHash('sha256').update(`tac/${model.productType}`).digest();
  const tac = `35${(digest.readUInt32BE(0) % 1_000_000).toString().padStart(6, '0')}`;
  const payload = `${tac}${random.int(0, 999_999).toString().padStart(6, '0')}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}

/** Wi-Fi MAC with an Apple OUI; the Bluetooth MAC is the next address, as on real devices. */
export function makeMacPair(random: SeededRandom): { wifi: string; bluetooth: string } {
  const oui = random.pick(APPLE_OUIS);
  const nic = random.int(0, 0xfffffe);
  const fmt = (value: number): string =>
    `${oui}:${[16, 8, 0].map((shift) => ((value >> shift) & 0xff).toString(16).padStart(2, '0')).join(':')}`;
  return { wifi: fmt(nic), bluetooth: fmt(nic + 1) };
}

/** ECIDs are uint64 but real ones stay well below 2^53, so JSON numbers and plist integers carry them exactly. */
export function makeEcid(random: SeededRandom): number {
  // 2^48 ≤ ECID < 2^53: 13–14 hex digits like 0x001A2C3E3A12802E.
  return Number((1n << 48n) + random.bits(53) % ((1n << 53n) - (1n << 48n)));
}

export function makeUdid(model: ModelInfo, ecid: number, serial: string, wifi: string, bluetooth: string): string {
  if (usesNewUdidFormat(model)) {
    return `${model.cpid.toString(16).toUpperCase().padStart(8, '0')}-${ecid.toString(16).toUpperCase().padStart(16, '0')}`;
  }
  // Pre-A12 UDIDs are a SHA-1 over hardware identifiers.
  return createHash('sha1').update(`${serial}${ecid}${wifi}${bluetooth}`).digest('hex');
}

/** USB product ID in normal mode (0x1290–0x12AF), by device generation. */
export function productIdFor(model: ModelInfo): number {
  switch (model.productType) {
    case 'iPhone2,1':
      return 0x1294;
    case 'iPhone3,1':
      return 0x1297;
    case 'iPhone4,1':
      return 0x12a0;
    case 'iPad1,1':
      return 0x129a;
    case 'iPad2,1':
      return 0x129f;
    default:
      return model.deviceClass === 'iPad' ? 0x12ab : 0x12a8;
  }
}
