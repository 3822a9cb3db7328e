/**
 * The search box of an inventory list: what the technician types is searched
 * a quarter second after they stop, so a serial typed character by character
 * costs one search, not twelve. Serial numbers are case-sensitive (seed 004).
 */
import { useEffect, useState } from 'react';
import { useBench, useBenchStore } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import type { InventoryListId } from '../../state/inventory.js';

const DEBOUNCE_MS = 250;

export function ListSearch({ list }: { list: InventoryListId }) {
  const initial = useBench((state) => state.server.inventory.lists[list].query.text);
  const store = useBenchStore();
  const commands = useServerCommands();
  const [text, setText] = useState(initial);
  useEffect(() => {
    // The status filter may have changed meanwhile: search with the list's query as it is when the timer fires.
    const current = () => store.getState().server.inventory.lists[list].query;
    if (text === current().text) return;
    const timer = window.setTimeout(() => void commands.search(list, { ...current(), text }), DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, commands, list, store]);
  return (
    <input
      type="search"
      className="search"
      placeholder="Serial (case-sensitive), UDID, user or device name"
      aria-label="Search the inventory: serial numbers are case-sensitive; also UDID, user email or name, device name"
      value={text}
      onChange={(event) => setText(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && text !== '') {
          event.stopPropagation();
          setText('');
        }
      }}
      spellCheck={false}
      autoComplete="off"
      data-testid={`${list}-search`}
    />
  );
}
