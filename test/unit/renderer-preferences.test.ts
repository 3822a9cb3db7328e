import { describe, expect, it } from 'vitest';
import { parsePreferences, preferencesOf } from '../../renderer/state/preferences.js';
import { createBenchStore } from '../../renderer/state/store.js';

describe('preferences that survive a reload', () => {
  it('bring back the view, the sort and the chosen columns', () => {
    const before = createBenchStore('websocket');
    const { actions } = before.getState();
    actions.setView('table');
    actions.sortBy('battery');
    actions.toggleColumn('udid');
    const saved = JSON.stringify(preferencesOf(before.getState()));

    const after = createBenchStore('websocket', parsePreferences(saved)).getState();
    expect(after.view).toBe('table');
    expect(after.sort).toEqual({ column: 'battery', direction: 'asc' });
    expect(after.columns).toContain('udid');
    expect(after.columns).toEqual(before.getState().columns);
  });

  it('fall back to the defaults for anything unreadable, from an old version or edited by hand', () => {
    expect(parsePreferences(null)).toEqual({});
    expect(parsePreferences('{not json')).toEqual({});
    expect(parsePreferences(JSON.stringify({ view: 'cards' }))).toEqual({});
    expect(parsePreferences(JSON.stringify({ columns: ['serial', 'no-such-column'] }))).toEqual({});
    expect(parsePreferences(JSON.stringify({ columns: [] }))).toEqual({});
  });

  it('keep columns in their usual order whatever order was stored', () => {
    expect(parsePreferences(JSON.stringify({ columns: ['battery', 'serial', 'slot', 'serial'] }))).toEqual({ columns: ['slot', 'serial', 'battery'] });
  });
});
