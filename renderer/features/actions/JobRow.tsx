/** One device's job in a run: its bar, what runs now, what to do, how it ended, and Cancel while it still can be. */
import { memo } from 'react';
import { useCommands } from '../../app/commands-context.js';
import { useBench } from '../../app/store-context.js';
import { isActiveJob } from '../../state/jobs.js';
import { JOB_LOOK, runningShare } from '../../state/job-view.js';
import { ProgressBar } from './ProgressBar.js';
import { JobProblem } from './RefusalRow.js';

export const JobRow = memo(function JobRow({ jobId, label }: { jobId: string; label: string }) {
  const job = useBench((state) => state.jobs.byId[jobId]);
  const cancel = useBench((state) => state.jobs.cancels[jobId]);
  const commands = useCommands();
  if (job === undefined) return null;
  const look = JOB_LOOK[job.state];
  const active = isActiveJob(job);
  return (
    <li className={`job tone-${look.tone}`} data-testid="job" data-job-id={job.id} data-udid={job.udid} data-serial={job.serialNumber ?? ''} data-state={job.state}>
      <div className="job-head">
        <span className="job-device">{label}</span>
        <span className="badge" data-testid="job-state">
          {look.badge}
        </span>
      </div>
      <ProgressBar progress={job.progress} running={runningShare(job)} label={`${job.workflowName} on ${label}`} />
      {active && job.currentStep ? (
        <p className="job-step" data-testid="job-step">
          {job.currentStep}
        </p>
      ) : null}
      {job.instruction ? (
        <p className="job-instruction" data-testid="job-instruction">
          {job.instruction}
        </p>
      ) : null}
      {job.error ? (
        <JobProblem problem={job.error} data-testid="job-error" data-code={job.error.code} />
      ) : null}
      {active && job.cancellable ? (
        <button type="button" className="button button-small" onClick={() => void commands.cancelJob(job.id)} disabled={cancel?.kind === 'pending'} aria-label={`Cancel ${job.workflowName} on ${label}`} data-testid="job-cancel">
          {cancel?.kind === 'pending' ? 'Cancelling…' : 'Cancel'}
        </button>
      ) : null}
      {cancel?.kind === 'refused' ? (
        <p className="job-error" data-testid="job-cancel-refused">
          {cancel.error.message} {cancel.error.hint}
        </p>
      ) : null}
    </li>
  );
});
