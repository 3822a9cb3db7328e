import { percentOf } from '../../state/job-view.js';

interface ProgressBarProps {
  /** Finished work, 0..1. */
  readonly progress: number;
  readonly label: string;
  readonly compact?: boolean;
  /**
   * The share of the bar the step running now will fill, 0..1: drawn moving
   * after the finished part. Progress counts finished steps, so a one-step
   * erase would otherwise sit at 0% for its whole run.
   */
  readonly running?: number;
}

/** A job's progress: a bar with its percentage for assistive technology (widths are set through CSSOM, which the CSP allows). */
export function ProgressBar({ progress, label, compact = false, running = 0 }: ProgressBarProps) {
  const percent = percentOf(progress);
  const runningPercent = Math.min(100 - percent, Math.round(running * 100));
  return (
    <div
      className={compact ? 'progress is-compact' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      data-testid="job-progress"
      data-percent={percent}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
      {runningPercent > 0 ? <div className="progress-running" style={{ left: `${percent}%`, width: `${runningPercent}%` }} /> : null}
    </div>
  );
}
