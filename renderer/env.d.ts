/// <reference types="vite/client" />
import type { BenchApi } from '../core/contract/index.js';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge); absent in a browser. */
    readonly benchline?: BenchApi;
  }

  interface ImportMetaEnv {
    /** "1" builds the dev mock (?mock=N) into the bundle. */
    readonly VITE_BENCHLINE_MOCK?: string;
  }
}
