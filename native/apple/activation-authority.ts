/**
 * An activation server reached over HTTP the way Apple's albert is: POST the
 * device's ActivationInfo as the form field `activation-info` (an XML plist),
 * get back an XML plist `{ActivationRecord: …}`. Pointed at the simulator's
 * control server (`<control>/albert/deviceActivation`) it activates
 * simulated devices; every failure is a DeviceError a technician can act on.
 */
import { DeviceError } from '../../core/devices/errors.js';
import type { PlistDict } from '../../core/devices/identity.js';
import type { ActivationAuthority } from '../../core/devices/services.js';
import { isDict, parsePlist, toXmlPlist } from '../plist/codec.js';

const DEFAULT_TIMEOUT_MS = 30_000;

/** The activation server could not be reached (down, wrong address, no network, too slow). */
export class ActivationServerUnreachableError extends DeviceError {
  constructor(
    readonly url: string,
    cause: string,
  ) {
    super(`Cannot reach the activation server at ${url}: ${cause}`, 'ActivationServerUnreachable', `Check the bench's network connection and that the activation server at ${url} is running, then retry.`);
  }
}

/** The server answered, but not with an activation record. */
export class ActivationServerResponseError extends DeviceError {
  constructor(
    readonly url: string,
    message: string,
    readonly status: number,
  ) {
    super(`The activation server at ${url} ${message}`, status >= 400 && status < 500 ? 'ActivationRejected' : 'ActivationServerInvalidResponse', status >= 400 && status < 500
      ? 'The activation server refused this device. Erase it and try again; if it persists, check it is not locked to another account.'
      : 'The activation server sent an answer that is not an activation record. Retry later; if it persists, check the server address.');
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer in time';
    const cause = (error as { cause?: unknown }).cause;
    const code = cause !== null && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : null;
    return code ?? (cause instanceof Error ? cause.message : error.message);
  }
  return String(error);
}

export class HttpActivationAuthority implements ActivationAuthority {
  /** `url`: the deviceActivation endpoint, e.g. `${simControlUrl}/albert/deviceActivation`. */
  constructor(
    readonly url: string,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {}

  async requestActivationRecord(_udid: string, activationInfo: PlistDict): Promise<PlistDict> {
    const form = new URLSearchParams({ 'activation-info': toXmlPlist(activationInfo).toString('utf8') });
    let response: Response;
    let body: Buffer;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        body: form,
        headers: { accept: 'application/xml', 'user-agent': 'Benchline (iOS Device Activator)' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new ActivationServerUnreachableError(this.url, describe(error));
    }
    if (!response.ok) {
      const reason = body.toString('utf8').trim().slice(0, 300);
      throw new ActivationServerResponseError(this.url, `answered HTTP ${response.status}${reason ? `: ${reason}` : ''}`, response.status);
    }
    let parsed;
    try {
      parsed = parsePlist(body);
    } catch {
      throw new ActivationServerResponseError(this.url, 'answered something that is not a property list', response.status);
    }
    const record = isDict(parsed) ? parsed.ActivationRecord : undefined;
    if (!isDict(record)) throw new ActivationServerResponseError(this.url, 'answered without an ActivationRecord', response.status);
    return record;
  }
}
