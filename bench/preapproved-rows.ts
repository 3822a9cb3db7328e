/** Seed-shaped pre-approved CSV for the benchmarks: quoted names with commas, optional columns half filled. */

/** `badEvery`: every Nth row gets a case-mismatched ownership ("Corporate"), a row the import must reject. */
export function generatePreapprovedCsv(rows: number, options: { badEvery?: number } = {}): string {
  const lines = ['\uFEFFName,Email,Mobile,Ownership,Serial Number,Device Name,Platform,SAMAccountName,Password'];
  const platforms = ['ios', 'ios', 'ios', 'macos', 'android', 'tvos'];
  for (let i = 0; i < rows; i++) {
    const user = i % 70_000; // some emails repeat, as when one person has several devices
    const bad = options.badEvery !== undefined && i % options.badEvery === options.badEvery - 1;
    lines.push(
      [
        i % 3 === 0 ? `"Lee, Ann ${user}"` : `User ${user}`,
        `user${user}@example.com`,
        i % 2 === 0 ? `+44 20 7946 ${String(i % 10_000).padStart(4, '0')}` : '',
        bad ? 'Corporate' : i % 4 === 0 ? 'personal' : 'corporate',
        `C02${i.toString(36).toUpperCase().padStart(7, '0')}`,
        i % 2 === 0 ? `iPad ${i}` : '',
        platforms[i % platforms.length],
        i % 5 === 0 ? `u${user}` : '',
        '',
      ].join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
