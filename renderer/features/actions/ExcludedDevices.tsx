/**
 * "Left out (n)": the selected devices a panel will not act on, each with the
 * reason (no serial number, not ready, already busy…). The actions,
 * deprovision and pre-approve panels list them alike; nothing is shown when
 * none is left out.
 */

export interface ExcludedDevice {
  /** Unique among the list; the label when not given. */
  readonly key?: string;
  readonly label: string;
  /** Why it is left out; null when the plan has no words for it (the row shows the name alone). */
  readonly reason: string | null;
  /** `data-*` attributes the e2e tests find the row by. */
  readonly data?: { readonly [name: `data-${string}`]: string };
}

export function ExcludedDevices({ excluded, testId }: { excluded: readonly ExcludedDevice[]; testId?: string }) {
  if (excluded.length === 0) return null;
  return (
    <>
      <h3 className="panel-subheading">Left out ({excluded.length})</h3>
      <ul className="planned-devices is-excluded" data-testid={testId}>
        {excluded.map((item) => (
          <li key={item.key ?? item.label} className="planned-device" {...item.data}>
            <span>{item.label}</span>
            <span className="excluded-reason">{item.reason}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
