/**
 * What the device commands share: the common options (format, timeout,
 * simulation), device targets, and opening the bench around a command.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { DeviceRecord } from '../devices/identity.js';
import { parseEcid } from '../devices/identity.js';
import { openBench, type Bench } from './compose.js';
import { FORMATS, type Format } from './output.js';
import type { TargetOptions } from './targets.js';

export interface CommonOptions extends TargetOptions {
  format: Format;
  timeout: number;
  simulate?: number;
  seed: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

// Arguments are checked by commander before anything starts, so a typo never
// opens the bench (or makes a device show a Trust prompt) before it is reported.
function milliseconds(text: string): number {
  const ms = Number(text);
  if (text.trim() === '' || !Number.isFinite(ms) || ms < 0) throw new InvalidArgumentError('expected a number of milliseconds');
  return ms;
}

function deviceCount(text: string): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0 || count > 1024) throw new InvalidArgumentError('expected a number of devices from 0 to 1024');
  return count;
}

function collectEcid(value: string, previous: string[] = []): string[] {
  if (parseEcid(value) === null) throw new InvalidArgumentError('expected an ECID in decimal or as hex with 0x, e.g. 0x1A2C3E3A12802E');
  return [...previous, value];
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--timeout <ms>', 'how long to wait for devices to be read', milliseconds, 15_000)
    .option('--simulate <n>', 'run against N simulated devices instead of real USB (for demos and training)', deviceCount)
    .option('--seed <seed>', 'seed for simulated identities', '1');
}

export function addTargetOptions(command: Command): Command {
  return command
    .option('--udid <udid>', 'act on the device with this UDID (repeatable)', collect)
    .option('--ecid <ecid>', 'act on the device with this ECID, decimal or 0x-hex (repeatable)', collectEcid)
    .option('--foreach', 'act on every connected device');
}

/** How long stopping may take once the output is printed; native calls still running are then abandoned. */
const STOP_GRACE_MS = 2000;

export async function withBench<T>(options: CommonOptions, use: (bench: Bench) => Promise<T>): Promise<T> {
  const bench = await openBench({ simulate: options.simulate, seed: options.seed });
  // On stderr, so that JSON and CSV on stdout stay machine-readable.
  if (options.simulate !== undefined) process.stderr.write(`Simulated devices (${options.simulate}, seed ${options.seed}): not real hardware.\n`);
  try {
    return await use(bench);
  } finally {
    // A device stuck mid-request can hold a native call for libimobiledevice's 30 s timeout;
    // the answer is already printed, so the command does not wait that long (main exits).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([bench.stop(), new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
    clearTimeout(timer);
  }
}

export async function settledRecords(bench: Bench, options: CommonOptions): Promise<DeviceRecord[]> {
  await bench.registry.settled(options.timeout);
  return bench.registry.list();
}

