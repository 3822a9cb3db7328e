/** Where the store lives when not told. */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStorePath } from '../../core/store/location.js';
import { tempDir } from './store-fixtures.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => (temp = tempDir()));
afterEach(() => temp.cleanup());

describe('defaultStorePath', () => {
  it('uses BENCHLINE_STORE first, creating its directory', () => {
    const file = path.join(temp.dir, 'a', 'b', 'mine.db');
    expect(defaultStorePath({ BENCHLINE_STORE: file, XDG_DATA_HOME: temp.dir })).toBe(file);
    expect(existsSync(path.dirname(file))).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('else $XDG_DATA_HOME/benchline/bench.db', () => {
    expect(defaultStorePath({ XDG_DATA_HOME: temp.dir })).toBe(path.join(temp.dir, 'benchline', 'bench.db'));
    expect(existsSync(path.join(temp.dir, 'benchline'))).toBe(true);
  });

  it('else ~/.local/share, also when XDG_DATA_HOME is relative (invalid per XDG)', () => {
    const expected = path.join(homedir(), '.local', 'share', 'benchline', 'bench.db');
    expect(defaultStorePath({})).toBe(expected);
    expect(defaultStorePath({ XDG_DATA_HOME: 'relative/dir', BENCHLINE_STORE: '  ' })).toBe(expected);
  });
});
