/**
 * Hands the bench commands (api/commands.ts) to components, the way
 * store-context hands them the store: one per window, passed down, so a test
 * or a second window can bring its own.
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { BenchCommands } from '../api/commands.js';

const CommandsContext = createContext<BenchCommands | null>(null);

export function CommandsProvider({ commands, children }: { commands: BenchCommands; children: ReactNode }) {
  return <CommandsContext.Provider value={commands}>{children}</CommandsContext.Provider>;
}

export function useCommands(): BenchCommands {
  const commands = useContext(CommandsContext);
  if (commands === null) throw new Error('useCommands outside CommandsProvider');
  return commands;
}
