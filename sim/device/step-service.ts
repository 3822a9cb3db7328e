/**
 * The machinery every simulated device service shares (MCInstall,
 * mobileactivation, diagnostics_relay): one request at a time per
 * connection, each request a named step that is counted, may be faulted
 * (drop, delay, garbage, error, unplug, hang) and takes its configured
 * duration before the reply. The services themselves only say what a step
 * does and what their error reply looks like.
 */
import type { Duplex } from 'node:stream';
import type { PlistDict } from '../../core/devices/identity.js';
import { toBinaryPlist } from '../../native/plist/codec.js';
import type { SimDevice } from './device.js';
import type { FaultTarget } from './faults.js';
import { encodeLockdownFrame, encodeLockdownPlist } from './framing.js';
import { GARBAGE } from './garbage.js';
import { parseRequestPlist } from './plist-wire.js';
import { serveFramedRequests, type SimService } from './services.js';

/** What a step handler sees of its connection. */
export interface StepContext<S> {
  readonly device: SimDevice;
  /** This connection's own state (MCInstall's escalation lives here, not on the device). */
  readonly session: S;
  /** Runs once the reply has been handed to the socket: what happens to the device after it answered (erase, restart). */
  afterReply(action: () => void): void;
  /** Runs once the client has hung up (diagnostics' WaitForDisconnect). */
  onDisconnect(action: () => void): void;
  /** The device closes the connection once this reply is out (diagnostics' Goodbye). */
  hangUpAfterReply(): void;
}

/** A reply, or null to hang up without one. */
export type StepReply = PlistDict | null;

export interface StepServiceOptions<S> {
  /** Lockdown service name, e.g. "com.apple.mobile.MCInstall". */
  name: string;
  /** Name faults use for it. */
  target: FaultTarget;
  ssl: boolean;
  /** The request key that names the step: RequestType, Command or Request. */
  stepKey: string;
  /** Replies as binary plists (mobileactivationd) rather than XML. */
  binaryReplies?: boolean;
  newSession(device: SimDevice): S;
  handle(request: PlistDict, step: string, context: StepContext<S>): StepReply | Promise<StepReply>;
  /** A well-formed failure of `step`, for `error` faults. */
  errorReply(step: string): PlistDict;
}

/** The global setTimeout (not timers/promises), so tests can run a step's time on fake timers. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Serves `options` over one connection; see the module comment for what happens around each step. */
function serveConnection<S>(options: StepServiceOptions<S>, stream: Duplex, device: SimDevice, trace: ((line: string) => void) | undefined): void {
  const disconnectActions: (() => void)[] = [];
  let hung = false;
  const context: StepContext<S> = {
    device,
    session: options.newSession(device),
    afterReply: () => {
      throw new Error('afterReply outside a step');
    },
    onDisconnect: (action) => disconnectActions.push(action),
    hangUpAfterReply: () => {
      throw new Error('hangUpAfterReply outside a step');
    },
  };
  const gone = () => stream.destroyed || stream.writableEnded;
  const encode = (reply: PlistDict) => (options.binaryReplies ? encodeLockdownFrame(toBinaryPlist(reply)) : encodeLockdownPlist(reply));

  stream.once('close', () => {
    for (const action of disconnectActions.splice(0)) action();
  });

  async function step(body: Buffer): Promise<void> {
    if (hung || gone()) return;
    let request: PlistDict;
    try {
      request = parseRequestPlist(body);
    } catch {
      stream.destroy();
      return;
    }
    const name = typeof request[options.stepKey] === 'string' ? (request[options.stepKey] as string) : '';
    device.management.count(name);
    const fault = device.faults.take(name, options.target);
    trace?.(`${device.udid} ${options.target} ${name}${fault ? ` [fault ${fault.kind}${fault.kind === 'unplug' ? ` ${fault.phase}` : ''}]` : ''}`);
    if (fault?.kind === 'drop') return void stream.destroy();
    if (fault?.kind === 'hang') {
      // Never answer this nor anything after it; the client's timeout ends the connection.
      hung = true;
      return;
    }
    if (fault?.kind === 'unplug' && fault.phase !== 'after') return void device.detach();
    if (fault?.kind === 'delay') await sleep(fault.delayMs);
    const duration = device.lifecycle.durationOf(name);
    if (duration > 0) await sleep(duration);
    if (gone()) return;
    if (fault?.kind === 'garbage') return void stream.write(encodeLockdownFrame(GARBAGE));
    if (fault?.kind === 'error') return void stream.write(encode(options.errorReply(name)));

    const after: (() => void)[] = [];
    const reply = await options.handle(request, name, { ...context, afterReply: (action) => after.push(action), hangUpAfterReply: () => after.push(() => stream.end()) });
    if (fault?.kind === 'unplug') after.push(() => device.detach());
    if (gone()) {
      for (const action of after) action();
      return;
    }
    if (reply === null) {
      stream.end();
      for (const action of after) action();
      return;
    }
    stream.write(encode(reply), () => {
      // A turn later, so the reply is on its way before an action cuts the connection.
      if (after.length > 0) setImmediate(() => after.forEach((action) => action()));
    });
  }

  serveFramedRequests(stream, step);
}

export function createStepService<S>(options: StepServiceOptions<S>): SimService {
  return {
    name: options.name,
    ssl: options.ssl,
    serve: (stream, device, trace) => serveConnection(options, stream, device, trace),
  };
}
