/**
 * The devices an action will run on, by name and serial, and the selected
 * ones it leaves out with the reason (not ready, already busy, unplugged).
 */
import type { ActionPlan } from '../../state/action-flow.js';
import { deviceLabel } from '../../state/action-flow.js';
import { ExcludedDevices } from './ExcludedDevices.js';

export function PlannedDevices({ plan, workflowName }: { plan: ActionPlan; workflowName: string }) {
  const count = plan.included.length;
  return (
    <>
      <h3 className="panel-subheading">
        {count === 0 ? `No device can run ${workflowName} now` : `${count} device${count === 1 ? '' : 's'}`}
      </h3>
      {count > 0 ? (
        <ul className="planned-devices" data-testid="action-devices" data-count={count}>
          {plan.included.map(({ id, device }) => (
            <li key={id} className="planned-device" data-testid="action-device" data-udid={device.udid ?? ''} data-serial={device.serialNumber ?? ''}>
              <span>
                {deviceLabel(device)}
                {device.slot ? <span className="muted"> · slot {device.slot}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <ExcludedDevices
        excluded={plan.excluded.map(({ id, device, reason }) => ({ key: id, label: device ? deviceLabel(device) : id, reason, data: { 'data-testid': 'action-excluded', 'data-id': id, 'data-serial': device?.serialNumber ?? '' } }))}
        testId="action-excluded-list"
      />
    </>
  );
}
