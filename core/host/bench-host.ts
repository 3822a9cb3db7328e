/**
 * BenchHost: the contract (core/contract) served over a bench. Every
 * transport (WebSocket, Electron IPC, tests) hands it untrusted requests and
 * relays its events; it validates, dispatches and turns failures into
 * envelopes whose hint the technician can act on.
 */
import { fail, isMethod, ok, parseParams, type BenchApi, type BenchEvent, type Envelope, type Method, type Params, type Result } from '../contract/api.js';
import type { BenchStatus } from '../contract/device.js';
import { API_ERROR_CODES } from '../contract/errors.js';
import { SYNC_ERROR_CODES } from '../contract/sync.js';
import { envelopeForError, HostRefusal } from './envelopes.js';
import { answerHello } from './hello.js';
import { intervalTicker, type HostJobs, type HostSync, type HostRegistry, type RegistryChange, type Subscription, type Ticker } from './ports.js';
import { deriveStatus, libraryHintOf, sameStatus } from './status.js';

export interface BenchHostOptions {
  registry: HostRegistry;
  /** True when the devices are simulated: every UI must say so. */
  simulated: boolean;
  /** usbmuxd's address for the status; a function because a supervised bench learns it late. */
  muxAddress: string | (() => string);
  /** Shown by UIs after `bench.hello`, e.g. the machine's host name. */
  benchName: string;
  /**
   * When to re-derive the status besides registry changes: the registry does not announce
   * usbmuxd or USB availability changing while no device changes. Default: every second.
   */
  statusTicker?: Ticker;
  /** Bench actions; absent on a bench that only identifies devices (then job methods answer ServiceUnavailable). */
  jobs?: HostJobs;
  /** The central server (sync, inventory, pre-approved list, deprovisioning); absent → its methods answer NoServer. */
  sync?: HostSync;
  /** A subscriber threw; default: a line on stderr. One broken UI connection must not silence the others. */
  onListenerError?: (error: unknown) => void;
}

/** Anything that answers untrusted requests: what transports need. */
export interface RequestHandler {
  request(method: unknown, params: unknown): Promise<Envelope<unknown>>;
}

type Handlers = { [M in Method]: (params: Params<M>) => Result<M> | Promise<Result<M>> };

const BUG_HINT = 'This is a bug in the calling program, not something to fix at the bench.';

function describeMethod(method: unknown): string {
  return typeof method === 'string' ? JSON.stringify(method.slice(0, 100)) : `a ${typeof method}`;
}

export class BenchHost implements BenchApi, RequestHandler {
  private readonly listeners = new Set<(event: BenchEvent) => void>();
  private readonly handlers: Handlers;
  private subscription: Subscription | null = null;
  private jobSubscriptions: Subscription[] = [];
  private stopTicker: (() => void) | null = null;
  private libraryHint: string | null = null;
  private lastStatus: BenchStatus;

  constructor(private readonly options: BenchHostOptions) {
    this.handlers = {
      'bench.hello': (params) => answerHello(params, options.benchName),
      'bench.status': () => this.status(),
      'devices.list': () => options.registry.list(),
      'devices.refresh': async ({ id }) => (await options.registry.refresh(id)) ?? null,
      'technician.get': () => this.jobs().technician(),
      'technician.set': ({ name }) => this.jobs().setTechnician(name),
      'workflows.list': () => this.jobs().workflows(),
      'jobs.start': (params) => this.jobs().start(params),
      'jobs.list': (params) => this.jobs().list(params),
      'jobs.cancel': ({ jobId }) => this.jobs().cancel(jobId),
      'sync.status': () => this.sync().status(),
      'sync.now': () => this.sync().syncNow(),
      'inventory.search': (params) => this.sync().searchInventory(params),
      'inventory.history': ({ serialNumber }) => this.sync().history(serialNumber),
      'preapproved.preview': (params) => this.sync().previewCsv(params),
      'preapproved.import': (params) => this.sync().importCsv(params),
      'preapproved.add': (params) => this.sync().preapprove(params),
      'deprovision.start': (params) => this.sync().deprovision(params),
      'sync.rejections': (params) => this.sync().rejections(params),
      'sync.acknowledgeRejections': (params) => this.sync().acknowledgeRejections(params),
    };
    this.lastStatus = this.status();
  }

  /** Starts relaying registry changes and status changes to subscribers. */
  start(): void {
    if (this.subscription) return;
    for (const record of this.options.registry.list()) this.noteLibrary(libraryHintOf(record));
    this.subscription = this.options.registry.onChange((change) => this.onRegistryChange(change));
    const jobs = this.options.jobs;
    if (jobs) {
      this.jobSubscriptions = [
        jobs.onJobChange((job) => this.emit({ event: 'jobs.changed', data: job })),
        jobs.onTechnicianChange((technician) => this.emit({ event: 'technician.changed', data: technician })),
      ];
    }
    const sync = this.options.sync;
    if (sync) {
      this.jobSubscriptions.push(
        sync.onStatusChange((status) => this.emit({ event: 'sync.changed', data: status })),
        sync.onInventoryChange((change) => this.emit({ event: 'inventory.changed', data: change })),
      );
    }
    this.lastStatus = this.status();
    this.stopTicker = (this.options.statusTicker ?? intervalTicker(1000))(() => this.checkStatus());
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = null;
    for (const subscription of this.jobSubscriptions) subscription.close();
    this.jobSubscriptions = [];
    this.stopTicker?.();
    this.stopTicker = null;
  }

  status(): BenchStatus {
    const { muxAddress } = this.options;
    return deriveStatus({
      simulated: this.options.simulated,
      muxAddress: typeof muxAddress === 'function' ? muxAddress() : muxAddress,
      registry: this.options.registry,
      libraryHint: this.libraryHint,
    });
  }

  private jobs(): HostJobs {
    if (this.options.jobs) return this.options.jobs;
    throw new HostRefusal(API_ERROR_CODES.ServiceUnavailable, 'This bench was started without bench actions.', 'Start Benchline with its record (the default), not in identify-only mode.');
  }

  private sync(): HostSync {
    if (this.options.sync) return this.options.sync;
    throw new HostRefusal(SYNC_ERROR_CODES.NoServer, 'This bench has no central server, not even the embedded one.', 'Start Benchline with --server URL (and --enrollment-code once), or without --no-server to use the embedded server.');
  }

  call<M extends Method>(method: M, params: Params<M>): Promise<Envelope<Result<M>>> {
    return this.request(method, params) as Promise<Envelope<Result<M>>>;
  }

  /** Validates a request from outside (any method name, any params) and answers it; never throws. */
  async request(method: unknown, params: unknown): Promise<Envelope<unknown>> {
    if (!isMethod(method)) return fail(API_ERROR_CODES.UnknownMethod, `Unknown method ${describeMethod(method)}`, BUG_HINT);
    const parsed = parseParams(method, params);
    if (!parsed.ok) return parsed;
    try {
      return ok(await this.dispatch(method, parsed.value));
    } catch (error) {
      return envelopeForError(error);
    }
  }

  subscribe(listener: (event: BenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private dispatch<M extends Method>(method: M, params: Params<M>): Result<M> | Promise<Result<M>> {
    // The mapped type pairs each method with its own handler; TypeScript cannot follow that through a generic index.
    const handler = this.handlers[method] as (params: Params<M>) => Result<M> | Promise<Result<M>>;
    return handler(params);
  }

  private onRegistryChange(change: RegistryChange): void {
    this.noteLibrary(libraryHintOf(change.record));
    const data: BenchEvent & { event: 'devices.changed' } = { event: 'devices.changed', data: { kind: change.kind, device: change.record } };
    if (change.previousId !== undefined) data.data.previousId = change.previousId;
    this.emit(data);
    this.checkStatus();
  }

  private noteLibrary(hint: string | null): void {
    // Sticky: the native layer caches a failed load for the life of the process, so the
    // library stays missing after the device that revealed it is unplugged.
    if (hint !== null && this.libraryHint === null) this.libraryHint = hint;
  }

  private checkStatus(): void {
    const status = this.status();
    if (sameStatus(status, this.lastStatus)) return;
    this.lastStatus = status;
    this.emit({ event: 'bench.status', data: status });
  }

  private emit(event: BenchEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        (this.options.onListenerError ?? ((e: unknown) => process.stderr.write(`benchline: an event listener failed: ${e instanceof Error ? e.message : String(e)}\n`)))(error);
      }
    }
  }
}
