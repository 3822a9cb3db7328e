/**
 * Entry point: pick the way to the bench (Electron preload, WebSocket, or
 * the dev mock), create the store, keep it in step with the bench, render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { CommandsProvider } from './app/commands-context.js';
import { ServerCommandsProvider } from './app/server-commands-context.js';
import { StoreProvider } from './app/store-context.js';
import { browserSocket, browserTimers, frameScheduler } from './api/browser.js';
import { createBenchCommands } from './api/commands.js';
import { alwaysOpen, type BenchConnection } from './api/connection.js';
import { startJobsSession } from './api/jobs-session.js';
import { createServerCommands } from './api/server-commands.js';
import { startServerSession } from './api/server-session.js';
import { startSession } from './api/session.js';
import { chooseTransport } from './api/transport.js';
import { createWsClient } from './api/ws-client.js';
import { PREFERENCES_KEY, parsePreferences, preferencesOf, samePreferences } from './state/preferences.js';
import { createBenchStore, type BenchStore } from './state/store.js';
import type { Transport } from './state/types.js';
import './styles/app.css';

/** The mock is compiled in only for development (vite dev) or when explicitly asked for at build time. */
const MOCK_ALLOWED = import.meta.env.DEV || import.meta.env.VITE_BENCHLINE_MOCK === '1';

interface Connected {
  readonly connection: BenchConnection;
  readonly transport: Transport;
}

async function connectMock(devices: number): Promise<Connected> {
  // Constant-false in production builds, so the bundler drops the import below and the mock with it.
  if (!MOCK_ALLOWED) throw new Error('This build does not include the mock bench.');
  const { createMockApi } = await import('./api/mock.js');
  const api = createMockApi(devices, window.location.search, { every: (callback, ms) => window.setInterval(callback, ms) });
  return { connection: alwaysOpen(api), transport: 'mock' };
}

async function connect(): Promise<Connected> {
  const choice = chooseTransport(window.benchline, window.location, MOCK_ALLOWED);
  if (choice.kind === 'electron') return { connection: alwaysOpen(choice.api), transport: 'electron' };
  if (choice.kind === 'mock') return connectMock(choice.devices);
  return { connection: createWsClient({ url: choice.url, token: choice.token, createSocket: browserSocket, timers: browserTimers }), transport: 'websocket' };
}

/** Storage can be missing or refused (privacy settings, a full disk): preferences are a convenience, never an error. */
function readPreferences(): string | null {
  try {
    return window.localStorage.getItem(PREFERENCES_KEY);
  } catch {
    return null;
  }
}

function keepPreferences(store: BenchStore): void {
  let saved = preferencesOf(store.getState());
  store.subscribe((state) => {
    const next = preferencesOf(state);
    if (samePreferences(saved, next)) return;
    saved = next;
    try {
      window.localStorage.setItem(PREFERENCES_KEY, JSON.stringify(next));
    } catch {
      // Not saved this time; the window works the same.
    }
  });
}

async function main(): Promise<void> {
  const root = document.getElementById('root');
  if (root === null) throw new Error('index.html has no #root');
  const { connection, transport } = await connect();
  const store = createBenchStore(transport, parsePreferences(readPreferences()));
  keepPreferences(store);
  startSession(connection, transport, store.getState().actions, frameScheduler);
  const jobs = startJobsSession(connection, store.getState().actions, frameScheduler);
  const commands = createBenchCommands(connection, store, () => jobs.resync());
  const serverCommands = createServerCommands(connection, store);
  startServerSession(connection, store.getState().actions, frameScheduler, () => serverCommands.refreshLists());
  createRoot(root).render(
    <StrictMode>
      <StoreProvider store={store}>
        <CommandsProvider commands={commands}>
          <ServerCommandsProvider commands={serverCommands}>
            <App />
          </ServerCommandsProvider>
        </CommandsProvider>
      </StoreProvider>
    </StrictMode>,
  );
}

void main();
