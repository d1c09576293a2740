import { ConfigurationError, type CertificateRejectionCode } from '../errors.js';
import { DEFAULT_ALGORITHM_POLICY, type AlgorithmPolicy } from './algorithms.js';
import { TrustAnchors } from './anchors.js';
import { ClientCertificate, type CertificateInput } from './certificate.js';
import { buildPath, type Failure, type PathContext, type Purpose, type ValidPath } from './path.js';
import { resolvePolicySettings, type PolicyOptions, type PolicySettings } from './policies.js';
import { profileOf } from './profile.js';
import { resolveRevocation, type RevocationOptions, type RevocationPolicy } from './revocation/policy.js';
import type { RevocationChecker } from './revocation/types.js';
import { booleanOption, choiceOption, numberOption, onlyKnownKeys, optionsObject, secondsOption } from '../util/options.js';

/**
 * The default skew on certificate and revocation dates: none. RFC 5280 checks a certificate's
 * validity at the validation time itself, and a tolerance would let a certificate expired a moment
 * ago authenticate; deployments whose clocks drift set `clockTolerance`. Tokens and proofs, which
 * the host checks with its 15 s, keep that default at the resource server.
 */
export const CERTIFICATE_CLOCK_TOLERANCE = 0;

export type { Purpose };

/** Options of {@link verifyCertificateChain}. */
export interface VerifyChainOptions {
  /** The trust anchors (RFC 5280 section 6.1.1 d): certificates, or a loaded {@link TrustAnchors}. */
  trustAnchors: TrustAnchors | readonly CertificateInput[];
  /** Untrusted certificates path building may use (the TLS chain, a proxy header, configured ones). */
  intermediates?: readonly CertificateInput[];
  /** Validation time (RFC 5280 section 6.1.1 b). @default now */
  at?: Date;
  /**
   * Seconds of clock skew tolerated on `notBefore`/`notAfter` (and OCSP/CRL dates).
   * @default 0: RFC 5280 section 6.1.3 (a)(2) checks validity at the validation time itself
   */
  clockTolerance?: number;
  /** Revocation checking (RFC 5280 section 6.3, RFC 6960). @default off */
  revocation?: RevocationChecker | RevocationOptions;
  /**
   * `clientAuth`: the leaf must be usable for TLS client authentication (keyUsage, and
   * extendedKeyUsage `id-kp-clientAuth` when present, also in the CAs above it). `any`: path only.
   * @default 'clientAuth'
   */
  purpose?: Purpose;
  /** Weak algorithm policy. @default { allowSha1: false, minRsaBits: 2048 } */
  algorithms?: Partial<AlgorithmPolicy>;
  /** Most intermediate CAs between leaf and anchor, not counting self-issued ones. @default 8 */
  maxIntermediates?: number;
  /**
   * Base64url SHA-256 digests of the SubjectPublicKeyInfo of the anchors this chain may end at
   * (per-client pinning by key, not name). @default every anchor
   */
  allowedAnchors?: readonly string[];
  /**
   * Certificate policy processing inputs (RFC 5280 section 6.1.1 c, e, f, g); a path that fails
   * them is refused with `ERR_MTLS_POLICY`.
   * @default any policy, no explicit policy required, mapping and anyPolicy allowed
   */
  policies?: PolicyOptions;
  /**
   * Refuse a CA certificate whose basicConstraints is not marked critical. RFC 5280 4.2.1.9 asks
   * CAs to mark it critical, but path validation (6.1.4 k) reads only its presence and `cA`.
   * @default false
   */
  requireCriticalBasicConstraints?: boolean;
  /**
   * Refuse a path whose trust anchor is outside its own validity period. Stricter than RFC 5280
   * 6.1.1 (d), which trusts an anchor for its name and key whatever the dates of the certificate
   * that carries them (`false`): an expired root stops authenticating clients, as it does in
   * OpenSSL and the proxies in front of the provider, instead of trusting on unnoticed.
   * @default true
   */
  checkAnchorValidity?: boolean;
}

/** A valid path: leaf first, without the anchor unless the leaf is itself an anchor. */
export interface ValidChain {
  readonly chain: readonly ClientCertificate[];
  /** The trust anchor the path ends at. */
  readonly anchor: ClientCertificate;
  /**
   * The user-constrained policy set (RFC 5280 6.1.6), in the anchor's policy domain: the policies
   * the path is valid for, `['2.5.29.32.0']` (anyPolicy alone) when it is valid for every policy,
   * empty when the path asserts no common policy.
   */
  readonly policies: readonly string[];
}

/**
 * The outcome of path validation. When valid, `chain` runs from the leaf through the
 * intermediates actually used (the anchor excluded, unless the leaf is itself the anchor), and
 * `anchor` is the trust anchor the path ends at.
 */
export type ChainVerdict =
  | (ValidChain & {
    readonly valid: true;
    /**
     * Valid paths from the same leaf to other anchors (cross-signed CAs), when asked for with
     * the validator's `alternatives`: what per-client anchor pins choose from.
     */
    readonly alternatives?: readonly ValidChain[];
  })
  | { readonly valid: false; readonly code: CertificateRejectionCode; readonly message: string };

/** The options of {@link VerifyChainOptions} that hold for every call. */
type VerifySettingsOptions = Pick<VerifyChainOptions, 'clockTolerance' | 'purpose' | 'algorithms' | 'maxIntermediates' | 'revocation' | 'policies'
  | 'requireCriticalBasicConstraints' | 'checkAnchorValidity'>;

/** The options {@link resolveSettings} reads: every key of {@link VerifyChainOptions} but the inputs of one call. */
export const SETTINGS_KEYS: readonly (keyof VerifyChainOptions & keyof VerifySettingsOptions)[] = [
  'clockTolerance', 'purpose', 'algorithms', 'maxIntermediates', 'revocation', 'policies', 'requireCriticalBasicConstraints', 'checkAnchorValidity',
];

/** Path-independent settings, validated once. */
interface VerifySettings {
  readonly tolerance: number;
  readonly purpose: Purpose;
  readonly algorithms: AlgorithmPolicy;
  readonly maxIntermediates: number;
  readonly revocation: RevocationPolicy | undefined;
  readonly policies: PolicySettings;
  readonly requireCriticalBasicConstraints: boolean;
  readonly checkAnchorValidity: boolean;
}

/** A verdict and the time (epoch ms) after which it must be recomputed. */
interface Verification {
  readonly verdict: ChainVerdict;
  readonly expiresAt: number;
}

/**
 * Validates the options shared by {@link verifyCertificateChain} and the validator.
 * @throws {ConfigurationError} naming the option, prefixed with `path`.
 */
export function resolveSettings(
  options: VerifySettingsOptions,
  path = '',
): VerifySettings {
  const name = (option: string): string => `${path}${option}`;
  const tolerance = secondsOption(options.clockTolerance, CERTIFICATE_CLOCK_TOLERANCE, name('clockTolerance'));
  const purpose = choiceOption(options.purpose, 'clientAuth', ['clientAuth', 'any'] as const, name('purpose'));
  if (options.algorithms !== undefined) onlyKnownKeys(optionsObject(options.algorithms, name('algorithms')), Object.keys(DEFAULT_ALGORITHM_POLICY), name('algorithms'));
  const algorithms = { ...DEFAULT_ALGORITHM_POLICY, ...options.algorithms };
  booleanOption(algorithms.allowSha1, false, name('algorithms.allowSha1'));
  numberOption(algorithms.minRsaBits, 2048, name('algorithms.minRsaBits'), { min: 1024, integer: true });
  const maxIntermediates = numberOption(options.maxIntermediates, 8, name('maxIntermediates'), { max: 32, integer: true });
  const frozen = Object.freeze(algorithms);
  return Object.freeze({
    policies: resolvePolicySettings(options.policies, name('policies')),
    requireCriticalBasicConstraints: booleanOption(options.requireCriticalBasicConstraints, false, name('requireCriticalBasicConstraints')),
    checkAnchorValidity: booleanOption(options.checkAnchorValidity, true, name('checkAnchorValidity')),
    tolerance: tolerance * 1000,
    purpose,
    algorithms: frozen,
    maxIntermediates,
    revocation: resolveRevocation(options.revocation, name('revocation'), { tolerance: tolerance * 1000, algorithms: frozen }),
  });
}

/** Resolves allowed-anchor pins into a set, validating their shape. */
export function resolvePins(pins: readonly string[] | undefined, path: string): ReadonlySet<string> | undefined {
  if (pins === undefined) return undefined;
  if (!Array.isArray(pins) || !pins.every((pin) => typeof pin === 'string' && /^[A-Za-z0-9_-]{43}$/.test(pin))) {
    throw new ConfigurationError(`${path} must be an array of base64url SHA-256 digests of SubjectPublicKeyInfo`);
  }
  return new Set(pins);
}

/** Most alternative paths (to other anchors) looked for besides the first: cross-signing rarely pairs more. */
const MAX_ALTERNATIVES = 4;

/**
 * Runs path building, validation and revocation with settled options; never throws for a bad
 * certificate. Used by {@link verifyCertificateChain} and by the caching validator. With
 * `alternatives`, valid paths to other anchors are looked for too (at most {@link MAX_ALTERNATIVES}).
 */
export async function runVerification(
  leafInput: CertificateInput,
  intermediateInputs: readonly CertificateInput[],
  anchors: TrustAnchors,
  settings: VerifySettings,
  at: number,
  allowedAnchors?: ReadonlySet<string>,
  alternatives = false,
): Promise<Verification> {
  let leaf: ClientCertificate;
  try {
    leaf = ClientCertificate.from(leafInput);
    profileOf(leaf);
  } catch (cause) {
    return refused('ERR_MTLS_CERT_MALFORMED', (cause as Error).message, at);
  }
  // Untrusted extras that do not even decode cannot be part of a path: leave them out.
  const intermediates: ClientCertificate[] = [];
  for (const input of intermediateInputs) {
    try {
      const certificate = ClientCertificate.from(input);
      profileOf(certificate);
      intermediates.push(certificate);
    } catch {
      // skipped on purpose
    }
  }
  const context: PathContext = {
    anchors,
    intermediates,
    time: at,
    tolerance: settings.tolerance,
    purpose: settings.purpose,
    algorithms: settings.algorithms,
    maxIntermediates: settings.maxIntermediates,
    policies: settings.policies,
    requireCriticalBasicConstraints: settings.requireCriticalBasicConstraints,
    checkAnchorValidity: settings.checkAnchorValidity,
    ...(allowedAnchors ? { allowedAnchors } : {}),
  };
  const first = await validateAndCheck(leaf, context, settings);
  if (!('path' in first)) return first;
  let { expiresAt } = first;
  const others: ValidChain[] = [];
  if (alternatives) {
    // Each round excludes the anchors already reached; signatures are cached per certificate
    // pair, so a round costs the checks of section 6.1, not new signature verifications.
    const reached = new Set([first.path.anchor.spkiSha256]);
    for (let round = 0; round < MAX_ALTERNATIVES; round += 1) {
      const remaining = new Set(anchors.certificates.map((anchor) => anchor.spkiSha256)
        .filter((pin) => !reached.has(pin) && (allowedAnchors === undefined || allowedAnchors.has(pin))));
      if (remaining.size === 0) break;
      const next = await validateAndCheck(leaf, { ...context, allowedAnchors: remaining }, settings);
      if (!('path' in next)) break;
      reached.add(next.path.anchor.spkiSha256);
      others.push(chainOf(next.path));
      expiresAt = Math.min(expiresAt, next.expiresAt);
    }
  }
  const verdict: ChainVerdict = { valid: true, ...chainOf(first.path), ...(others.length ? { alternatives: others } : {}) };
  return { verdict, expiresAt };
}

/** A refusal, recomputed a minute after `at` unless `expiresAt` says otherwise. */
function refused(code: CertificateRejectionCode, message: string, at: number, expiresAt = at + 60_000): Verification {
  return { verdict: { valid: false, code, message }, expiresAt };
}

interface ValidPathVerification {
  readonly path: ValidPath;
  readonly expiresAt: number;
}

function chainOf(path: ValidPath): ValidChain {
  return { chain: path.chain, anchor: path.anchor, policies: path.policies };
}

/** One path build, then revocation over it; a refusal, or the path and when its verdict expires. */
async function validateAndCheck(leaf: ClientCertificate, context: PathContext, settings: VerifySettings): Promise<Verification | ValidPathVerification> {
  let path: ValidPath | Failure;
  try {
    path = buildPath(leaf, context);
  } catch (cause) {
    return refused('ERR_MTLS_CERT_MALFORMED', `a certificate in the chain could not be decoded: ${(cause as Error).message}`, context.time);
  }
  if (!('chain' in path)) return refused(path.code, path.message, context.time);
  // An anchor whose validity is not checked does not bound the verdict's life either.
  const bounding = settings.checkAnchorValidity || path.chain.includes(path.anchor) ? [...path.chain, path.anchor] : path.chain;
  let expiresAt = Math.min(...bounding.map((c) => profileOf(c).notAfter + settings.tolerance));
  if (settings.revocation) {
    const revocation = await settings.revocation.check(path, context.time);
    if (!revocation.ok) return refused(revocation.code, revocation.message, context.time, Math.min(expiresAt, revocation.until));
    expiresAt = Math.min(expiresAt, revocation.until);
  }
  return { path, expiresAt };
}

/**
 * Validates `leaf` against the trust anchors (RFC 5280 section 6): path building through the
 * intermediates, signatures, validity, basic constraints, key usage, extended key usage, name
 * constraints, critical extensions, algorithm strength, and revocation when configured.
 * Resolves to a verdict; never rejects for a bad certificate.
 * @throws {ConfigurationError} only for bad options.
 */
export async function verifyCertificateChain(leaf: CertificateInput, options: VerifyChainOptions): Promise<ChainVerdict> {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('verifyCertificateChain() options must be an object');
  onlyKnownKeys(options, [...SETTINGS_KEYS, 'trustAnchors', 'intermediates', 'at', 'allowedAnchors'], '', 'verifyCertificateChain');
  const anchors = options.trustAnchors instanceof TrustAnchors ? options.trustAnchors : TrustAnchors.from(options.trustAnchors ?? []);
  const settings = resolveSettings(options);
  const at = options.at ?? new Date();
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new ConfigurationError('at must be a valid Date');
  const intermediates = options.intermediates ?? [];
  if (!Array.isArray(intermediates)) throw new ConfigurationError('intermediates must be an array of certificates');
  const pins = resolvePins(options.allowedAnchors, 'allowedAnchors');
  return (await runVerification(leaf, intermediates, anchors, settings, at.getTime(), pins)).verdict;
}
