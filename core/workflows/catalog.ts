/**
 * The workflows a bench offers: the built-in ones shipped in
 * resources/workflows/, overridden or extended by a directory of the
 * organisation's own. Each is validated — schema, known step kinds, each
 * step's parameters against its kind — and stored with its hash, so a job
 * runs the definition it was started with even if the file changes later.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowSummary } from '../contract/jobs.js';
import type { BenchStore } from '../store/types.js';
import { parseWorkflowDefinition, workflowHash, WorkflowDefinitionError, type WorkflowDefinition } from './definition.js';
import { STEP_KINDS, type AnyStepKind } from './steps/index.js';

export interface CatalogEntry {
  definition: WorkflowDefinition;
  hash: string;
  source: string;
}

/** resources/workflows, found by walking up from this module (it runs from core/ in tests and dist/core/ when built). */
export function builtInWorkflowsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = path.join(dir, 'resources', 'workflows');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('resources/workflows not found next to the Benchline installation');
}

export function stepKindOf(kind: string): AnyStepKind | undefined {
  return STEP_KINDS.get(kind);
}

/** Checks what the schema cannot: that every step kind exists and its params fit it. */
export function checkSteps(definition: WorkflowDefinition, source: string): void {
  const problems: string[] = [];
  definition.steps.forEach((step, index) => {
    const kind = STEP_KINDS.get(step.kind);
    if (!kind) {
      problems.push(`steps.${index}.kind: unknown step kind "${step.kind}" (known: ${[...STEP_KINDS.keys()].join(', ')})`);
      return;
    }
    const parsed = kind.params.safeParse(step.params);
    if (!parsed.success) for (const issue of parsed.error.issues) problems.push(`steps.${index}.params.${issue.path.join('.')}: ${issue.message}`);
  });
  const destructiveSteps = definition.steps.some((step) => STEP_KINDS.get(step.kind)?.destructive);
  if (destructiveSteps && !definition.destructive) problems.push('destructive: must be true, a step of this workflow cannot be undone');
  if (problems.length > 0) throw new WorkflowDefinitionError(source, problems);
}

function readDefinitions(dir: string): CatalogEntry[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const source = path.join(dir, name);
      const definition = parseWorkflowDefinition(readFileSync(source, 'utf8'), source);
      checkSteps(definition, source);
      return { definition, hash: workflowHash(definition), source };
    });
}

export class WorkflowCatalog {
  private readonly entries = new Map<string, CatalogEntry>();

  /** Loads built-ins, then `extraDir` (whose workflows replace built-ins of the same id). Throws WorkflowDefinitionError naming the file. */
  constructor(options: { builtInDir?: string; extraDir?: string | null } = {}) {
    for (const entry of readDefinitions(options.builtInDir ?? builtInWorkflowsDir())) this.entries.set(entry.definition.id, entry);
    if (options.extraDir) for (const entry of readDefinitions(options.extraDir)) this.entries.set(entry.definition.id, entry);
  }

  /** Records every definition in the store (idempotent: keyed by id and hash). */
  persist(store: BenchStore): void {
    for (const entry of this.entries.values()) {
      if (!store.workflow(entry.definition.id, entry.hash)) store.saveWorkflow({ id: entry.definition.id, hash: entry.hash, definition: JSON.stringify(entry.definition) });
    }
  }

  get(id: string): CatalogEntry | undefined {
    return this.entries.get(id);
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()];
  }

  /** The definition a job was started with: current if unchanged, else the stored copy. */
  definitionFor(id: string, hash: string, store: BenchStore): WorkflowDefinition | null {
    const current = this.entries.get(id);
    if (current?.hash === hash) return current.definition;
    const stored = store.workflow(id, hash);
    return stored ? parseWorkflowDefinition(stored.definition, `stored workflow ${id}@${hash.slice(0, 12)}`) : null;
  }
}

export function stepLabel(step: WorkflowDefinition['steps'][number]): string {
  return step.label ?? STEP_KINDS.get(step.kind)?.label ?? step.kind;
}

export function summarize(definition: WorkflowDefinition): WorkflowSummary {
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    destructive: definition.destructive,
    acknowledgement: definition.acknowledgement,
    reasons: definition.reasons,
    steps: definition.steps.map((step) => ({ kind: step.kind, label: stepLabel(step) })),
  };
}
