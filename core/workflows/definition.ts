/**
 * Workflow definitions are data (JSON): a name, what the acknowledgement
 * panel must say, the reasons a technician picks from, and a list of steps by
 * kind with their parameters, timeout and retry policy. This module validates
 * them; the step kinds themselves are code (steps/).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const StepDefinitionSchema = z
  .object({
    kind: z.string().min(1),
    /** Shown in progress; defaults to the kind's own label. */
    label: z.string().min(1).optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    /** One attempt's limit; the kind has a default. */
    timeoutMs: z.number().int().positive().max(24 * 3600_000).optional(),
    /** Extra attempts after a retryable failure (never for a destructive command already sent). */
    retries: z.number().int().min(0).max(10).optional(),
  })
  .strict();
export type StepDefinition = z.infer<typeof StepDefinitionSchema>;

export const WorkflowDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
    version: z.number().int().positive(),
    name: z.string().min(1),
    description: z.string().min(1),
    destructive: z.boolean(),
    acknowledgement: z.string().min(1),
    reasons: z.array(z.object({ id: z.string().min(1), label: z.string().min(1) }).strict()).default([]),
    steps: z.array(StepDefinitionSchema).min(1),
  })
  .strict();
export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;

export class WorkflowDefinitionError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Workflow ${source} is not valid: ${problems.join('; ')}`);
    this.name = 'WorkflowDefinitionError';
  }
}

/** Parses and validates a definition; `source` names it in errors (a file path). */
export function parseWorkflowDefinition(text: string, source: string): WorkflowDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WorkflowDefinitionError(source, [`not JSON: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const parsed = WorkflowDefinitionSchema.safeParse(json);
  if (!parsed.success) throw new WorkflowDefinitionError(source, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  return parsed.data;
}

/** Canonical JSON (sorted keys), so the hash names the definition, not its formatting. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function workflowHash(definition: WorkflowDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}
