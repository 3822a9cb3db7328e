/**
 * What tests of bench actions against a simulator process need: an
 * organisation (supervision identity, MDM URL, the simulator's activation
 * server), workflows with short settle windows, and the record's files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSimulatedOrganization } from '../../sim/apple/organization-file.js';
import { builtInWorkflowsDir } from '../../core/workflows/catalog.js';

export interface ActionBench {
  dir: string;
  store: string;
  organization: string;
  workflows: string;
  /** Arguments every action command of the test passes. */
  args: string[];
  cleanup(): void;
}

/** `controlUrl`: the simulator's control server, which also serves its activation server (albert). */
export function actionBench(controlUrl: string, options: { settleMs?: number } = {}): ActionBench {
  const dir = mkdtempSync(path.join(tmpdir(), 'bl-actions-'));
  const organization = writeSimulatedOrganization(dir, controlUrl);
  // The erase settle window covers a real device's pause before it resets; the simulator's is short.
  const workflows = path.join(dir, 'workflows');
  mkdirSync(workflows);
  for (const id of ['erase', 'erase-and-prepare']) {
    const definition = JSON.parse(readFileSync(path.join(builtInWorkflowsDir(), `${id}.json`), 'utf8')) as { steps: { kind: string; params?: Record<string, unknown> }[] };
    for (const step of definition.steps) if (step.kind === 'erase') step.params = { ...step.params, settleMs: options.settleMs ?? 1500, leaveTimeoutMs: 10_000, returnTimeoutMs: 60_000 };
    writeFileSync(path.join(workflows, `${id}.json`), JSON.stringify(definition));
  }
  const store = path.join(dir, 'bench.db');
  return {
    dir,
    store,
    organization,
    workflows,
    args: ['--store', store, '--org', organization, '--workflows', workflows, '--technician', 'Test Technician'],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
