/**
 * The host process of `npm run bench:ui`: BenchHost (simulated) over the
 * synthetic ChurnRegistry, and the web server `benchline serve` uses, serving
 * dist/renderer on 127.0.0.1 (any free port). Run by bench/ui.ts as its own
 * process, so its RSS is the host's alone.
 *
 *   node dist/bench/ui-host.js [--devices 256] [--seed bench-ui] [--state-change 0.01]
 *
 * Prints one JSON line {"ready":true,"url","pid","devices"} on stdout, then
 * answers JSON lines on stdin, one reply line each:
 *   {"id":1,"cmd":"rate","hz":10}   updates per device per second (0: churn off)
 *   {"id":2,"cmd":"stats"}          counts, event-loop delay since the last stats, CPU, memory
 * Ends on SIGTERM/SIGINT or when stdin closes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DeviceSchema } from '../core/contract/device.js';
import { BenchHost } from '../core/host/bench-host.js';
import { startWebServer } from '../core/host/web/server.js';
import { ChurnRegistry } from './ui-churn.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '256' },
    seed: { type: 'string', default: 'bench-ui' },
    'state-change': { type: 'string', default: '0.01' },
  },
});
const devices = Number(values.devices);
if (!Number.isInteger(devices) || devices < 1) throw new Error(`--devices ${values.devices} is not a positive integer`);

// dist/bench/ui-host.js → dist/renderer
const rendererDir = path.resolve(import.meta.dirname, '..', 'renderer');
if (!existsSync(path.join(rendererDir, 'index.html'))) throw new Error(`${rendererDir}/index.html is missing: run npm run build`);

const registry = new ChurnRegistry({ devices, seed: values.seed, stateChangeChance: Number(values['state-change']) });
// A record off the contract would be dropped by the renderer (frames are schema-checked there) and the bench would measure an idle page.
z.array(DeviceSchema).parse(registry.list());

const host = new BenchHost({ registry, simulated: true, muxAddress: 'bench:ui synthetic registry', benchName: 'bench:ui' });
host.start();
let hostEvents = 0;
host.subscribe(() => void (hostEvents += 1));
const server = await startWebServer({ handler: host, rendererDir, listen: '127.0.0.1', port: 0, token: null });

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

const write = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const Command = z.discriminatedUnion('cmd', [
  z.object({ id: z.number(), cmd: z.literal('rate'), hz: z.number().min(0) }),
  z.object({ id: z.number(), cmd: z.literal('stats') }),
]);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  registry.stop();
  host.stop();
  await server.close();
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

const input = createInterface({ input: process.stdin });
input.on('close', () => void stop());
input.on('line', (line) => {
  const parsed = Command.safeParse(JSON.parse(line));
  if (!parsed.success) return write({ error: `bad command: ${line}` });
  const command = parsed.data;
  if (command.cmd === 'rate') {
    registry.setRate(command.hz);
    return write({ id: command.id, ok: true, hz: registry.rateHz });
  }
  const memory = process.memoryUsage();
  write({
    id: command.id,
    ok: true,
    churn: registry.emitted,
    hostEvents,
    eventLoopDelay: { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 },
    cpu: process.cpuUsage(),
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external, arrayBuffers: memory.arrayBuffers },
  });
  loopDelay.reset();
});

write({ ready: true, url: server.url, pid: process.pid, devices });
