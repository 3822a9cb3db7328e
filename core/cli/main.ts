/**
 * `benchline`: the scripting surface of the bench (the cfgutil of Benchline),
 * on the same core as the app. Exit codes: core/cli/exit-codes.ts.
 */
import { Command } from 'commander';
import type { DeviceRecord } from '../devices/identity.js';
import { DeviceError, NativeLibraryMissingError, UsbmuxdUnavailableError } from '../devices/errors.js';
import { HostRefusal } from '../host/envelopes.js';
import { CliExit, EXIT, type ExitCode } from './exit-codes.js';
import { ALL_FIELDS, DOCUMENTED_FIELDS, pick, resolveField, toCsv, toJson, toKeyValueText, toTextTable, type FieldName } from './output.js';
import { selectTargets } from './targets.js';
import { addCommonOptions, addTargetOptions, settledRecords, withBench, type CommonOptions } from './command-options.js';
import { watchEvents } from './watch.js';
import { registerServe } from './serve.js';
import { registerAudit } from './audit-command.js';
import { registerActions } from './action-commands.js';

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
  if (error instanceof HostRefusal) {
    // e.g. an enrollment code the server refused: the sentence and what to do, no stack.
    process.stderr.write(`benchline: ${error.message}\n  ${error.hint}\n`);
    return EXIT.FAILURE;
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
  registerActions(program, run);

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
