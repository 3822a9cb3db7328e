/**
 * Entry of the device process (an Electron utilityProcess): the bench, its
 * host and libimobiledevice live here, so a native crash ends this process
 * and main restarts it, while the window stays up and says what happened.
 * Main sends one message carrying the MessagePort to serve the host on.
 */
import { parseArgs } from 'node:util';
import { openHostedBench } from '../core/host/open.js';
import { relayHostOverPort } from './bench-relay.js';

const parentPort = (process as NodeJS.Process & { parentPort?: Electron.ParentPort }).parentPort;

function fatal(message: string, code: number): never {
  process.stderr.write(`benchline device process: ${message}\n`);
  process.exit(code);
}

if (!parentPort) fatal('this is an Electron utility process entry; start the app instead', 2);

const { values } = parseArgs({ options: { simulate: { type: 'string' }, seed: { type: 'string' } }, strict: false });
const simulate = typeof values.simulate === 'string' ? Number(values.simulate) : undefined;
const seed = typeof values.seed === 'string' ? values.seed : '1';

parentPort.once('message', (message) => {
  const port = message.ports[0];
  if (!port) fatal('no MessagePort from main', 2);
  openHostedBench({ simulate, seed, actions: {}, onRetryError: (error) => process.stderr.write(`benchline device process: ${String(error)}\n`) })
    .then((hosted) => {
      relayHostOverPort(hosted.host, port);
      // Main closes its end when the app quits: stop the bench (and any simulator) before exiting.
      port.on('close', () => void hosted.stop().finally(() => process.exit(0)));
    })
    .catch((error: unknown) => fatal(`the bench could not start: ${error instanceof Error ? error.message : String(error)}`, 1));
});
