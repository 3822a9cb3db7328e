/** Not a plist (neither `<?xml` nor `bplist00`): what a confused device might send, for `garbage` faults. */
export const GARBAGE = Buffer.from([0x00, 0xff, 0x13, 0x37, ...Buffer.from('not a property list'), 0xde, 0xad, 0xbe, 0xef]);
