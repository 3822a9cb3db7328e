/** `bench.hello`: the handshake in which a UI and the host check they speak the same contract. */
import { CONTRACT_VERSION, type Params, type Result } from '../contract/api.js';
import { API_ERROR_CODES } from '../contract/errors.js';
import { HostRefusal } from './envelopes.js';

export function answerHello(params: Params<'bench.hello'>, benchName: string, hostVersion: number = CONTRACT_VERSION): Result<'bench.hello'> {
  const uiVersion = params.contractVersion;
  if (uiVersion !== hostVersion) {
    // Versions are majors: any difference means the two may misread each other, so refuse
    // outright and say which side to update rather than show half-understood data.
    throw new HostRefusal(
      API_ERROR_CODES.ContractMismatch,
      `This window speaks Benchline contract version ${uiVersion}; the bench host speaks version ${hostVersion}.`,
      uiVersion < hostVersion
        ? 'The app in this window is older than the bench host: reload the page (or rebuild the app with "npm run build").'
        : 'The bench host is older than this app: update Benchline on the bench machine and restart it.',
    );
  }
  return { contractVersion: hostVersion, benchName };
}
