/** Shown when a port keeps attaching and detaching: the cable or hub port is the problem, not the device. */
export function FlappingWarning() {
  return (
    <div className="flapping" data-testid="flapping-warning" role="note">
      <span aria-hidden="true">⚠</span> This port keeps disconnecting. Try another cable or hub port.
    </div>
  );
}
