/**
 * Puts the focus back on the control that opened a panel when the panel goes
 * away (Cancel, OK, Escape) and took the focused button with it, so a keyboard
 * user is not left at the top of the page. Rendered inside the panel: its
 * unmounting is the panel's.
 */
import { useEffect } from 'react';

export function ReturnFocus({ to }: { to: string }) {
  useEffect(
    () => () => {
      requestAnimationFrame(() => {
        if (document.activeElement === null || document.activeElement === document.body) document.getElementById(to)?.focus();
      });
    },
    [to],
  );
  return null;
}

/** DOM ids of the controls that open the central server's panels. */
export const INVENTORY_DEPROVISION_ID = 'inventory-deprovision-button';
export const IMPORT_CSV_ID = 'import-csv-button';
