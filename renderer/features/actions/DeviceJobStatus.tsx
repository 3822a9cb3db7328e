/**
 * A device's job on its tile or table row: the workflow, its state, a bar and
 * one line (what to do, what runs now, or why it failed). Subscribes by UDID,
 * so a job's progress re-renders its own tile or row only. The table has one
 * line per row: its State cell shows the job instead of the badge while there
 * is one, and its "What to do" cell the job's line instead of the device's.
 */
import type { Device } from '../../../core/contract/index.js';
import { useBench } from '../../app/store-context.js';
import { tileJobOf } from '../../state/action-flow.js';
import { isActiveJob } from '../../state/jobs.js';
import { JOB_LOOK, jobLine, percentOf, runningShare } from '../../state/job-view.js';
import { StateBadge } from '../device/StateBadge.js';
import { ProgressBar } from './ProgressBar.js';

export function DeviceJobStatus({ udid, compact = false }: { udid: string | null; compact?: boolean }) {
  const job = useBench((state) => tileJobOf(state, udid));
  if (job === null) return null;
  const look = JOB_LOOK[job.state];
  const line = jobLine(job);
  const percent = percentOf(job.progress);
  return (
    <div
      className={`device-job tone-${look.tone}${compact ? ' is-compact' : ''}`}
      title={compact ? `${job.workflowName}: ${look.badge}${line ? ` — ${line}` : ''}` : undefined}
      data-testid="device-job"
      data-state={job.state}
      data-workflow={job.workflowId}
      data-percent={percent}
    >
      <div className="device-job-head">
        <strong>{job.workflowName}</strong>
        <span className="device-job-state">{compact && isActiveJob(job) ? `${percent}%` : look.badge}</span>
      </div>
      {/* A table cell has room for the bar or the outcome: once the job is over, the outcome. */}
      {compact && !isActiveJob(job) ? null : <ProgressBar progress={job.progress} running={runningShare(job)} label={`${job.workflowName} progress`} compact />}
      {line && !compact ? (
        <p className="device-job-line" data-testid="device-job-line">
          {line}
        </p>
      ) : null}
    </div>
  );
}

/** The table's State cell: the device's job while there is one to show, else its state badge. */
export function StateOrJobCell({ device }: { device: Device }) {
  const hasJob = useBench((state) => tileJobOf(state, device.udid) !== null);
  return hasJob ? <DeviceJobStatus udid={device.udid} compact /> : <StateBadge state={device.state} />;
}

/** The table's "What to do" cell: the job's instruction, step or failure while there is a job, else the device's instruction. */
export function InstructionCell({ device }: { device: Device }) {
  const line = useBench((state) => {
    const job = tileJobOf(state, device.udid);
    return job === null ? null : jobLine(job);
  });
  const text = line ?? device.instruction;
  return (
    <span data-testid="instruction" title={text}>
      {text}
    </span>
  );
}
