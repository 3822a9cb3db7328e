/** Options every command that runs bench actions shares: which record, organisation and workflows. */
import type { Command } from 'commander';
import type { ActionsOptions } from './actions.js';
import { CliExit, EXIT } from './exit-codes.js';

export interface RawActionOptions {
  store?: string;
  org?: string;
  workflows?: string;
  concurrency?: string;
  serviceTimeout?: string;
}

export function addActionOptions(command: Command): Command {
  return command
    .option('--store <file>', "the bench's record (SQLite); default $BENCHLINE_STORE or ~/.local/share/benchline/bench.db")
    .option('--org <file>', 'organisation settings (JSON): name, MDM enrollment URL, supervision identity…; default $BENCHLINE_ORGANIZATION')
    .option('--workflows <dir>', 'a directory of workflow definitions (JSON) to add to or replace the built-in ones')
    .option('--concurrency <n>', 'how many devices to act on at once (default 64)')
    .option('--service-timeout <ms>', 'how long to wait for a device to answer one service request (default 30000)');
}

export function parseActionOptions(options: RawActionOptions): Omit<ActionsOptions, 'simulated'> {
  let concurrency: number | undefined;
  if (options.concurrency !== undefined) {
    concurrency = Number(options.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) throw new CliExit(EXIT.USAGE, `--concurrency ${options.concurrency} is not a number of devices (1–1024)`);
  }
  let serviceTimeoutMs: number | undefined;
  if (options.serviceTimeout !== undefined) {
    serviceTimeoutMs = Number(options.serviceTimeout);
    if (!Number.isInteger(serviceTimeoutMs) || serviceTimeoutMs < 100 || serviceTimeoutMs > 600_000) throw new CliExit(EXIT.USAGE, `--service-timeout ${options.serviceTimeout} is not a number of milliseconds (100–600000)`);
  }
  return { storePath: options.store, organizationFile: options.org, workflowsDir: options.workflows, concurrency, serviceTimeoutMs };
}
