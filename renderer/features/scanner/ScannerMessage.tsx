/** What the last scan found: the device (highlighted in the grid) or that no such device is tethered. */
import { useActions, useBench } from '../../app/store-context.js';
import { deviceTitle } from '../../state/device-view.js';

export function ScannerMessage() {
  const message = useBench((state) => state.scanner.message);
  const found = useBench((state) => (state.scanner.message?.kind === 'found' ? state.devices[state.scanner.message.id] : undefined));
  const actions = useActions();
  if (message === null) return null;
  const dismiss = (
    <button type="button" className="dismiss" onClick={() => actions.dismissScan()} aria-label="Dismiss" title="Dismiss (Esc)">
      ×
    </button>
  );
  if (message.kind === 'missing') {
    return (
      <div className="scanner-message is-missing" role="alert" data-testid="scanner-message" data-kind="missing" data-code={message.code}>
        <span className="scanner-icon" aria-hidden="true">
          ⌁
        </span>
        <span>
          <strong>Serial {message.code} is not tethered.</strong> Check that it is plugged in and its cable works, then scan again.
        </span>
        {dismiss}
      </div>
    );
  }
  const where = found?.slot ? ` in slot ${found.slot}` : '';
  return (
    <div className="scanner-message is-found" role="status" data-testid="scanner-message" data-kind="found" data-code={message.code}>
      <span className="scanner-icon" aria-hidden="true">
        ⌁
      </span>
      <span>
        <strong>{message.code}</strong>: {found ? `${deviceTitle(found)}${where}` : 'the device was unplugged'}, highlighted.
      </span>
      {dismiss}
    </div>
  );
}
