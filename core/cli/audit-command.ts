/**
 * `benchline audit verify` and `benchline audit export`: the bench's audit log
 * (core/audit) checked and handed to whoever audits the bench. Both only read;
 * they work while the app runs (the store is in WAL mode, readers do not block it).
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { defaultStorePath } from '../store/location.js';
import { StoreError } from '../store/errors.js';
import { openStore } from '../store/sqlite-store.js';
import type { AuditRecord, BenchStore } from '../store/types.js';
import { CliExit, EXIT, type ExitCode } from './exit-codes.js';

interface StoreOption {
  store?: string;
}

interface ExportOptions extends StoreOption {
  format: 'csv' | 'json';
  output?: string;
}

/** The CSV columns, in order, and where each comes from. */
const CSV_COLUMNS: readonly [string, (record: AuditRecord) => string | number | null][] = [
  ['seq', (r) => r.seq],
  ['at', (r) => r.at],
  ['technician', (r) => r.technician],
  ['action', (r) => r.action],
  ['job', (r) => r.jobId],
  ['workflow', (r) => r.workflowId],
  ['step', (r) => r.stepKind],
  ['udid', (r) => r.udid],
  ['serial', (r) => r.serialNumber],
  ['result', (r) => r.result],
  ['detail', (r) => r.detail],
  ['hash', (r) => r.hash],
];

const STORE_HELP = 'the bench store (default: $BENCHLINE_STORE, else $XDG_DATA_HOME/benchline/bench.db)';

/** Opens an existing store; a store that cannot be used becomes its exit code and instruction. */
function withStore<T>(options: StoreOption, use: (store: BenchStore) => Promise<T>): Promise<T> {
  let store: BenchStore;
  try {
    store = openStore(options.store ?? defaultStorePath(), { mustExist: true });
  } catch (error) {
    if (error instanceof StoreError) throw new CliExit(EXIT.STORE_UNUSABLE, error.message, error.instruction);
    throw error;
  }
  return use(store).finally(() => store.close());
}

async function verifyCommand(options: StoreOption): Promise<ExitCode> {
  return withStore(options, async (store) => {
    const result = store.audit.verify();
    if (!result.ok) {
      throw new CliExit(
        EXIT.AUDIT_INVALID,
        `Audit log NOT intact: first bad record is seq ${result.firstBadSeq}: ${result.problem} (${result.records} records in the log).`,
        `Keep a copy of ${store.path} as it is for investigation; the bench keeps appending after the damage.`,
      );
    }
    process.stdout.write(`Audit log intact: ${result.records} records, head ${result.headHash}\n`);
    return EXIT.OK;
  });
}

/** Writes, waiting when the reader is slower than the log is read. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
}

/** Every record, a page at a time, so a long log is never held in memory at once. */
function* allRecords(store: BenchStore): Generator<AuditRecord[]> {
  for (let page = store.audit.records(1); page.length > 0; page = store.audit.records(page.at(-1)!.seq + 1)) yield page;
}

async function exportRecords(store: BenchStore, format: ExportOptions['format'], out: Writable): Promise<void> {
  let first = true;
  if (format === 'json') await write(out, '[');
  for (const page of allRecords(store)) {
    if (format === 'csv') {
      await write(out, stringify(page.map((record) => CSV_COLUMNS.map(([, get]) => get(record) ?? '')), { header: first, columns: CSV_COLUMNS.map(([name]) => name) }));
    } else {
      // One record per line: full records, prevHash included, so the chain can be checked from the export alone.
      await write(out, page.map((record, i) => `${first && i === 0 ? '' : ','}\n${JSON.stringify(record)}`).join(''));
    }
    first = false;
  }
  if (format === 'csv' && first) await write(out, stringify([], { header: true, columns: CSV_COLUMNS.map(([name]) => name) }));
  if (format === 'json') await write(out, first ? ']\n' : '\n]\n');
}

async function exportCommand(options: ExportOptions): Promise<ExitCode> {
  return withStore(options, async (store) => {
    if (options.output === undefined) {
      await exportRecords(store, options.format, process.stdout);
      return EXIT.OK;
    }
    const file = createWriteStream(options.output);
    const opened = new Promise<void>((resolve, reject) => file.once('open', () => resolve()).once('error', reject));
    try {
      await opened;
    } catch (error) {
      throw new CliExit(EXIT.USAGE, `--output ${options.output} cannot be written: ${error instanceof Error ? error.message : String(error)}`);
    }
    await exportRecords(store, options.format, file);
    file.end();
    await finished(file);
    return EXIT.OK;
  });
}

export function registerAudit(program: Command, run: (action: () => Promise<ExitCode>) => void): void {
  const audit = program.command('audit').description('check or export the bench\'s audit log (who did what to which device)');
  audit
    .command('verify')
    .description(`check the audit log's hash chain; exit ${EXIT.AUDIT_INVALID} with the first bad record if it was edited, cut or reordered`)
    .option('--store <path>', STORE_HELP)
    .action((options: StoreOption) => run(() => verifyCommand(options)));
  audit
    .command('export')
    .description('write every audit record, oldest first, as CSV or JSON')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write to this file instead of standard output')
    .option('--store <path>', STORE_HELP)
    .action((options: ExportOptions) => run(() => exportCommand(options)));
}
