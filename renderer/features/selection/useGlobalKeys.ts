/**
 * Shortcuts that work wherever the focus is, except in text fields (where
 * Ctrl+A and Escape mean what they always mean): Ctrl/Cmd+A selects every
 * shown device, Escape first dismisses a scan result, then clears the selection.
 */
import { useEffect } from 'react';
import { useActions, useBenchStore } from '../../app/store-context.js';
import { isTextField } from '../../app/text-field.js';

export function useGlobalKeys(): void {
  const actions = useActions();
  const store = useBenchStore();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (isTextField(event.target)) return;
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'a') {
        event.preventDefault();
        actions.selectAll();
      } else if (event.key === 'Escape') {
        const { scanner, highlight } = store.getState();
        if (scanner.message !== null || highlight !== null) actions.dismissScan();
        else actions.selectNone();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [actions, store]);
}
