/**
 * "Left out (n)": the selected devices a panel will not act on, each with the
 * reason (no serial number, not tethered…). Deprovisioning and pre-approving
 * list them alike; nothing is shown when none is left out.
 */
export function ExcludedDevices({ excluded, testId }: { excluded: readonly { readonly label: string; readonly reason: string }[]; testId?: string }) {
  if (excluded.length === 0) return null;
  return (
    <>
      <h3 className="panel-subheading">Left out ({excluded.length})</h3>
      <ul className="planned-devices is-excluded" data-testid={testId}>
        {excluded.map((item) => (
          <li key={item.label} className="planned-device">
            <span>{item.label}</span>
            <span className="excluded-reason">{item.reason}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
