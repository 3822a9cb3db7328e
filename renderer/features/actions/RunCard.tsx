/**
 * One Execute's batch: a bar for the whole run, a row per device, the
 * devices the host refused (with why and what to do), and at the end the
 * count — "4 succeeded, 1 failed" — with a completion message and OK.
 */
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useActions, useBench } from '../../app/store-context.js';
import { completionMessage, summaryOf, summaryText, type Run } from '../../state/action-flow.js';
import type { BenchStoreState } from '../../state/store.js';
import { JobRow } from './JobRow.js';
import { ProgressBar } from './ProgressBar.js';
import { RefusalRow } from './RefusalRow.js';

export function RunCard({ run }: { run: Run }) {
  const summary = useBench(useShallow((state: BenchStoreState) => summaryOf(run, state.jobs)));
  const udidOf = useBench(useShallow((state: BenchStoreState) => Object.fromEntries(run.jobIds.map((id) => [id, state.jobs.byId[id]?.udid ?? '']))));
  const actions = useActions();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    // Execute removed the panel and its button: the technician's place is now this run.
    if (document.activeElement === null || document.activeElement === document.body) headingRef.current?.focus();
  }, []);
  const count = summary.total + summary.refused;
  const clean = summary.failed === 0 && summary.cancelled === 0 && summary.refused === 0;
  return (
    <section className="run" aria-label={`${run.workflowName} on ${count} device${count === 1 ? '' : 's'}`} data-testid="action-run" data-batch={run.batchId} data-finished={summary.finished}>
      <header className="run-header">
        <h2 ref={headingRef} tabIndex={-1} className="panel-title">
          {run.workflowName} · {count} device{count === 1 ? '' : 's'}
        </h2>
        <span className="run-count" data-testid="run-progress-text">
          {summary.finished ? summaryText(summary) : `${summary.succeeded + summary.failed + summary.cancelled} of ${summary.total} finished`}
        </span>
      </header>
      <ProgressBar progress={summary.progress} running={summary.running} label={`${run.workflowName}: all devices`} />
      <ul className="jobs">
        {run.jobIds.map((id) => (
          <JobRow key={id} jobId={id} label={run.labels[udidOf[id] ?? ''] ?? udidOf[id] ?? id} />
        ))}
        {run.refused.map((refusal) => (
          <RefusalRow key={refusal.udid} label={run.labels[refusal.udid] ?? refusal.udid} badge="Not started" refusal={refusal} data-testid="job-refusal" data-udid={refusal.udid} data-code={refusal.code} />
        ))}
      </ul>
      <div role="status" className="run-status">
        {summary.finished ? (
          <div className={clean ? 'run-complete is-clean' : 'run-complete'} data-testid="run-complete" data-succeeded={summary.succeeded} data-failed={summary.failed} data-cancelled={summary.cancelled} data-refused={summary.refused}>
            <p data-testid="run-summary">{summaryText(summary)}</p>
            <p className="run-message">{completionMessage(run, summary)}</p>
            <button type="button" className="button button-primary" onClick={() => actions.dismissRun(run.batchId)} data-testid="run-ok">
              OK
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}
