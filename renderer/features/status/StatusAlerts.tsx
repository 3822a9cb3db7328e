import { useMemo } from 'react';
import { useBench } from '../../app/store-context.js';
import { statusAlerts } from './advice.js';

/** Bench problems shown above the devices while the bench still works in part. */
export function StatusAlerts() {
  const status = useBench((state) => state.status);
  const hasDevices = useBench((state) => Object.keys(state.devices).length > 0);
  const alerts = useMemo(() => statusAlerts(status, hasDevices), [status, hasDevices]);
  if (alerts.length === 0) return null;
  return (
    <div className="alerts">
      {alerts.map((alert) => (
        <section key={alert.reason} className={`alert alert-${alert.reason}`} role="alert" data-testid="status-alert" data-kind={alert.reason}>
          <h2>{alert.title}</h2>
          <p>{alert.body}</p>
          {alert.code ? <code className="copyable">{alert.code}</code> : null}
        </section>
      ))}
    </div>
  );
}
