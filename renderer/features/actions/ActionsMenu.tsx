/**
 * The toolbar's Actions button and its menu of workflows. Choosing one opens
 * the action panel for the selected devices; nothing is sent from here.
 * Keyboard: Enter/Space/ArrowDown open and focus the first item, arrows move,
 * Home/End jump, Escape closes and returns focus to the button.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { WorkflowSummary } from '../../../core/contract/index.js';
import { useCommands } from '../../app/commands-context.js';
import { useServerCommands } from '../../app/server-commands-context.js';
import { useActions, useBench } from '../../app/store-context.js';
import { presentSelectedCount } from '../../state/query.js';
import type { BenchStoreState } from '../../state/store.js';

/** The button's DOM id, so the panel can hand the focus back to it when it closes. */
export const ACTIONS_BUTTON_ID = 'actions-button';

/** Why the menu cannot open now, in words for the button's description; null when it can. */
function unavailableReason(state: BenchStoreState, selected: number): string | null {
  const { availability, workflows } = state.jobs;
  if (availability.kind === 'loading') return 'Loading the actions this bench offers…';
  if (availability.kind === 'unavailable') return `Actions are unavailable: ${availability.error.message}`;
  if (workflows.length === 0) return 'This bench offers no actions.';
  if (state.flow.stage === 'sending') return 'Starting the last action…';
  if (selected === 0) return 'Select the devices to act on first.';
  return null;
}

export function ActionsMenu() {
  const selected = useBench(presentSelectedCount);
  const reason = useBench((state) => unavailableReason(state, selected));
  const unavailable = useBench((state) => state.jobs.availability.kind === 'unavailable');
  const workflows = useBench((state) => state.jobs.workflows);
  const actions = useActions();
  const commands = useCommands();
  const serverCommands = useServerCommands();
  const serverReady = useBench((state) => state.server.sync.availability.kind === 'ready');
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);
  const menuId = useId();
  const reasonId = useId();

  const items = () => [...(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
  const close = (returnFocus: boolean) => {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    items()[0]?.focus();
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  // The selection can empty while the menu is open (Esc, a device unplugged): then there is nothing to act on.
  if (open && reason !== null) setOpen(false);

  const onMenuKey = (event: KeyboardEvent) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const focus = (index: number) => all[(index + all.length) % all.length]?.focus();
    if (event.key === 'ArrowDown') focus(at + 1);
    else if (event.key === 'ArrowUp') focus(at - 1);
    else if (event.key === 'Home') focus(0);
    else if (event.key === 'End') focus(all.length - 1);
    else if (event.key === 'Escape') close(true);
    else if (event.key === 'Tab') setOpen(false);
    else return;
    if (event.key !== 'Tab') {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  const choose = (workflow: WorkflowSummary) => {
    setOpen(false);
    actions.openAction(workflow.id);
  };

  const chooseServer = (what: 'deprovision' | 'preapprove') => {
    setOpen(false);
    if (what === 'deprovision') void serverCommands.openDeprovision('bench');
    else serverCommands.openPreapprove();
  };

  return (
    <div className="actions-menu">
      <button
        ref={buttonRef}
        id={ACTIONS_BUTTON_ID}
        type="button"
        className="button button-primary"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-describedby={reason === null ? undefined : reasonId}
        disabled={reason !== null}
        onClick={() => setOpen((was) => !was)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && reason === null) {
            event.preventDefault();
            setOpen(true);
          }
        }}
        data-testid="actions-button"
      >
        Actions{selected > 0 ? ` (${selected})` : ''} <span aria-hidden="true">▾</span>
      </button>
      {reason !== null ? (
        <span id={reasonId} className="visually-hidden" data-testid="actions-unavailable-reason">
          {reason}
        </span>
      ) : null}
      {unavailable ? (
        <button type="button" className="button button-quiet" onClick={() => commands.reloadJobs()} title={reason ?? undefined} data-testid="actions-retry">
          Actions unavailable · Try again
        </button>
      ) : null}
      {open ? (
        <ul ref={menuRef} id={menuId} className="menu" role="menu" aria-label="Actions for the selected devices" onKeyDown={onMenuKey} data-testid="actions-menu">
          {workflows.map((workflow) => (
            <li key={workflow.id} role="none">
              <button type="button" role="menuitem" tabIndex={-1} className="menu-item" onClick={() => choose(workflow)} data-testid="action-item" data-workflow={workflow.id}>
                <span className="menu-item-name">
                  {workflow.name}
                  {workflow.destructive ? <span className="destructive-mark">Erases data</span> : null}
                </span>
                <span className="menu-item-description">{workflow.description}</span>
              </button>
            </li>
          ))}
          {serverReady ? (
            <>
              <li role="separator" className="menu-separator" />
              <li role="none">
                <button type="button" role="menuitem" tabIndex={-1} className="menu-item" onClick={() => chooseServer('preapprove')} data-testid="action-item" data-workflow="preapprove">
                  <span className="menu-item-name">Add to pre-approved list…</span>
                  <span className="menu-item-description">Let these devices enroll when only pre-approved devices may.</span>
                </button>
              </li>
              <li role="none">
                <button type="button" role="menuitem" tabIndex={-1} className="menu-item" onClick={() => chooseServer('deprovision')} data-testid="action-item" data-workflow="deprovision">
                  <span className="menu-item-name">
                    Deprovision…<span className="destructive-mark">Wipes devices</span>
                  </span>
                  <span className="menu-item-description">Remove from management: wipe, release the license, set the inventory status.</span>
                </button>
              </li>
            </>
          ) : null}
        </ul>
      ) : null}
    </div>
  );
}
