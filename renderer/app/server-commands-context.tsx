/** Hands the server commands (api/server-commands.ts) to components, one per window, like commands-context. */
import { createContext, useContext, type ReactNode } from 'react';
import type { ServerCommands } from '../api/server-commands.js';

const ServerCommandsContext = createContext<ServerCommands | null>(null);

export function ServerCommandsProvider({ commands, children }: { commands: ServerCommands; children: ReactNode }) {
  return <ServerCommandsContext.Provider value={commands}>{children}</ServerCommandsContext.Provider>;
}

export function useServerCommands(): ServerCommands {
  const commands = useContext(ServerCommandsContext);
  if (commands === null) throw new Error('useServerCommands outside ServerCommandsProvider');
  return commands;
}
