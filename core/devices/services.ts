/**
 * Ports for the lockdown services the bench acts through: MCInstall
 * (profiles, supervision, cloud configuration, erase), mobileactivation and
 * diagnostics_relay. native/imobiledevice implements them over
 * libimobiledevice (one module per service); tests run those against the
 * simulator or use fakes. Every method may throw a DeviceError (see errors.ts).
 */
import type { PlistDict } from './identity.js';

/** One installed configuration profile, as GetProfileList reports it. */
export interface InstalledProfile {
  /** PayloadIdentifier, e.g. "com.example.mdm.enrollment". */
  identifier: string;
  uuid: string;
  version: number;
  displayName: string;
  description: string | null;
  removalDisallowed: boolean;
  isActive: boolean;
}

/**
 * The cloud configuration (what Setup Assistant applies: supervision, MDM
 * enrollment URL, skipped panes), in the device's own keys. Absent keys are
 * left out rather than defaulted, so a reader can tell "false" from "unset".
 */
export interface CloudConfiguration {
  IsSupervised?: boolean;
  AllowPairing?: boolean;
  OrganizationName?: string;
  /** The MDM enrollment URL. */
  ConfigurationURL?: string;
  SkipSetup?: string[];
  IsMandatory?: boolean;
  IsMDMUnremovable?: boolean;
  /** DER certificates of the organisation's supervision identity. */
  SupervisorHostCertificates?: Uint8Array[];
  ConfigurationSource?: number;
  [key: string]: unknown;
}

/** The organisation's supervision identity: proves to a supervised device that this host may manage it. */
export interface SupervisionIdentity {
  /** DER X.509 certificate, the one put into SupervisorHostCertificates. */
  certificateDer: Uint8Array;
  /** PKCS#7 (CMS SignedData, DER) over `challenge`, signed with the identity's private key. */
  signChallenge(challenge: Uint8Array): Uint8Array;
}

export interface EraseOptions {
  /** Keep the eSIM / cellular plan. */
  preserveDataPlan: boolean;
  /** Stop a nearby device from offering Quick Start during the next setup. */
  disallowProximitySetup: boolean;
}

/**
 * One MCInstall connection. Escalate raises the privilege of *this*
 * connection, so a workflow escalates and then acts on the same connection.
 */
export interface ManagementConnection {
  /** HelloHostIdentifier. */
  hello(): Promise<void>;
  getProfileList(): Promise<InstalledProfile[]>;
  /** `payload` is a .mobileconfig (plist or signed CMS). */
  installProfile(payload: Uint8Array): Promise<void>;
  removeProfile(profile: Pick<InstalledProfile, 'identifier' | 'uuid' | 'version'>): Promise<void>;
  /** null when the device has none. */
  getCloudConfiguration(): Promise<CloudConfiguration | null>;
  setCloudConfiguration(configuration: CloudConfiguration): Promise<void>;
  /** Escalate → Challenge → EscalateResponse(SignedRequest) → ProceedWithKeybagMigration. */
  escalate(identity: SupervisionIdentity): Promise<void>;
  /** Acknowledged, then the device resets and drops off USB: the connection is gone afterwards. */
  eraseDevice(options: EraseOptions): Promise<void>;
  close(): Promise<void>;
}

export interface ManagementService {
  /** Starts com.apple.mobile.MCInstall on the device (pairing must already exist). */
  open(udid: string): Promise<ManagementConnection>;
}

export type ActivationState = 'Unactivated' | 'Activated' | 'FactoryActivated' | 'SoftActivated' | 'MismatchedIMEI' | 'MismatchedICCID' | 'MissingSIM' | string;

/** Turns the device's activation info into an activation record: Apple's albert service, or a simulator of it. */
export interface ActivationAuthority {
  /** `activationInfo` is what CreateActivationInfoRequest returned; the result goes to HandleActivationInfoRequest. */
  requestActivationRecord(udid: string, activationInfo: PlistDict): Promise<PlistDict>;
}

export interface ActivationService {
  /** mobileactivation GetActivationStateRequest. */
  getActivationState(udid: string): Promise<ActivationState>;
  /** CreateActivationInfoRequest → authority → HandleActivationInfoRequest. */
  activate(udid: string, authority: ActivationAuthority): Promise<void>;
}

export interface DiagnosticsService {
  /** diagnostics_relay Restart with WaitForDisconnect: the device drops off and comes back. */
  restart(udid: string): Promise<void>;
  /** diagnostics_relay Shutdown: the device drops off and stays off. */
  shutdown(udid: string): Promise<void>;
}

/** Everything the job engine acts through, besides lockdown itself. */
export interface DeviceServices {
  management: ManagementService;
  activation: ActivationService;
  diagnostics: DiagnosticsService;
}
