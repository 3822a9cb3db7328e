/**
 * Bench actions as the window knows them: who is at the bench, the workflows
 * on offer and every job by id, kept current from `jobs.list` and
 * `jobs.changed`. A job is one workflow on one device; its tile shows the
 * newest job of its UDID, so the reducer keeps that index as it goes instead
 * of every tile searching all jobs on every update.
 */
import type { ApiError, BenchEvent, Job, JobStateName, WorkflowSummary } from '../../core/contract/index.js';

/** The job events, which the jobs session (api/jobs-session.ts) handles apart from device events. */
export type JobEvent = Extract<BenchEvent, { event: 'jobs.changed' | 'technician.changed' }>;

export function isJobEvent(event: BenchEvent): event is JobEvent {
  return event.event === 'jobs.changed' || event.event === 'technician.changed';
}

export const ACTIVE_JOB_STATES: readonly JobStateName[] = ['queued', 'running', 'waiting-device'];

export function isActiveJob(job: Job): boolean {
  return ACTIVE_JOB_STATES.includes(job.state);
}

/**
 * loading: not asked yet (or asking); ready: the host runs jobs; unavailable:
 * it answered with an error (a host without a job engine says ServiceUnavailable).
 */
export type JobsAvailability = { readonly kind: 'loading' } | { readonly kind: 'ready' } | { readonly kind: 'unavailable'; readonly error: ApiError };

/** A cancel sent and not answered yet, or one the host refused (NotCancellable once a destructive step started). */
export type CancelRequest = { readonly kind: 'pending' } | { readonly kind: 'refused'; readonly error: ApiError };

export interface JobsState {
  readonly availability: JobsAvailability;
  readonly technician: string | null;
  readonly workflows: readonly WorkflowSummary[];
  readonly byId: Readonly<Record<string, Job>>;
  /** UDID → id of that device's newest job. */
  readonly latestByUdid: Readonly<Record<string, string>>;
  readonly cancels: Readonly<Record<string, CancelRequest>>;
}

export const INITIAL_JOBS: JobsState = {
  availability: { kind: 'loading' },
  technician: null,
  workflows: [],
  byId: {},
  latestByUdid: {},
  cancels: {},
};

export type JobsAction =
  /** A fresh picture from the host (every (re)connection), then the job events that arrived after it. */
  | { type: 'jobs-synced'; technician: string | null; workflows: readonly WorkflowSummary[]; jobs: readonly Job[]; pending: readonly JobEvent[]; keep: readonly string[] }
  | { type: 'jobs-unavailable'; error: ApiError }
  | { type: 'job-events'; events: readonly JobEvent[] }
  | { type: 'technician'; name: string | null }
  | { type: 'cancel-requested'; jobId: string }
  | { type: 'cancel-answered'; jobId: string; result: { ok: true; job: Job } | { ok: false; error: ApiError } };

/** Newer first: created later, then the larger id, so the order never depends on arrival. */
function isNewer(candidate: Job, current: Job | undefined): boolean {
  if (current === undefined) return true;
  if (candidate.createdAt !== current.createdAt) return candidate.createdAt > current.createdAt;
  return candidate.id >= current.id;
}

/** Puts jobs into the map (copying each map once per batch) and keeps the newest-per-device index in step. */
export function upsertJobs(state: JobsState, jobs: readonly Job[]): JobsState {
  if (jobs.length === 0) return state;
  const byId: Record<string, Job> = { ...state.byId };
  let latestByUdid = state.latestByUdid;
  let cancels = state.cancels;
  for (const job of jobs) {
    byId[job.id] = job;
    const latestId = latestByUdid[job.udid];
    if (latestId !== job.id && isNewer(job, latestId === undefined ? undefined : byId[latestId])) latestByUdid = { ...latestByUdid, [job.udid]: job.id };
    // A job that finished or passed the point of no return makes a refused or pending cancel moot.
    if (cancels[job.id] !== undefined && (!job.cancellable || !isActiveJob(job))) {
      const { [job.id]: _gone, ...rest } = cancels;
      cancels = rest;
    }
  }
  return { ...state, byId, latestByUdid, cancels };
}

function applyJobEvents(state: JobsState, events: readonly JobEvent[]): JobsState {
  const jobs: Job[] = [];
  let technician = state.technician;
  for (const event of events) {
    if (event.event === 'jobs.changed') jobs.push(event.data);
    else technician = event.data.name;
  }
  const next = upsertJobs(state, jobs);
  return technician === next.technician ? next : { ...next, technician };
}

function synced(state: JobsState, action: Extract<JobsAction, { type: 'jobs-synced' }>): JobsState {
  // The list is the truth, except for jobs the window still shows in a run that an older list might have cut off.
  const kept = action.keep.map((id) => state.byId[id]).filter((job): job is Job => job !== undefined && !action.jobs.some((listed) => listed.id === job.id));
  const fresh: JobsState = { ...INITIAL_JOBS, availability: { kind: 'ready' }, technician: action.technician, workflows: action.workflows };
  return applyJobEvents(upsertJobs(fresh, [...kept, ...action.jobs]), action.pending);
}

export function reduceJobs(state: JobsState, action: JobsAction): JobsState {
  switch (action.type) {
    case 'jobs-synced':
      return synced(state, action);
    case 'jobs-unavailable':
      return { ...state, availability: { kind: 'unavailable', error: action.error } };
    case 'job-events':
      return applyJobEvents(state, action.events);
    case 'technician':
      return state.technician === action.name ? state : { ...state, technician: action.name };
    case 'cancel-requested':
      return { ...state, cancels: { ...state.cancels, [action.jobId]: { kind: 'pending' } } };
    case 'cancel-answered': {
      const { [action.jobId]: _answered, ...cancels } = state.cancels;
      const next = { ...state, cancels: action.result.ok ? cancels : { ...cancels, [action.jobId]: { kind: 'refused', error: action.result.error } as const } };
      return action.result.ok ? upsertJobs(next, [action.result.job]) : next;
    }
  }
}

export function workflowById(jobs: JobsState, id: string): WorkflowSummary | null {
  return jobs.workflows.find((workflow) => workflow.id === id) ?? null;
}

/** The job a device is running now, if any. */
export function activeJobOf(jobs: JobsState, udid: string | null): Job | null {
  if (udid === null) return null;
  const id = jobs.latestByUdid[udid];
  const job = id === undefined ? undefined : jobs.byId[id];
  return job !== undefined && isActiveJob(job) ? job : null;
}
