/**
 * One device as a tile, in the spirit of Apple Configurator. Each tile reads
 * its own device from the store by id, so an event about one device
 * re-renders one tile, not sixty. Bringing a tile into view is the grid's
 * job: a tile exists only while its row is in view (DeviceGrid), so it could
 * not scroll to itself, and a tile scrolling on mount would yank the page
 * back every time its row came into view again.
 */
import { memo, type MouseEvent } from 'react';
import { useActions, useBench } from '../../app/store-context.js';
import { STATE_LOOK, deviceSubtitle, deviceTitle, osLabel, primaryIdentifier } from '../../state/device-view.js';
import { DeviceJobStatus } from '../actions/DeviceJobStatus.js';
import { BatteryGauge } from '../device/BatteryGauge.js';
import { DeviceIcon } from '../device/DeviceIcon.js';
import { FlappingWarning } from '../device/FlappingWarning.js';
import { StateBadge } from '../device/StateBadge.js';
import { deviceDomId } from '../selection/keys.js';
import { deviceTestAttributes } from '../device/test-attributes.js';

interface TileProps {
  readonly id: string;
  /** 1-based place among the shown devices, and how many there are: only some tiles exist, so assistive technology is told. */
  readonly position: number;
  readonly setSize: number;
}

export const DeviceTile = memo(function DeviceTile({ id, position, setSize }: TileProps) {
  const device = useBench((state) => state.devices[id]);
  const selected = useBench((state) => state.selection.ids[id] === true);
  const focused = useBench((state) => state.selection.focus === id);
  const highlighted = useBench((state) => state.highlight?.id === id);
  const actions = useActions();

  if (device === undefined) return null;
  const look = STATE_LOOK[device.state];
  const subtitle = deviceSubtitle(device);
  const os = osLabel(device);
  const identifier = primaryIdentifier(device);

  const onClick = (event: MouseEvent) => actions.click(id, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey });
  // Shift-click would otherwise also select the text between the two tiles.
  const onMouseDown = (event: MouseEvent) => {
    if (event.shiftKey) event.preventDefault();
  };

  const classes = ['tile', `tone-${look.tone}`, selected && 'is-selected', focused && 'is-focused', highlighted && 'is-highlighted', device.flapping && 'is-flapping'];
  return (
    <div
      id={deviceDomId('tile', id)}
      role="option"
      aria-selected={selected}
      aria-posinset={position}
      aria-setsize={setSize}
      className={classes.filter(Boolean).join(' ')}
      data-testid="device-tile"
      {...deviceTestAttributes(device, { selected, highlighted })}
      onClick={onClick}
      onMouseDown={onMouseDown}
    >
      <div className="tile-top">
        <span className="slot" data-testid="slot" title="Where the device is plugged in">
          {device.slot ?? 'No slot'}
        </span>
        {device.flapping ? (
          <span className="tile-flap-mark" title="This port keeps disconnecting" aria-hidden="true">
            ⚠
          </span>
        ) : null}
        <BatteryGauge level={device.batteryLevel} charging={device.batteryCharging} />
      </div>
      <div className="tile-body">
        <DeviceIcon deviceClass={device.deviceClass} />
        <div className="tile-names">
          <div className="tile-title" data-testid="device-name" title={deviceTitle(device)}>
            {deviceTitle(device)}
          </div>
          {subtitle ? (
            <div className="tile-subtitle" data-testid="marketing-name">
              {subtitle}
            </div>
          ) : null}
          {os ? <div className="tile-os" data-testid="os-version">{os}</div> : null}
          {identifier ? (
            <div className="tile-serial" data-testid="serial">
              <span className="tile-label">{identifier.label}</span> <span className="mono">{identifier.value}</span>
            </div>
          ) : null}
        </div>
      </div>
      <div className="tile-state">
        <StateBadge state={device.state} />
        <p className="instruction" data-testid="instruction">
          {device.instruction}
        </p>
        {device.state === 'error' && device.errorMessage ? <p className="tile-error">{device.errorMessage}</p> : null}
      </div>
      <DeviceJobStatus udid={device.udid} />
      {device.flapping ? <FlappingWarning /> : null}
    </div>
  );
});
