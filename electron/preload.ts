/**
 * The preload: exposes exactly the contract (BenchApi) to the page as
 * `window.benchline` through contextBridge, and nothing of Electron or Node.
 * Bundled to CommonJS (dist/electron/preload.cjs) because a sandboxed preload
 * has no module loader beyond require('electron').
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BenchApi, BenchEvent, Envelope, Method, Params, Result } from '../core/contract/api.js';
import { IPC_CHANNELS } from './ipc-channels.js';

const benchline: BenchApi = {
  call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
    // Main validates both; the preload only carries them.
    return ipcRenderer.invoke(IPC_CHANNELS.call, method, params) as Promise<Envelope<Result<M>>>;
  },
  subscribe(listener: (event: BenchEvent) => void): () => void {
    // The IpcRendererEvent (with its sender) stays here: the page gets the event data only.
    const relay = (_event: IpcRendererEvent, data: BenchEvent): void => listener(data);
    ipcRenderer.on(IPC_CHANNELS.event, relay);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, relay);
    };
  },
};

contextBridge.exposeInMainWorld('benchline', benchline);
