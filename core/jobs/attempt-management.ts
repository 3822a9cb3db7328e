/** One step attempt's MCInstall connection, shared by its check, action and confirmation. */
import { ManagementError } from '../devices/errors.js';
import type { DeviceServices, ManagementConnection } from '../devices/services.js';
import { WaitAbortedError, type DevicePresence } from './presence.js';

interface OpenedManagement {
  /** The device's departure count when the connection was opened. */
  departures: number;
  /** The service's own connection. */
  opened: Promise<ManagementConnection>;
  /** The connection as steps get it: opened, greeted and wrapped (see AttemptManagement.wrap). */
  ready: Promise<ManagementConnection>;
  dropped: boolean;
}

/**
 * One step attempt's MCInstall connection (StepContext.management): opened on
 * first use, greeted once and shared by the attempt's check, its action and
 * its confirmation, since every open costs a TLS handshake (about 100 ms in
 * libimobiledevice 1.3.0). It is dropped — closed, so that the next call
 * opens another — when the device has left since it was opened (an erase or
 * restart ends the connection on the device's side), when a call on it fails
 * other than by the device's refusal (a lost connection, a timeout, garbage:
 * the channel is unusable or out of step), after EraseDevice, and when the
 * attempt ends. close() waits for a call still in flight, so closing the
 * connection of an attempt abandoned after a timeout is safe.
 */
export class AttemptManagement {
  private current: OpenedManagement | null = null;
  private ended = false;

  constructor(
    private readonly services: DeviceServices,
    private readonly presence: DevicePresence,
    private readonly udid: string,
  ) {}

  get(): Promise<ManagementConnection> {
    if (this.ended) return Promise.reject(new WaitAbortedError());
    const departures = this.presence.departures(this.udid);
    if (this.current && this.current.departures !== departures) this.drop(this.current);
    this.current ??= this.open(departures);
    return this.current.ready;
  }

  /** The attempt is over: close its connection (after a call still in flight) and open no other. */
  end(): void {
    this.ended = true;
    if (this.current) this.drop(this.current);
  }

  private open(departures: number): OpenedManagement {
    const opened = this.services.management.open(this.udid);
    const entry: OpenedManagement = { departures, opened, ready: opened, dropped: false };
    entry.ready = opened.then(async (connection) => {
      if (this.ended) throw new WaitAbortedError();
      const wrapped = this.wrap(entry, connection);
      await wrapped.hello();
      return wrapped;
    });
    entry.ready.catch(() => this.drop(entry));
    return entry;
  }

  private drop(entry: OpenedManagement): void {
    if (this.current === entry) this.current = null;
    if (entry.dropped) return;
    entry.dropped = true;
    entry.opened.then((connection) => connection.close()).catch(() => undefined);
  }

  /** The connection with failures noticed: a refusal (ManagementError) came over a working connection; anything else drops it. */
  private wrap(entry: OpenedManagement, connection: ManagementConnection): ManagementConnection {
    const guard = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof ManagementError)) this.drop(entry);
        throw error;
      }
    };
    return {
      hello: () => guard(() => connection.hello()),
      getProfileList: () => guard(() => connection.getProfileList()),
      installProfile: (payload) => guard(() => connection.installProfile(payload)),
      removeProfile: (profile) => guard(() => connection.removeProfile(profile)),
      getCloudConfiguration: () => guard(() => connection.getCloudConfiguration()),
      setCloudConfiguration: (configuration) => guard(() => connection.setCloudConfiguration(configuration)),
      escalate: (identity) => guard(() => connection.escalate(identity)),
      // Acknowledged or not, the device resets or the channel is spent: never reused.
      eraseDevice: (options) => guard(() => connection.eraseDevice(options)).finally(() => this.drop(entry)),
      close: () => {
        this.drop(entry);
        return Promise.resolve();
      },
    };
  }
}
