/** The three pages: the bench (default, the technician's everyday view), the inventory and the pre-approved list. */
import { useBench } from '../../app/store-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import type { Page } from '../../state/server.js';

const PAGES: readonly { page: Page; label: string }[] = [
  { page: 'bench', label: 'Bench' },
  { page: 'inventory', label: 'Inventory' },
  { page: 'preapproved', label: 'Pre-approved' },
];

export function PageTabs() {
  const current = useBench((state) => state.server.page);
  const commands = useServerCommands();
  return (
    <nav className="segmented page-tabs" aria-label="Views">
      {PAGES.map(({ page, label }) => (
        <button
          key={page}
          type="button"
          className={page === current ? 'is-active' : ''}
          aria-current={page === current ? 'page' : undefined}
          onClick={() => commands.showPage(page)}
          data-testid="page-tab"
          data-page={page}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}
