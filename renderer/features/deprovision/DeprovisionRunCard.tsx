/**
 * A deprovisioning after Execute: per device its wipe job's progress (as in
 * the actions panel) or "queued for the server" until the server has the
 * request; refused devices with why and what to do; at the bottom, once all
 * is done, seed 001's "Completed successfully" and OK.
 */
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useActions, useBench } from '../../app/store-context.js';
import { deprovisionCompletion, deprovisionRunSummary, WIPE_LABELS, type DeprovisionRun } from '../../state/deprovision-flow.js';
import type { BenchStoreState } from '../../state/store.js';
import { JobRow } from '../actions/JobRow.js';
import { RefusalRow } from '../actions/RefusalRow.js';
import { ReturnFocus } from '../panel/ReturnFocus.js';

export function DeprovisionRunCard({ run, returnTo }: { run: DeprovisionRun; returnTo: string }) {
  const summary = useBench(useShallow((state: BenchStoreState) => deprovisionRunSummary(run, state.jobs)));
  const jobsKnown = useBench(useShallow((state: BenchStoreState) => run.started.map((item) => item.jobId !== null && state.jobs.byId[item.jobId] !== undefined)));
  const actions = useActions();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
  }, []);
  const clean = summary.refused === 0 && summary.wipeFailed === 0;
  return (
    <section className="run" aria-label="Deprovision" data-testid="deprovision-run" data-finished={summary.finished} data-delivered={run.delivered}>
      <ReturnFocus to={returnTo} />
      <header className="run-header">
        <h2 ref={headingRef} tabIndex={-1} className="panel-title">
          Deprovision · {summary.total} device{summary.total === 1 ? '' : 's'}
        </h2>
        <span className="run-count">{summary.finished ? 'Done' : run.delivered ? 'Wiping…' : 'Sending to the server…'}</span>
      </header>
      <ul className="jobs">
        {run.started.map((item, index) => {
          const label = run.labels[item.serialNumber] ?? item.serialNumber;
          if (item.jobId !== null && jobsKnown[index]) return <JobRow key={item.serialNumber} jobId={item.jobId} label={`${label} · ${WIPE_LABELS[item.wipe]}`} />;
          return (
            <li key={item.serialNumber} className={run.delivered ? 'job tone-ok' : 'job'} data-testid="deprovision-queued" data-serial={item.serialNumber} data-delivered={run.delivered}>
              <div className="job-head">
                <span className="job-device">{label}</span>
                <span className="badge">{run.delivered ? 'Sent to the server' : 'Queued'}</span>
              </div>
              <p className="job-step">
                {WIPE_LABELS[item.wipe]}
                {item.jobId !== null ? ' · starting the wipe here' : ' when the device next checks in'}
                {run.delivered ? '' : ' · queued for the server (sync pending)'}
              </p>
            </li>
          );
        })}
        {run.refused.map((item) => (
          <RefusalRow key={item.serialNumber} label={run.labels[item.serialNumber] ?? item.serialNumber} badge="Refused" refusal={item} data-testid="deprovision-refused" data-serial={item.serialNumber} data-code={item.code} />
        ))}
      </ul>
      <div role="status" className="run-status">
        {summary.finished ? (
          <div className={clean ? 'run-complete is-clean snackbar' : 'run-complete snackbar'} data-testid="deprovision-complete" data-refused={summary.refused} data-failed={summary.wipeFailed}>
            <p className="run-message">{deprovisionCompletion(run, summary)}</p>
            <button type="button" className="button button-primary" onClick={() => actions.server({ type: 'deprovision-dismiss' })} data-testid="deprovision-ok">
              OK
            </button>
          </div>
        ) : null}
      </div>
    </section>
  );
}
