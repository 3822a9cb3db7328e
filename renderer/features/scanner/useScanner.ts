/**
 * Listens for a barcode scanner anywhere in the window except text fields
 * (there the scanner's characters are what the technician wants typed). The
 * decision "scanner or person" is the store's (state/scanner.ts); this only
 * feeds it keys with their timestamps and swallows the Enter that completes
 * a scan, so it does not also press whatever button has focus.
 */
import { useEffect } from 'react';
import { useActions } from '../../app/store-context.js';
import { isTextField } from '../../app/text-field.js';

export function useScanner(): void {
  const actions = useActions();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.repeat || event.ctrlKey || event.metaKey || event.altKey || isTextField(event.target)) return;
      if (actions.scannerKey(event.key, event.timeStamp)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [actions]);
}
