/**
 * `benchline-sim`: runs the device simulator in the foreground. Prints one
 * JSON line with "ready" on stdout once the socket accepts connections (a
 * parent process waits for it); everything else goes to stderr.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_ERASE_GONE_MS, DEFAULT_RESTART_GONE_MS } from './lifecycle.js';
import { DEFAULT_DEVICE_COUNT, DEFAULT_DEVICE_KEY_BITS, DEFAULT_SEED, DeviceSimulator } from './simulator.js';

function nonNegativeInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return value;
}

/** `--duration EraseDevice=5000`, repeatable: one step's simulated duration. */
function duration(text: string, previous: Record<string, number>): Record<string, number> {
  const match = /^([A-Za-z][A-Za-z0-9]*)=(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected NAME=MILLISECONDS, e.g. EraseDevice=5000');
  return { ...previous, [match[1]!]: Number(match[2]) };
}

function keyBits(text: string): number {
  const value = Number(text);
  if (![1024, 2048, 3072, 4096].includes(value)) throw new InvalidArgumentError('expected 1024, 2048, 3072 or 4096');
  return value;
}

const program = new Command()
  .name('benchline-sim')
  .description('Simulated iPhones/iPads behind a usbmuxd socket that real libimobiledevice tools accept.')
  .requiredOption('--socket <path>', 'Unix socket to serve usbmuxd on (clients: USBMUXD_SOCKET_ADDRESS=UNIX:<path>)')
  .option('--devices <n>', 'number of devices', nonNegativeInt, DEFAULT_DEVICE_COUNT)
  .option('--seed <seed>', 'seed for the generated fleet', DEFAULT_SEED)
  .option('--all-trusted', 'every device accepts pairing without the Trust dialog', false)
  .option('--control-port <port>', 'port for the HTTP control server on 127.0.0.1 (0 = any)', nonNegativeInt, 0)
  .option('--device-key-bits <bits>', 'size of each device\'s DevicePublicKey', keyBits, DEFAULT_DEVICE_KEY_BITS)
  .option('--erase-gone-ms <ms>', 'how long an erased device stays off USB before it comes back wiped', nonNegativeInt, DEFAULT_ERASE_GONE_MS)
  .option('--restart-gone-ms <ms>', 'how long a restarted device stays off USB', nonNegativeInt, DEFAULT_RESTART_GONE_MS)
  .option('--duration <name=ms>', 'time a service step takes before its reply, e.g. EraseDevice=5000 (repeatable)', duration, {})
  .option('--trace', 'log every usbmuxd and lockdown request to stderr', false)
  .showHelpAfterError();

program.parse();
const options = program.opts<{
  socket: string;
  devices: number;
  seed: string;
  allTrusted: boolean;
  controlPort: number;
  deviceKeyBits: number;
  eraseGoneMs: number;
  restartGoneMs: number;
  duration: Record<string, number>;
  trace: boolean;
}>();

const simulator = new DeviceSimulator();
try {
  await simulator.start({
    socketPath: options.socket,
    devices: options.devices,
    seed: options.seed,
    allTrusted: options.allTrusted,
    control: { port: options.controlPort },
    deviceKeyBits: options.deviceKeyBits,
    lifecycle: { eraseGoneMs: options.eraseGoneMs, restartGoneMs: options.restartGoneMs, durations: options.duration },
    trace: options.trace ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
} catch (error) {
  process.stderr.write(`benchline-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

process.stdout.write(
  `${JSON.stringify({
    ready: true,
    socket: simulator.socketPath,
    address: simulator.address,
    control: simulator.controlUrl,
    devices: simulator.allDevices().length,
    seed: options.seed,
    allTrusted: options.allTrusted,
    lifecycle: simulator.lifecycle.info(),
    pid: process.pid,
  })}\n`,
);

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`benchline-sim: ${signal}, stopping\n`);
  await simulator.stop();
  process.exit(0);
}
process.on('SIGINT', (signal) => void shutdown(signal));
process.on('SIGTERM', (signal) => void shutdown(signal));
