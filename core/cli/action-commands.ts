/**
 * `benchline erase | prepare | remove-profile | restart | shutdown | run <workflow>`:
 * bench actions from a script, on the same job engine as the app (cfgutil's
 * `--foreach --format JSON --progress`). Destructive actions need --yes
 * without a terminal, or a typed confirmation with one.
 */
import { createInterface } from 'node:readline/promises';
import type { Option} from 'commander';
import { type Command } from 'commander';
import type { DeviceRecord } from '../devices/identity.js';
import { BenchBusyError } from '../jobs/bench-lock.js';
import { JobCommandError } from '../jobs/errors.js';
import { setTechnician, storedTechnician } from '../jobs/host-jobs.js';
import { StoreError } from '../store/errors.js';
import type { WorkflowDefinition } from '../workflows/definition.js';
import { openActions, type BenchActions } from './actions.js';
import { addActionOptions, parseActionOptions, type RawActionOptions } from './action-options.js';
import { addCommonOptions, addTargetOptions, settledRecords, withBench, type CommonOptions } from './command-options.js';
import { CliExit, EXIT, type ExitCode } from './exit-codes.js';
import { selectTargets } from './targets.js';
import type { Bench } from './compose.js';
import { formatProgressLine, formatResumed, formatSummary, summaryJson } from './action-output.js';

export interface ActionCommandOptions extends CommonOptions, RawActionOptions {
  yes?: boolean;
  reason?: string;
  technician?: string;
  progress?: boolean;
}

/** Commands and the workflow each runs. */
export const ACTION_COMMANDS = [
  { command: 'erase', workflow: 'erase', description: 'erase all content and settings; the devices come back unactivated at the Hello screen' },
  { command: 'prepare', workflow: 'prepare', description: 'activate, supervise, set the cloud configuration and install the enrollment profile' },
  { command: 'remove-profile', workflow: 'remove-management-profile', description: 'remove the management profile (corporate-data wipe of a personal device)' },
  { command: 'restart', workflow: 'restart', description: 'restart the devices and wait until they are back' },
  { command: 'shutdown', workflow: 'shutdown', description: 'shut the devices down' },
] as const;

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function targetUdids(records: readonly DeviceRecord[]): string[] {
  const withoutUdid = records.filter((record) => record.udid === null);
  if (withoutUdid.length > 0) {
    throw new CliExit(EXIT.NOT_READY, `${withoutUdid.length} targeted device(s) are in Recovery or DFU mode`, 'Restore them first (or leave them out with --udid); actions need a device in normal mode.');
  }
  return records.map((record) => record.udid!);
}

async function confirm(definition: WorkflowDefinition, targets: readonly DeviceRecord[], options: ActionCommandOptions): Promise<void> {
  if (!definition.destructive || options.yes) return;
  if (!process.stdin.isTTY) {
    throw new CliExit(EXIT.USAGE, `${definition.name} cannot be undone and needs confirmation`, 'Pass --yes to confirm when running without a terminal.');
  }
  process.stderr.write(`${definition.acknowledgement}\n\nDevices (${targets.length}):\n${targets.map((record) => `  ${record.serialNumber ?? '?'}  ${record.marketingName ?? record.productType ?? ''}  ${record.udid ?? ''}`).join('\n')}\n`);
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await readline.question(`Type "${definition.id}" to ${definition.name.toLowerCase()} ${targets.length} device(s): `);
    if (answer.trim() !== definition.id) throw new CliExit(EXIT.USAGE, 'Not confirmed: nothing was done.');
  } finally {
    readline.close();
  }
}

function checkReason(definition: WorkflowDefinition, reason: string | undefined): void {
  if (definition.reasons.length === 0) return;
  if (!definition.reasons.some((candidate) => candidate.id === reason)) {
    throw new CliExit(EXIT.USAGE, `${definition.name} needs --reason${reason ? `; "${reason}" is not one` : ''}`, `One of: ${definition.reasons.map((r) => `${r.id} (${r.label})`).join(', ')}`);
  }
}

function technicianFor(actions: BenchActions, options: ActionCommandOptions): string {
  const given = options.technician ?? process.env.BENCHLINE_TECHNICIAN;
  if (given?.trim()) setTechnician(actions.store, given, new Date().toISOString());
  const name = storedTechnician(actions.store);
  if (!name) throw new CliExit(EXIT.USAGE, 'No technician is set at this bench', 'Pass --technician "Your Name" (or set BENCHLINE_TECHNICIAN): every action is recorded with it.');
  return name;
}

function openBenchActions(bench: Bench, options: ActionCommandOptions): BenchActions {
  try {
    return openActions(bench.registry, bench.lockdown, { ...parseActionOptions(options), simulated: options.simulate !== undefined });
  } catch (error) {
    if (error instanceof BenchBusyError) throw new CliExit(EXIT.BENCH_BUSY, error.message, error.hint);
    if (error instanceof StoreError) throw new CliExit(EXIT.STORE_UNUSABLE, error.message, error.instruction);
    throw error;
  }
}

async function runAction(workflowId: string, options: ActionCommandOptions): Promise<ExitCode> {
  const json = options.format === 'json';
  return withBench(options, async (bench) => {
    const actions = openBenchActions(bench, options);
    try {
      const entry = actions.catalog.get(workflowId);
      if (!entry) throw new CliExit(EXIT.USAGE, `There is no workflow "${workflowId}"`, `Known: ${actions.catalog.list().map((e) => e.definition.id).join(', ')}`);
      const { definition } = entry;
      checkReason(definition, options.reason);
      const technician = technicianFor(actions, options);
      const resumed = actions.engine.list({ activeOnly: true }).length;
      if (resumed > 0) process.stderr.write(`Resuming ${resumed} unfinished job(s) from an earlier run.\n`);
      const selected = selectTargets(await settledRecords(bench, options), options);
      await confirm(definition, selected, options);
      // A job announces every store write; a technician (or script) needs only what changed.
      const lastLine = new Map<string, string>();
      const subscription = actions.engine.onChange((job) => {
        if (!options.progress) return;
        const line = json ? JSON.stringify({ event: 'job', job }) : formatProgressLine(job);
        if (lastLine.get(job.id) === line) return;
        lastLine.set(job.id, line);
        if (json) print(line);
        else process.stderr.write(`${line}\n`);
      });
      let outcome;
      try {
        outcome = actions.engine.start({ workflowId, udids: targetUdids(selected), acknowledged: true, reason: options.reason, technician });
      } catch (error) {
        subscription.close();
        if (error instanceof JobCommandError) throw new CliExit(EXIT.USAGE, error.message, error.hint);
        throw error;
      }
      await actions.engine.idle();
      subscription.close();
      const jobs = actions.engine.list({ batchId: outcome.batchId });
      if (json) print(JSON.stringify(summaryJson(definition, outcome.batchId, jobs, outcome.refused)));
      else print(formatSummary(definition, jobs, outcome.refused));
      const allGood = outcome.refused.length === 0 && jobs.every((job) => job.state === 'succeeded');
      return allGood ? EXIT.OK : EXIT.ACTION_FAILED;
    } finally {
      await actions.stop();
    }
  });
}

function addActionCommand(program: Command, name: string, description: string, run: (action: () => Promise<ExitCode>) => void, workflowOf: (args: string[]) => string, argument?: string): void {
  const command = program.command(name).description(description);
  if (argument) command.argument(argument);
  addActionOptions(addTargetOptions(addCommonOptions(command)))
    .option('--yes', 'confirm a destructive action (required without a terminal)')
    .option('--reason <id>', 'why (required by erase and remove-profile), e.g. in-repair, employee-left, retire, return-to-stock')
    .option('--technician <name>', 'who is at the bench; remembered for later actions (or BENCHLINE_TECHNICIAN)')
    .option('--progress', 'report each job change as it happens (JSON lines with --format json, else on stderr)')
    .action((...args: unknown[]) => {
      const options = args[argument ? 1 : 0] as ActionCommandOptions;
      run(() => runAction(workflowOf(args.slice(0, argument ? 1 : 0) as string[]), options));
    });
  // CSV makes no sense for a job summary.
  const format = command.options.find((option) => option.long === '--format');
  if (format) (format as Option).choices(['text', 'json']);
}

/** `benchline resume`: finish the jobs an earlier run left active (a crash, a kill, a pulled plug), then report them. */
async function resumeCommand(options: ActionCommandOptions): Promise<ExitCode> {
  const json = options.format === 'json';
  return withBench(options, async (bench) => {
    const actions = openBenchActions(bench, options);
    try {
      const technician = options.technician ?? process.env.BENCHLINE_TECHNICIAN;
      if (technician?.trim()) setTechnician(actions.store, technician, new Date().toISOString());
      const pending = actions.engine.list({ activeOnly: true });
      const subscription = actions.engine.onChange((job) => {
        if (options.progress) (json ? print : (line: string) => process.stderr.write(`${line}\n`))(json ? JSON.stringify({ event: 'job', job }) : formatProgressLine(job));
      });
      await actions.engine.idle();
      subscription.close();
      const jobs = pending.map((job) => actions.engine.view(job.id) ?? job);
      if (json) print(JSON.stringify({ resumed: jobs.length, succeeded: jobs.filter((job) => job.state === 'succeeded').length, failed: jobs.filter((job) => job.state !== 'succeeded').length, jobs }));
      else if (jobs.length === 0) print('Nothing to resume: no unfinished jobs.');
      else print(formatResumed(jobs));
      return jobs.every((job) => job.state === 'succeeded') ? EXIT.OK : EXIT.ACTION_FAILED;
    } finally {
      await actions.stop();
    }
  });
}

export function registerActions(program: Command, run: (action: () => Promise<ExitCode>) => void): void {
  for (const action of ACTION_COMMANDS) addActionCommand(program, action.command, action.description, run, () => action.workflow);
  addActionOptions(addCommonOptions(program.command('resume').description('finish the actions an earlier run left unfinished (after a crash or a kill), then report them')))
    .option('--progress', 'report each job change as it happens')
    .option('--technician <name>', 'who is at the bench now; recorded from here on (or BENCHLINE_TECHNICIAN)')
    .action((options: ActionCommandOptions) => run(() => resumeCommand(options)));
  addActionCommand(program, 'run', 'run any workflow by id (built-in or from --workflows), e.g. erase-and-prepare', run, (args) => args[0] ?? '', '<workflow>');
}
