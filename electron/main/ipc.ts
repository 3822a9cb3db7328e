/**
 * The only module that touches ipcMain and sends to renderers (a unit test
 * keeps it that way): typed wrappers that check the sender before any
 * handler runs, and the bench's handler, which validates the arguments
 * against the contract before relaying them.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { fail, isMethod, parseParams, type BenchEvent, type Envelope } from '../../core/contract/api.js';
import { API_ERROR_CODES } from '../../core/contract/errors.js';
import type { RequestHandler } from '../../core/host/bench-host.js';
import { IPC_CHANNELS, type EventChannels, type InvokeChannels } from '../ipc-channels.js';
import { isAppPageUrl, type AppLocation } from './location.js';
import { isTrustedSender, type SenderTrust } from './trusted-sender.js';

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler'>;

type InvokeHandler<C extends keyof InvokeChannels> = (args: InvokeChannels[C]['args']) => Promise<InvokeChannels[C]['result']>;

/**
 * Registers an invoke handler whose sender is checked first; untrusted senders get `refused`.
 * Arguments stay `unknown` for the handler to validate. Returns the unregister function.
 */
export function handle<C extends keyof InvokeChannels>(
  ipcMain: IpcMainLike,
  channel: C,
  trust: SenderTrust,
  refused: () => InvokeChannels[C]['result'],
  handler: InvokeHandler<C>,
): () => void {
  ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
    if (!isTrustedSender(event, trust)) return refused();
    // Missing arguments arrive as undefined, which every handler validates anyway.
    return handler([args[0], args[1]] as InvokeChannels[C]['args']);
  });
  return () => ipcMain.removeHandler(channel);
}

/** Sends on an event channel, only to a live page that is still the app. */
export function send<C extends keyof EventChannels>(contents: Pick<WebContents, 'send' | 'isDestroyed' | 'getURL'>, channel: C, payload: EventChannels[C], location: AppLocation): void {
  if (contents.isDestroyed() || !isAppPageUrl(contents.getURL(), location)) return;
  contents.send(channel, payload);
}

const NOT_THE_APP = 'Only the Benchline window may use the bench. If you see this in Benchline itself, restart it.';

/** `benchline:call`: the contract over IPC. */
export function registerBenchIpc(ipcMain: IpcMainLike, trust: SenderTrust, bench: RequestHandler): () => void {
  return handle(
    ipcMain,
    IPC_CHANNELS.call,
    trust,
    () => fail(API_ERROR_CODES.Forbidden, 'This page may not use the bench', NOT_THE_APP),
    async ([method, params]): Promise<Envelope<unknown>> => {
      if (!isMethod(method)) return fail(API_ERROR_CODES.UnknownMethod, `Unknown method ${typeof method === 'string' ? JSON.stringify(method.slice(0, 100)) : `(a ${typeof method})`}`, 'This is a bug in the calling program, not something to fix at the bench.');
      // Validated here, in main, so nothing malformed ever crosses into the device process.
      const parsed = parseParams(method, params);
      if (!parsed.ok) return parsed;
      return bench.request(method, parsed.value);
    },
  );
}

export function sendBenchEvent(contents: Pick<WebContents, 'send' | 'isDestroyed' | 'getURL'>, event: BenchEvent, location: AppLocation): void {
  send(contents, IPC_CHANNELS.event, event, location);
}
