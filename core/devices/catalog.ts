/**
 * Apple models the bench knows by ProductType: marketing name, board
 * (HardwareModel), chip ID, release year and cellular capability. The
 * registry uses it for marketing names; the simulator draws devices from it.
 */
export type DeviceClass = 'iPhone' | 'iPad';

export interface ModelInfo {
  readonly productType: string;
  readonly hardwareModel: string;
  readonly marketingName: string;
  readonly deviceClass: DeviceClass;
  /** Chip ID as shown in DFU/Recovery serial strings (CPID). */
  readonly cpid: number;
  readonly year: number;
  readonly cellular: boolean;
  /** Oldest and newest iOS release (indexes into IOS_RELEASES) the model runs. */
  readonly os: readonly [number, number];
}

/** iOS releases a simulated device can report, oldest first. */
export const IOS_RELEASES: readonly { readonly version: string; readonly build: string }[] = [
  { version: '6.1.6', build: '10B500' },
  { version: '9.3.5', build: '13G36' },
  { version: '10.3.4', build: '14G61' },
  { version: '12.5.7', build: '16H81' },
  { version: '15.8.3', build: '19H386' },
  { version: '16.7.10', build: '20H350' },
  { version: '17.6.1', build: '21G93' },
  { version: '18.6.2', build: '22G100' },
  { version: '26.1', build: '23B85' },
];

const m = (
  productType: string,
  hardwareModel: string,
  marketingName: string,
  cpid: number,
  year: number,
  cellular: boolean,
  os: readonly [number, number],
): ModelInfo => ({
  productType,
  hardwareModel,
  marketingName,
  deviceClass: productType.startsWith('iPad') ? 'iPad' : 'iPhone',
  cpid,
  year,
  cellular,
  os,
});

export const MODELS: readonly ModelInfo[] = [
  m('iPhone2,1', 'N88AP', 'iPhone 3GS', 0x8920, 2009, true, [0, 0]),
  m('iPhone3,1', 'N90AP', 'iPhone 4', 0x8930, 2010, true, [0, 0]),
  m('iPhone4,1', 'N94AP', 'iPhone 4S', 0x8940, 2011, true, [1, 1]),
  m('iPhone5,2', 'N42AP', 'iPhone 5', 0x8950, 2012, true, [2, 2]),
  m('iPhone6,1', 'N51AP', 'iPhone 5s', 0x8960, 2013, true, [3, 3]),
  m('iPhone7,2', 'N61AP', 'iPhone 6', 0x7000, 2014, true, [3, 3]),
  m('iPhone7,1', 'N56AP', 'iPhone 6 Plus', 0x7000, 2014, true, [3, 3]),
  m('iPhone8,1', 'N71AP', 'iPhone 6s', 0x8000, 2015, true, [3, 4]),
  m('iPhone8,4', 'N69AP', 'iPhone SE', 0x8000, 2016, true, [3, 4]),
  m('iPhone9,1', 'D10AP', 'iPhone 7', 0x8010, 2016, true, [3, 4]),
  m('iPhone10,4', 'D201AP', 'iPhone 8', 0x8015, 2017, true, [4, 5]),
  m('iPhone10,6', 'D221AP', 'iPhone X', 0x8015, 2017, true, [4, 5]),
  m('iPhone11,8', 'N841AP', 'iPhone XR', 0x8020, 2018, true, [4, 7]),
  m('iPhone11,2', 'D321AP', 'iPhone XS', 0x8020, 2018, true, [4, 7]),
  m('iPhone12,1', 'N104AP', 'iPhone 11', 0x8030, 2019, true, [4, 8]),
  m('iPhone12,3', 'D421AP', 'iPhone 11 Pro', 0x8030, 2019, true, [4, 8]),
  m('iPhone12,8', 'D79AP', 'iPhone SE (2nd generation)', 0x8030, 2020, true, [4, 8]),
  m('iPhone13,2', 'D53gAP', 'iPhone 12', 0x8101, 2020, true, [4, 8]),
  m('iPhone13,3', 'D53pAP', 'iPhone 12 Pro', 0x8101, 2020, true, [4, 8]),
  m('iPhone14,5', 'D17AP', 'iPhone 13', 0x8110, 2021, true, [4, 8]),
  m('iPhone14,2', 'D63AP', 'iPhone 13 Pro', 0x8110, 2021, true, [4, 8]),
  m('iPhone14,3', 'D64AP', 'iPhone 13 Pro Max', 0x8110, 2021, true, [4, 8]),
  m('iPhone14,6', 'D49AP', 'iPhone SE (3rd generation)', 0x8110, 2022, true, [5, 8]),
  m('iPhone14,7', 'D27AP', 'iPhone 14', 0x8110, 2022, true, [5, 8]),
  m('iPhone15,2', 'D73AP', 'iPhone 14 Pro', 0x8120, 2022, true, [5, 8]),
  m('iPhone15,4', 'D37AP', 'iPhone 15', 0x8120, 2023, true, [6, 8]),
  m('iPhone16,1', 'D83AP', 'iPhone 15 Pro', 0x8130, 2023, true, [6, 8]),
  m('iPhone17,3', 'D47AP', 'iPhone 16', 0x8140, 2024, true, [7, 8]),
  m('iPhone17,1', 'D93AP', 'iPhone 16 Pro', 0x8140, 2024, true, [7, 8]),
  m('iPhone17,5', 'D48AP', 'iPhone 16e', 0x8140, 2025, true, [7, 8]),
  m('iPad1,1', 'K48AP', 'iPad', 0x8930, 2010, false, [0, 0]),
  m('iPad2,1', 'K93AP', 'iPad 2', 0x8940, 2011, false, [0, 1]),
  m('iPad3,4', 'P101AP', 'iPad (4th generation)', 0x8955, 2012, false, [1, 2]),
  m('iPad4,1', 'J71AP', 'iPad Air', 0x8960, 2013, false, [3, 3]),
  m('iPad5,3', 'J81AP', 'iPad Air 2', 0x7001, 2014, false, [3, 4]),
  m('iPad6,11', 'J71sAP', 'iPad (5th generation)', 0x8000, 2017, false, [4, 5]),
  m('iPad7,5', 'J71bAP', 'iPad (6th generation)', 0x8010, 2018, false, [4, 6]),
  m('iPad7,6', 'J72bAP', 'iPad (6th generation)', 0x8010, 2018, true, [4, 6]),
  m('iPad7,11', 'J171AP', 'iPad (7th generation)', 0x8010, 2019, false, [4, 7]),
  m('iPad11,6', 'J171aAP', 'iPad (8th generation)', 0x8020, 2020, false, [4, 8]),
  m('iPad12,1', 'J181AP', 'iPad (9th generation)', 0x8030, 2021, false, [4, 8]),
  m('iPad12,2', 'J182AP', 'iPad (9th generation)', 0x8030, 2021, true, [4, 8]),
  m('iPad13,18', 'J271AP', 'iPad (10th generation)', 0x8101, 2022, false, [5, 8]),
  m('iPad13,19', 'J272AP', 'iPad (10th generation)', 0x8101, 2022, true, [5, 8]),
  m('iPad13,1', 'J307AP', 'iPad Air (4th generation)', 0x8101, 2020, false, [4, 8]),
  m('iPad13,16', 'J407AP', 'iPad Air (5th generation)', 0x8103, 2022, false, [5, 8]),
  m('iPad14,1', 'J310AP', 'iPad mini (6th generation)', 0x8110, 2021, false, [4, 8]),
  m('iPad13,4', 'J517AP', 'iPad Pro (11-inch) (3rd generation)', 0x8103, 2021, false, [4, 8]),
  m('iPad16,3', 'J717AP', 'iPad Pro (11-inch) (M4)', 0x8132, 2024, false, [7, 8]),
];

const BY_PRODUCT_TYPE = new Map(MODELS.map((model) => [model.productType, model]));

export function modelByProductType(productType: string): ModelInfo | undefined {
  return BY_PRODUCT_TYPE.get(productType);
}

/** "iPhone14,2" → "iPhone 13 Pro"; unknown types fall back to the raw ProductType. */
export function marketingNameFor(productType: string | null | undefined): string | null {
  if (!productType) return null;
  return BY_PRODUCT_TYPE.get(productType)?.marketingName ?? productType;
}

/**
 * A12 (CPID 0x8020) and later use the 25-character UDID `CPID-ECID`; older
 * devices, including the 32-bit chips numbered 0x89xx, use 40 hex characters.
 */
export function usesNewUdidFormat(model: ModelInfo): boolean {
  return model.cpid >= 0x8020 && model.cpid < 0x8900;
}
