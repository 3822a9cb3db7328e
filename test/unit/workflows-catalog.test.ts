/**
 * Workflow definitions are data a bench admin may write: every mistake must
 * be refused with the file and what is wrong, before any job runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarize, WorkflowCatalog } from '../../core/workflows/catalog.js';
import { WorkflowDefinitionError, workflowHash, parseWorkflowDefinition } from '../../core/workflows/definition.js';
import { openStore } from '../../core/store/index.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'benchline-workflows-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const valid = {
  id: 'wipe-and-restart',
  version: 1,
  name: 'Wipe and restart',
  description: 'Erase, then restart.',
  destructive: true,
  acknowledgement: 'These devices will be erased.',
  reasons: [{ id: 'retire', label: 'Retire' }],
  steps: [{ kind: 'erase', params: { preserveDataPlan: true } }, { kind: 'restart' }],
};

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function refusal(content: unknown): WorkflowDefinitionError {
  write('custom.json', content);
  try {
    new WorkflowCatalog({ extraDir: dir });
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error;
    throw error;
  }
  throw new Error('the catalog accepted it');
}

describe('built-in workflows', () => {
  it('ship erase, prepare, erase-and-prepare, remove-management-profile, restart and shutdown, each valid', () => {
    const catalog = new WorkflowCatalog();
    expect(catalog.list().map((entry) => entry.definition.id).sort()).toEqual(['erase', 'erase-and-prepare', 'prepare', 'remove-management-profile', 'restart', 'shutdown']);
    const erase = summarize(catalog.get('erase')!.definition);
    expect(erase.destructive).toBe(true);
    expect(erase.reasons.map((reason) => reason.id)).toEqual(['in-repair', 'employee-left', 'retire', 'return-to-stock']);
    expect(erase.steps).toEqual([{ kind: 'erase', label: 'Erase all content and settings' }]);
    expect(summarize(catalog.get('prepare')!.definition).destructive).toBe(false);
  });
});

describe('custom workflows', () => {
  it('are added next to the built-ins, and replace one with the same id', () => {
    write('custom.json', valid);
    write('erase.json', { ...valid, id: 'erase', name: 'Our erase' });
    const catalog = new WorkflowCatalog({ extraDir: dir });
    expect(catalog.get('wipe-and-restart')?.definition.steps.map((step) => step.kind)).toEqual(['erase', 'restart']);
    expect(catalog.get('erase')?.definition.name).toBe('Our erase');
  });

  it('refuses a file that is not JSON, naming it', () => {
    const error = refusal('{ "id": ');
    expect(error.message).toContain(path.join(dir, 'custom.json'));
    expect(error.problems[0]).toMatch(/not JSON/);
  });

  it('refuses an unknown step kind and lists the known ones', () => {
    const error = refusal({ ...valid, steps: [{ kind: 'format-disk' }] });
    expect(error.problems.join()).toMatch(/unknown step kind "format-disk" \(known: erase, activate/);
  });

  it("refuses parameters a step kind does not take, or of the wrong type", () => {
    expect(refusal({ ...valid, steps: [{ kind: 'erase', params: { preserveDataPlan: 'yes' } }] }).problems.join()).toMatch(/steps\.0\.params\.preserveDataPlan/);
    expect(refusal({ ...valid, steps: [{ kind: 'restart', params: { force: true } }] }).problems.join()).toMatch(/steps\.0\.params/);
  });

  it('refuses a workflow with a destructive step that does not declare itself destructive', () => {
    expect(refusal({ ...valid, destructive: false }).problems.join()).toMatch(/destructive: must be true/);
  });

  it('refuses missing fields, an empty step list and unknown keys', () => {
    expect(refusal({ ...valid, acknowledgement: undefined }).problems.join()).toMatch(/acknowledgement/);
    expect(refusal({ ...valid, steps: [] }).problems.join()).toMatch(/steps/);
    expect(refusal({ ...valid, colour: 'red' }).problems.join()).toMatch(/colour|Unrecognized/i);
    expect(refusal({ ...valid, id: 'Has Spaces' }).problems.join()).toMatch(/id/);
  });
});

describe('stored definitions', () => {
  it('keep the definition a job started with after the file changes', () => {
    const store = openStore(path.join(dir, 'bench.db'));
    try {
      const file = write('custom.json', valid);
      const before = new WorkflowCatalog({ extraDir: dir });
      before.persist(store);
      const startedWith = before.get('wipe-and-restart')!.hash;
      writeFileSync(file, JSON.stringify({ ...valid, version: 2, steps: [{ kind: 'restart' }], destructive: false }));
      const after = new WorkflowCatalog({ extraDir: dir });
      after.persist(store);
      expect(after.get('wipe-and-restart')!.hash).not.toBe(startedWith);
      expect(after.definitionFor('wipe-and-restart', startedWith, store)?.steps.map((step) => step.kind)).toEqual(['erase', 'restart']);
    } finally {
      store.close();
    }
  });

  it('hash the meaning, not the formatting', () => {
    const compact = parseWorkflowDefinition(JSON.stringify(valid), 'a');
    const { steps, ...rest } = valid;
    // Same content, other key order and indentation.
    const pretty = parseWorkflowDefinition(JSON.stringify({ steps, ...rest }, null, 2), 'b');
    expect(workflowHash(compact)).toBe(workflowHash(pretty));
    expect(workflowHash(compact)).not.toBe(workflowHash({ ...compact, name: 'Other' }));
  });
});
