/**
 * Hands the store to components. One store per app, passed down by context
 * rather than imported, so tests and a second window can each have their own.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { BenchActions, BenchStore, BenchStoreState } from '../state/store.js';

const StoreContext = createContext<BenchStore | null>(null);

export function StoreProvider({ store, children }: { store: BenchStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useBenchStore(): BenchStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useBenchStore outside StoreProvider');
  return store;
}

/** Subscribes to one slice; the component re-renders only when that slice changes (Object.is). */
export function useBench<T>(selector: (state: BenchStoreState) => T): T {
  return useStore(useBenchStore(), selector);
}

const selectActions = (state: BenchStoreState): BenchActions => state.actions;

export function useActions(): BenchActions {
  return useBench(selectActions);
}
