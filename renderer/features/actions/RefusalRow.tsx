/**
 * A device a run did not start on, or the server refused: its name, a badge
 * ("Not started", "Refused") and why with what to do, in a run's job list.
 * The action runs, deprovisioning and pre-approving all list refusals alike.
 */

/** `data-*` attributes the e2e tests find a row by (data-testid, data-serial, data-code…). */
type DataAttributes = { readonly [name: `data-${string}`]: string | number | boolean | undefined };

/** Why something failed and what the technician can do about it, as every job row shows it. */
export function JobProblem({ problem, ...data }: { problem: { readonly message: string; readonly hint: string } } & DataAttributes) {
  return (
    <div className="job-error" {...data}>
      <strong>{problem.message}</strong>
      <span>
        <span className="tile-label">What to do</span> {problem.hint}
      </span>
    </div>
  );
}

export function RefusalRow({ label, badge, refusal, ...data }: { label: string; badge: string; refusal: { readonly message: string; readonly hint: string } } & DataAttributes) {
  return (
    <li className="job tone-danger" {...data}>
      <div className="job-head">
        <span className="job-device">{label}</span>
        <span className="badge">{badge}</span>
      </div>
      <JobProblem problem={refusal} />
    </li>
  );
}
