/**
 * `benchline`: the scripting surface of the bench (the cfgutil of Benchline),
 * on the same core as the app. Exit codes: core/cli/exit-codes.ts.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DeviceRecord } from '../devices/identity.js';
import { parseEcid } from '../devices/identity.js';
import { DeviceError, NativeLibraryMissingError, UsbmuxdUnavailableError } from '../devices/errors.js';
import { CliExit, EXIT, type ExitCode } from './exit-codes.js';
import { openBench, type Bench } from './compose.js';
import { ALL_FIELDS, DOCUMENTED_FIELDS, FORMATS, pick, resolveField, toCsv, toJson, toKeyValueText, toTextTable, type FieldName, type Format } from './output.js';
import { selectTargets, type TargetOptions } from './targets.js';
import { watchEvents } from './watch.js';
import { registerServe } from './serve.js';
import { registerAudit } from './audit-command.js';

interface CommonOptions extends TargetOptions {
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

function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('text'))
    .option('--timeout <ms>', 'how long to wait for devices to be read', milliseconds, 15_000)
    .option('--simulate <n>', 'run against N simulated devices instead of real USB (for demos and training)', deviceCount)
    .option('--seed <seed>', 'seed for simulated identities', '1');
}

function addTargetOptions(command: Command): Command {
  return command
    .option('--udid <udid>', 'act on the device with this UDID (repeatable)', collect)
    .option('--ecid <ecid>', 'act on the device with this ECID, decimal or 0x-hex (repeatable)', collectEcid)
    .option('--foreach', 'act on every connected device');
}

/** How long stopping may take once the output is printed; native calls still running are then abandoned. */
const STOP_GRACE_MS = 2000;

async function withBench<T>(options: CommonOptions, use: (bench: Bench) => Promise<T>): Promise<T> {
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

async function settledRecords(bench: Bench, options: CommonOptions): Promise<DeviceRecord[]> {
  await bench.registry.settled(options.timeout);
  return bench.registry.list();
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** libimobiledevice missing shows as each device's error; the exit code says it once for scripts. */
function libraryMissing(records: readonly DeviceRecord[]): boolean {
  return records.some((record) => record.errorCode === 'LibraryMissing');
}

function notReadyExit(records: readonly DeviceRecord[]): ExitCode {
  if (libraryMissing(records)) return EXIT.LIBRARY_MISSING;
  return records.every((record) => record.state === 'ready') ? EXIT.OK : EXIT.NOT_READY;
}

async function listCommand(options: CommonOptions): Promise<ExitCode> {
  return withBench(options, async (bench) => {
    const records = await settledRecords(bench, options);
    if (options.format === 'json') print(toJson(records.map((record) => pick(record, ALL_FIELDS))));
    else if (options.format === 'csv') print(toCsv(records, ALL_FIELDS));
    else print(toTextTable(records));
    return libraryMissing(records) ? EXIT.LIBRARY_MISSING : EXIT.OK;
  });
}

async function getCommand(keys: string[], options: CommonOptions): Promise<ExitCode> {
  const fields: FieldName[] = keys.length === 0 ? [...ALL_FIELDS] : keys.map((key) => {
    const field = resolveField(key);
    if (!field) throw new CliExit(EXIT.USAGE, `Unknown key "${key}"`, `Known keys: ${DOCUMENTED_FIELDS.join(', ')}, …`);
    return field;
  });
  return withBench(options, async (bench) => {
    const targets = selectTargets(await settledRecords(bench, options), options);
    const single = targets.length === 1 && !options.foreach;
    if (options.format === 'json') {
      const picked = targets.map((record) => pick(record, fields));
      print(toJson(single ? picked[0] : picked));
    } else if (options.format === 'csv') {
      print(toCsv(targets, fields));
    } else {
      print(targets.map((record) => (single ? '' : `# ${record.udid ?? record.id}\n`) + toKeyValueText(record, fields)).join('\n'));
    }
    return notReadyExit(targets);
  });
}

async function watchCommand(options: CommonOptions): Promise<ExitCode> {
  return withBench(options, async (bench) => {
    await watchEvents(bench.registry, (line) => print(JSON.stringify(line)));
    return EXIT.OK;
  });
}

/** Maps any failure to a message on stderr and a documented exit code. */
function failure(error: unknown): ExitCode {
  if (error instanceof CliExit) {
    process.stderr.write(`benchline: ${error.message}\n${error.hint ? `  ${error.hint}\n` : ''}`);
    return error.code;
  }
  if (error instanceof DeviceError) {
    process.stderr.write(`benchline: ${error.message}\n  ${error.instruction}\n`);
    if (error instanceof UsbmuxdUnavailableError) return EXIT.USBMUXD_UNAVAILABLE;
    if (error instanceof NativeLibraryMissingError) return EXIT.LIBRARY_MISSING;
    return EXIT.FAILURE;
  }
  process.stderr.write(`benchline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.FAILURE;
}

export function buildProgram(run: (action: () => Promise<ExitCode>) => void): Command {
  const program = new Command('benchline')
    .description('Benchline bench tool: detect tethered iPhones and iPads and read their identity.')
    .showHelpAfterError()
    .exitOverride();

  addCommonOptions(program.command('list').description('list connected devices with identity and state'))
    .action((options: CommonOptions) => run(() => listCommand(options)));

  addTargetOptions(addCommonOptions(program.command('get').description('print identity fields of a device (all fields without KEY)').argument('[key...]', 'fields, e.g. serialNumber ecid productType')))
    .action((keys: string[], options: CommonOptions) => run(() => getCommand(keys, options)));

  addCommonOptions(program.command('watch').description('stream attach, detach and state changes as JSON lines until interrupted'))
    .action((options: CommonOptions) => run(() => watchCommand(options)));

  registerServe(program, run);
  registerAudit(program, run);

  return program;
}

/** Exits once stdout has been handed to the OS: native calls still running must not hold the process. */
function exitAfterOutput(code: ExitCode): void {
  process.stdout.write('', () => process.exit(code));
}

async function main(argv: readonly string[]): Promise<void> {
  // `benchline watch | head`: the reader left, which is how such a pipeline ends.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.OK);
    throw error;
  });
  let pending: Promise<ExitCode> | undefined;
  const program = buildProgram((action) => {
    pending = action();
  });
  let code: ExitCode;
  try {
    await program.parseAsync([...argv]);
    code = pending ? await pending : EXIT.OK;
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number') {
      // commander's own exits: --help (0) and usage errors (already printed).
      code = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else {
      code = failure(error);
    }
  }
  exitAfterOutput(code);
}

await main(process.argv);
