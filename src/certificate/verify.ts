import { ConfigurationError, type CertificateRejectionCode } from '../errors.js';
import { DEFAULT_ALGORITHM_POLICY, type AlgorithmPolicy } from './algorithms.js';
import { TrustAnchors } from './anchors.js';
import { ClientCertificate, type CertificateInput } from './certificate.js';
import { buildPath, type Purpose, type ValidPath } from './path.js';
import { profileOf } from './profile.js';
import { resolveRevocation, type RevocationOptions, type RevocationPolicy } from './revocation/policy.js';
import type { RevocationChecker } from './revocation/types.js';

export type { Purpose };

/** Options of {@link verifyCertificateChain}. */
export interface VerifyChainOptions {
  /** The trust anchors (RFC 5280 section 6.1.1 d): certificates, or a loaded {@link TrustAnchors}. */
  trustAnchors: TrustAnchors | readonly CertificateInput[];
  /** Untrusted certificates path building may use (the TLS chain, a proxy header, configured ones). */
  intermediates?: readonly CertificateInput[];
  /** Validation time (RFC 5280 section 6.1.1 b). @default now */
  at?: Date;
  /** Seconds of clock skew tolerated on `notBefore`/`notAfter`. @default 0 */
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
}

/**
 * The outcome of path validation. When valid, `chain` runs from the leaf through the
 * intermediates actually used (the anchor excluded, unless the leaf is itself the anchor), and
 * `anchor` is the trust anchor the path ends at.
 */
export type ChainVerdict =
  | { readonly valid: true; readonly chain: readonly ClientCertificate[]; readonly anchor: ClientCertificate }
  | { readonly valid: false; readonly code: CertificateRejectionCode; readonly message: string };

/** Path-independent settings, validated once. */
export interface VerifySettings {
  readonly tolerance: number;
  readonly purpose: Purpose;
  readonly algorithms: AlgorithmPolicy;
  readonly maxIntermediates: number;
  readonly revocation: RevocationPolicy | undefined;
}

/** A verdict and the time (epoch ms) after which it must be recomputed. */
export interface Verification {
  readonly verdict: ChainVerdict;
  readonly expiresAt: number;
}

/**
 * Validates the options shared by {@link verifyCertificateChain} and the validator.
 * @throws {ConfigurationError} naming the option, prefixed with `path`.
 */
export function resolveSettings(
  options: Pick<VerifyChainOptions, 'clockTolerance' | 'purpose' | 'algorithms' | 'maxIntermediates' | 'revocation'>,
  path = '',
): VerifySettings {
  const name = (option: string): string => `${path}${option}`;
  const tolerance = options.clockTolerance ?? 0;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new ConfigurationError(`${name('clockTolerance')} must be a non-negative number of seconds`);
  }
  const purpose = options.purpose ?? 'clientAuth';
  if (purpose !== 'clientAuth' && purpose !== 'any') {
    throw new ConfigurationError(`${name('purpose')} must be 'clientAuth' or 'any'`);
  }
  const algorithms = { ...DEFAULT_ALGORITHM_POLICY, ...options.algorithms };
  if (typeof algorithms.allowSha1 !== 'boolean') throw new ConfigurationError(`${name('algorithms.allowSha1')} must be a boolean`);
  if (!Number.isInteger(algorithms.minRsaBits) || algorithms.minRsaBits < 1024) {
    throw new ConfigurationError(`${name('algorithms.minRsaBits')} must be an integer of at least 1024`);
  }
  const maxIntermediates = options.maxIntermediates ?? 8;
  if (!Number.isInteger(maxIntermediates) || maxIntermediates < 0 || maxIntermediates > 32) {
    throw new ConfigurationError(`${name('maxIntermediates')} must be an integer from 0 to 32`);
  }
  const frozen = Object.freeze(algorithms);
  return Object.freeze({
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

/**
 * Runs path building, validation and revocation with settled options; never throws for a bad
 * certificate. Used by {@link verifyCertificateChain} and by the caching validator.
 */
export async function runVerification(
  leafInput: CertificateInput,
  intermediateInputs: readonly CertificateInput[],
  anchors: TrustAnchors,
  settings: VerifySettings,
  at: number,
  allowedAnchors?: ReadonlySet<string>,
): Promise<Verification> {
  const refuse = (code: CertificateRejectionCode, message: string, expiresAt = at + 60_000): Verification => ({
    verdict: { valid: false, code, message },
    expiresAt,
  });
  let leaf: ClientCertificate;
  try {
    leaf = ClientCertificate.from(leafInput);
    profileOf(leaf);
  } catch (cause) {
    return refuse('ERR_MTLS_CERT_MALFORMED', (cause as Error).message);
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
  let path: ValidPath | { code: CertificateRejectionCode; message: string };
  try {
    path = buildPath(leaf, {
      anchors,
      intermediates,
      time: at,
      tolerance: settings.tolerance,
      purpose: settings.purpose,
      algorithms: settings.algorithms,
      maxIntermediates: settings.maxIntermediates,
      ...(allowedAnchors ? { allowedAnchors } : {}),
    });
  } catch (cause) {
    return refuse('ERR_MTLS_CERT_MALFORMED', `a certificate in the chain could not be decoded: ${(cause as Error).message}`);
  }
  if (!('chain' in path)) return refuse(path.code, path.message);
  let expiresAt = Math.min(...[...path.chain, path.anchor].map((c) => profileOf(c).notAfter + settings.tolerance));
  if (settings.revocation) {
    const revocation = await settings.revocation.check(path, at);
    if (!revocation.ok) return refuse(revocation.code, revocation.message, Math.min(expiresAt, revocation.until));
    expiresAt = Math.min(expiresAt, revocation.until);
  }
  return { verdict: { valid: true, chain: path.chain, anchor: path.anchor }, expiresAt };
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
  const anchors = options.trustAnchors instanceof TrustAnchors ? options.trustAnchors : TrustAnchors.from(options.trustAnchors ?? []);
  const settings = resolveSettings(options);
  const at = options.at ?? new Date();
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new ConfigurationError('at must be a valid Date');
  const intermediates = options.intermediates ?? [];
  if (!Array.isArray(intermediates)) throw new ConfigurationError('intermediates must be an array of certificates');
  const pins = resolvePins(options.allowedAnchors, 'allowedAnchors');
  return (await runVerification(leaf, intermediates, anchors, settings, at.getTime(), pins)).verdict;
}
