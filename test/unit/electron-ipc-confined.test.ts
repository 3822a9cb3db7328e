/**
 * Raw IPC stays behind the typed wrappers: only electron/main/ipc.ts uses
 * ipcMain or sends to web contents (so every handler checks its sender and
 * arguments), and only the preload uses ipcRenderer. A lint rule would say
 * the same; this test holds until eslint.config.js carries one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ELECTRON = path.resolve(import.meta.dirname, '../../electron');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code without comments, so a comment naming ipcMain is no violation. */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

const RULES = [
  { what: 'ipcMain methods', pattern: /\bipcMain\s*\.\s*(handle|handleOnce|on|once|addListener|removeHandler|removeListener|removeAllListeners)\b/, allowed: ['main/ipc.ts'] },
  { what: 'sending to web contents', pattern: /\b(webContents|contents)\s*\.\s*(send|sendToFrame|postMessage)\s*\(/, allowed: ['main/ipc.ts'] },
  { what: 'ipcRenderer', pattern: /\bipcRenderer\s*\./, allowed: ['preload.ts'] },
];

describe('raw IPC', () => {
  const files = sources(ELECTRON).map((file) => ({ name: path.relative(ELECTRON, file).split(path.sep).join('/'), text: code(file) }));

  it('finds the electron sources it guards', () => {
    expect(files.map((file) => file.name)).toEqual(expect.arrayContaining(['main/ipc.ts', 'main/app.ts', 'preload.ts']));
  });

  it.each(RULES)('$what appear only in $allowed', ({ pattern, allowed }) => {
    const offenders = files.filter((file) => pattern.test(file.text) && !allowed.includes(file.name)).map((file) => file.name);
    expect(offenders).toEqual([]);
    // …and the allowed module really is where it happens, so the pattern is not stale.
    expect(files.some((file) => allowed.includes(file.name) && pattern.test(file.text))).toBe(true);
  });
});
