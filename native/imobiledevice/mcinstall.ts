/**
 * com.apple.mobile.MCInstall: profiles, cloud configuration, supervision
 * escalation and erase. Implements core's ManagementService.
 *
 * One request and its reply at a time per connection: MCInstall answers in
 * order and has no request ids, so two requests in flight could not be told
 * apart. Escalation raises the privilege of the connection it ran on, which is
 * why a connection is an object a workflow keeps, not a call per request.
 */
import type { PlistDict } from '../../core/devices/identity.js';
import type {
  CloudConfiguration,
  EraseOptions,
  InstalledProfile,
  ManagementConnection,
  ManagementService,
  SupervisionIdentity,
} from '../../core/devices/services.js';
import { ManagementError, OutcomeUnknown, ServiceConnectionLost } from '../../core/devices/errors.js';
import {
  challengeFrom,
  checkManagementReply,
  eraseRequest,
  escalateRequest,
  MCINSTALL_SERVICE,
  parseCloudConfiguration,
  parseProfileList,
  removeProfileRequest,
  request,
  setCloudConfigurationRequest,
} from './mcinstall-protocol.js';
import { DEFAULT_SERVICE_TIMEOUT_MS, type ServiceCallOptions, type ServiceChannel, type ServiceOpener } from './service-connection.js';

export interface ManagementOptions {
  /** Default wait for each reply (30 s). */
  timeoutMs?: number;
}

export class McInstallConnection implements ManagementConnection {
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly channel: ServiceChannel,
    private readonly timeoutMs = DEFAULT_SERVICE_TIMEOUT_MS,
  ) {}

  get udid(): string {
    return this.channel.udid;
  }

  /** Runs one exchange (or a sequence that belongs together) after the ones before it. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(() => {
      if (this.closed) throw new ServiceConnectionLost(MCINSTALL_SERVICE, 'the connection was closed');
      return task();
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async exchange(message: PlistDict, options: ServiceCallOptions): Promise<PlistDict> {
    const type = String(message.RequestType);
    return checkManagementReply(type, await this.channel.request(message, 'xml', options.timeoutMs ?? this.timeoutMs, type));
  }

  private call(message: PlistDict, options: ServiceCallOptions = {}): Promise<PlistDict> {
    return this.serial(() => this.exchange(message, options));
  }

  async hello(options?: ServiceCallOptions): Promise<void> {
    await this.call(request('HelloHostIdentifier'), options);
  }

  async getProfileList(options?: ServiceCallOptions): Promise<InstalledProfile[]> {
    return parseProfileList(await this.call(request('GetProfileList'), options));
  }

  async installProfile(payload: Uint8Array, options?: ServiceCallOptions): Promise<void> {
    await this.call(request('InstallProfile', { Payload: Buffer.from(payload) }), options);
  }

  async removeProfile(profile: Pick<InstalledProfile, 'identifier' | 'uuid' | 'version'>, options?: ServiceCallOptions): Promise<void> {
    await this.call(removeProfileRequest(profile), options);
  }

  async getCloudConfiguration(options?: ServiceCallOptions): Promise<CloudConfiguration | null> {
    return parseCloudConfiguration(await this.call(request('GetCloudConfiguration'), options));
  }

  async setCloudConfiguration(configuration: CloudConfiguration, options?: ServiceCallOptions): Promise<void> {
    await this.call(setCloudConfigurationRequest(configuration), options);
  }

  /** Escalate → Challenge → EscalateResponse{SignedRequest} → ProceedWithKeybagMigration, with nothing in between. */
  escalate(identity: SupervisionIdentity, options: ServiceCallOptions = {}): Promise<void> {
    return this.serial(async () => {
      const challenge = challengeFrom(await this.exchange(escalateRequest(identity.certificateDer), options));
      const signed = identity.signChallenge(challenge);
      await this.exchange(request('EscalateResponse', { SignedRequest: Buffer.from(signed) }), options);
      await this.exchange(request('ProceedWithKeybagMigration'), options);
    });
  }

  /**
   * Acknowledged is success, and the device then drops the connection as it
   * resets. Anything short of an answer after the request went out (a drop, a
   * timeout, garbage) is OutcomeUnknown: the device may be erasing already.
   * A refusal (ErrorChain, NotNow) is a ManagementError: nothing happened.
   */
  eraseDevice(options: EraseOptions, callOptions: ServiceCallOptions = {}): Promise<void> {
    return this.serial(async () => {
      try {
        await this.exchange(eraseRequest(options), callOptions);
      } catch (error) {
        // A refusal, or a channel already unusable so that nothing went out: the outcome is known.
        if (error instanceof ManagementError || (error instanceof ServiceConnectionLost && error.unsent)) throw error;
        const detail = error instanceof Error ? error.message : String(error);
        throw new OutcomeUnknown('EraseDevice', `no acknowledgement (${detail})`);
      }
      // The device resets now; the connection is of no further use.
      await this.channel.close();
    });
  }

  /** Waits for the requests already made, then closes; requests made later are refused. */
  close(): Promise<void> {
    this.closing ??= this.tail.then(() => {
      this.closed = true;
      return this.channel.close();
    });
    this.tail = this.closing;
    return this.closing;
  }
}

export class McInstallService implements ManagementService {
  constructor(
    private readonly opener: ServiceOpener,
    private readonly options: ManagementOptions = {},
  ) {}

  async open(udid: string): Promise<McInstallConnection> {
    return new McInstallConnection(await this.opener.openService(udid, MCINSTALL_SERVICE), this.options.timeoutMs);
  }
}
