/**
 * com.apple.mobileactivationd: activation state and activation. Implements
 * core's ActivationService.
 *
 * A connection per command, as the daemon expects no conversation: the
 * authority's round trip (Apple's albert service) between creating the
 * activation info and handing over the record can take seconds, and no device
 * connection is held open while it runs.
 */
import type { PlistDict, PlistValue } from '../../core/devices/identity.js';
import type { ActivationAuthority, ActivationService, ActivationState } from '../../core/devices/services.js';
import { ActivationError, ProtocolError } from '../../core/devices/errors.js';
import { isDict } from '../plist/codec.js';
import { DEFAULT_SERVICE_TIMEOUT_MS, type ServiceCallOptions, type ServiceOpener } from './service-connection.js';

export const MOBILEACTIVATION_SERVICE = 'com.apple.mobileactivationd';

/** The reply's Value when the daemon did not answer with an Error. */
export function checkActivationReply(command: string, reply: PlistDict): PlistValue | undefined {
  if (reply.Error !== undefined) {
    const said = typeof reply.Error === 'string' ? reply.Error : JSON.stringify(reply.Error, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    throw new ActivationError(command, said);
  }
  return reply.Value;
}

export interface ActivationOptions {
  /** Default wait for each reply (30 s). */
  timeoutMs?: number;
}

export class MobileActivationService implements ActivationService {
  constructor(
    private readonly opener: ServiceOpener,
    private readonly options: ActivationOptions = {},
  ) {}

  /** Sends one command (binary plist, as mobileactivationd expects) on a connection of its own. */
  private async command(udid: string, command: string, value: PlistDict | null, options: ServiceCallOptions): Promise<PlistValue | undefined> {
    const channel = await this.opener.openService(udid, MOBILEACTIVATION_SERVICE);
    try {
      const message: PlistDict = value === null ? { Command: command } : { Command: command, Value: value };
      return checkActivationReply(command, await channel.request(message, 'binary', options.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS, command));
    } finally {
      await channel.close();
    }
  }

  async getActivationState(udid: string, options: ServiceCallOptions = {}): Promise<ActivationState> {
    const state = await this.command(udid, 'GetActivationStateRequest', null, options);
    if (typeof state !== 'string') throw new ProtocolError('GetActivationStateRequest: the reply has no activation state');
    return state;
  }

  async activate(udid: string, authority: ActivationAuthority, options: ServiceCallOptions = {}): Promise<void> {
    const info = await this.command(udid, 'CreateActivationInfoRequest', null, options);
    if (!isDict(info)) throw new ProtocolError('CreateActivationInfoRequest: the reply has no activation info');
    const record = await authority.requestActivationRecord(udid, info);
    await this.command(udid, 'HandleActivationInfoRequest', record, options);
  }
}
