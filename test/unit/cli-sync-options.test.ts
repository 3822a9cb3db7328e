import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliExit } from '../../core/cli/exit-codes.js';
import { addSyncOptions, parseSyncOptions, type RawSyncOptions } from '../../core/cli/sync-options.js';

function parse(argv: string[]): ReturnType<typeof parseSyncOptions> {
  const command = addSyncOptions(new Command('serve').exitOverride());
  command.parse(argv, { from: 'user' });
  return parseSyncOptions(command.opts<RawSyncOptions>());
}

describe('serve: central server options', () => {
  it('defaults to the remembered server or standalone', () => {
    expect(parse([])).toMatchObject({ mode: 'auto', serverUrl: undefined });
  });

  it('takes a server URL and an enrollment code', () => {
    expect(parse(['--server', 'http://10.0.0.5:8750/', '--enrollment-code', 'ble_x'])).toMatchObject({ mode: 'server', serverUrl: 'http://10.0.0.5:8750', enrollmentCode: 'ble_x' });
  });

  it('turns the server off with --no-server', () => {
    expect(parse(['--no-server'])).toMatchObject({ mode: 'off' });
  });

  it('refuses what cannot work, saying why', () => {
    expect(() => parse(['--server', 'ftp://x'])).toThrow(/http:\/\/ or https:\/\//);
    expect(() => parse(['--server', 'not a url'])).toThrow(CliExit);
    expect(() => parse(['--enrollment-code', 'ble_x'])).toThrow(/needs --server/);
    expect(() => parse(['--sync-interval', '5'])).toThrow(/milliseconds/);
    expect(() => parse(['--no-server', '--server-data-dir', '/tmp/x'])).toThrow(/embedded server/);
  });
});
