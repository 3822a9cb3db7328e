/**
 * Keeps the store's jobs in step with the bench, apart from the device
 * session (session.ts) so a host without a job engine (it answers job
 * methods with ServiceUnavailable) costs the window its Actions, never its
 * devices. On every (re)open: technician.get → workflows.list → jobs.list,
 * then `jobs.changed` / `technician.changed` events, batched per frame.
 *
 * The host sends responses and events in the order it produced them, so an
 * answer covers every event of its kind that arrived before it: those events
 * are dropped once it arrives, and later ones are applied on top.
 */
import type { ApiError, BenchEvent, Envelope, Job, WorkflowSummary } from '../../core/contract/index.js';
import { isJobEvent, type JobEvent } from '../state/jobs.js';
import type { BenchConnection } from './connection.js';
import { answerOf, frameBatcher, type Scheduler } from './session.js';

/** The list the window starts from: enough for every job still running and the recent past. */
export const JOBS_LIST_LIMIT = 1000;

export interface JobsSessionTarget {
  jobsSynced(snapshot: { technician: string | null; workflows: readonly WorkflowSummary[]; jobs: readonly Job[] }, pending: readonly JobEvent[]): void;
  jobsUnavailable(error: ApiError): void;
  applyJobEvents(events: readonly JobEvent[]): void;
}

export interface JobsSession {
  /** Asks for everything again (the "Try again" of an unavailable job service). */
  resync(): void;
  stop(): void;
}

export function startJobsSession(connection: BenchConnection, target: JobsSessionTarget, schedule: Scheduler): JobsSession {
  let round = 0;
  let syncing = false;
  let open = false;
  let stopped = false;
  /** Events that arrived during a sync, and whether the answer of their kind had arrived before them. */
  let held: { event: JobEvent; afterAnswer: boolean }[] = [];
  let technicianAnswered = false;
  const batch = frameBatcher<JobEvent>(schedule, (events) => target.applyJobEvents(events));
  let serviceDown = false;

  // A dropped link says nothing about jobs (answerOf leaves it to the reconnection); any other failure makes them unavailable.
  const take = <T>(mine: number, result: Envelope<T>): T | null => answerOf(mine === round, result, (error) => target.jobsUnavailable(error));

  const sync = async (): Promise<void> => {
    const mine = ++round;
    syncing = true;
    held = [];
    batch.clear();
    technicianAnswered = false;
    try {
      const technician = take(mine, await connection.call('technician.get', {}));
      if (technician === null) return;
      technicianAnswered = true;
      const workflows = take(mine, await connection.call('workflows.list', {}));
      if (workflows === null) return;
      const jobs = take(mine, await connection.call('jobs.list', { limit: JOBS_LIST_LIMIT }));
      if (jobs === null) return;
      // Job events so far are in the list; technician events since its answer are newer than it.
      const pending = held.filter((entry) => entry.event.event === 'technician.changed' && entry.afterAnswer).map((entry) => entry.event);
      held = [];
      target.jobsSynced({ technician: technician.name, workflows, jobs }, pending);
    } finally {
      if (mine === round) syncing = false;
    }
  };

  const onEvent = (event: BenchEvent): void => {
    if (event.event === 'bench.status') {
      // Electron's device service restarted: its job engine is a new one too.
      const cameBack = serviceDown && event.data.service === undefined;
      serviceDown = event.data.service !== undefined;
      if (cameBack && open) void sync();
      return;
    }
    if (!isJobEvent(event)) return;
    if (syncing) {
      held.push({ event, afterAnswer: technicianAnswered });
      return;
    }
    batch.push(event);
  };

  const unsubscribeEvents = connection.subscribe(onEvent);
  const unsubscribeStatus = connection.onStatus((link) => {
    if (stopped) return;
    open = link.phase === 'open';
    if (open) void sync();
    else round++;
  });

  return {
    resync() {
      if (open && !stopped) void sync();
    },
    stop() {
      stopped = true;
      batch.stop();
      round++;
      unsubscribeEvents();
      unsubscribeStatus();
    },
  };
}
