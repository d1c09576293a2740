import { ConfigurationError, type CertificateRejectionCode } from '../../errors.js';
import type { AlgorithmPolicy } from '../algorithms.js';
import type { ClientCertificate } from '../certificate.js';
import { createNetworkChecker, type NetworkCheckerSettings } from './checker.js';
import { profileOf } from '../profile.js';
import type { RevocationChecker, RevocationEvent, RevocationMode, RevocationStatus } from './types.js';

/** Revocation settings of the validator (RFC 5280 section 6.3, RFC 6960). */
export interface RevocationOptions {
  /** What an unknown status does; a revoked certificate is refused unless `off`. @default 'hard-fail' */
  mode?: RevocationMode;
  /**
   * Per-anchor modes, keyed by the anchor's SPKI SHA-256 (base64url), overriding `mode` for
   * chains that end at that anchor (e.g. `off` for a private CA that publishes no CRL).
   * @default {}
   */
  anchors?: Readonly<Record<string, RevocationMode>>;
  /**
   * How statuses are obtained. @default the built-in checker: OCSP at the certificate's AIA
   * responders, then CRLs at its distribution points, configured by the options below.
   */
  checker?: RevocationChecker;
  /** Order of the built-in checker's sources. @default ['ocsp', 'crl'] */
  methods?: readonly ('ocsp' | 'crl')[];
  /** Milliseconds allowed for one OCSP or CRL fetch, connection to last byte. @default 5000 */
  timeout?: number;
  /** Largest OCSP response or CRL accepted, in bytes. @default 10485760 (10 MiB) */
  maxResponseBytes?: number;
  /** Seconds an OCSP response without `nextUpdate` stays usable (RFC 6960 section 4.2.2.1). @default 3600 */
  ocspMaxAge?: number;
  /**
   * Seconds after an OCSP response's `thisUpdate`, and after its `producedAt`, when it stops
   * being usable even though its `nextUpdate` is later (RFC 6960 section 3.2 item 5: the status
   * must be "sufficiently recent"): a response signed before a revocation cannot be replayed for
   * longer than this. The default is the longest validity interval the CA/Browser Forum Baseline
   * Requirements (section 4.9.10) allow an OCSP response. @default 864000 (10 days)
   */
  ocspMaxResponseAge?: number;
  /** Seconds before a cached CRL's `nextUpdate` when it is refetched in the background. @default 300 */
  crlRefreshBefore?: number;
  /**
   * Which certificates are checked: `chain` (the leaf and every intermediate) or `leaf` (for PKIs
   * that publish no status for their intermediates). @default 'chain'
   */
  scope?: 'leaf' | 'chain';
  /** Called for every unknown status (soft-fail passes and hard-fail refusals). Must not throw. */
  onEvent?: (event: RevocationEvent) => void;
}

type Outcome =
  | { readonly ok: true; readonly until: number }
  | { readonly ok: false; readonly code: CertificateRejectionCode; readonly message: string; readonly until: number };

/** Revocation as path validation applies it. */
export interface RevocationPolicy {
  /** Checks every certificate of the path but the anchor. `until` bounds how long the result holds. */
  check(path: { chain: readonly ClientCertificate[]; anchor: ClientCertificate }, at: number): Promise<Outcome>;
}

const MODES: readonly RevocationMode[] = ['off', 'soft-fail', 'hard-fail'];
// An unknown status is retried soon rather than cached for the certificate's lifetime.
const UNKNOWN_RETRY_MS = 60_000;

/** Validates the `revocation` option once. @throws {ConfigurationError} naming `path`. */
export function resolveRevocation(
  option: RevocationChecker | RevocationOptions | undefined,
  path: string,
  shared: { tolerance: number; algorithms: AlgorithmPolicy },
): RevocationPolicy | undefined {
  if (option === undefined) return undefined;
  if (option === null || typeof option !== 'object') throw new ConfigurationError(`${path} must be an object`);
  const options: RevocationOptions = typeof (option as RevocationChecker).check === 'function'
    ? { checker: option as RevocationChecker }
    : option as RevocationOptions;
  const mode = options.mode ?? 'hard-fail';
  if (!MODES.includes(mode)) throw new ConfigurationError(`${path}.mode must be one of ${MODES.join(', ')}`);
  const anchors = new Map<string, RevocationMode>();
  for (const [pin, anchorMode] of Object.entries(options.anchors ?? {})) {
    if (!/^[A-Za-z0-9_-]{43}$/.test(pin)) throw new ConfigurationError(`${path}.anchors keys must be base64url SHA-256 SPKI digests, got ${JSON.stringify(pin)}`);
    if (!MODES.includes(anchorMode)) throw new ConfigurationError(`${path}.anchors[${JSON.stringify(pin)}] must be one of ${MODES.join(', ')}`);
    anchors.set(pin, anchorMode);
  }
  if (options.checker !== undefined && typeof options.checker?.check !== 'function') {
    throw new ConfigurationError(`${path}.checker must have a check() method`);
  }
  const scope = options.scope ?? 'chain';
  if (scope !== 'leaf' && scope !== 'chain') throw new ConfigurationError(`${path}.scope must be 'leaf' or 'chain'`);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new ConfigurationError(`${path}.onEvent must be a function`);
  if (mode === 'off' && anchors.size === 0) return undefined;
  const { onEvent } = options;
  const checker = options.checker ?? createNetworkChecker(networkSettings(options, path, shared));
  return {
    async check(validPath, at) {
      const anchorMode = anchors.get(profileOf(validPath.anchor).spkiSha256) ?? mode;
      if (anchorMode === 'off') return { ok: true, until: Number.POSITIVE_INFINITY };
      const { chain, anchor } = validPath;
      const pairs = chain.map((certificate, index) => [certificate, chain[index + 1] ?? anchor] as const)
        .filter(([certificate], index) => certificate !== anchor && (scope === 'chain' || index === 0));
      const statuses = await Promise.all(pairs.map(([certificate, issuer]) => safeCheck(checker, certificate, issuer, at)));
      let until = Number.POSITIVE_INFINITY;
      for (const [index, status] of statuses.entries()) {
        const certificate = pairs[index]![0];
        if (status.status === 'revoked') {
          return {
            ok: false,
            code: 'ERR_MTLS_CERT_REVOKED',
            message: `${JSON.stringify(certificate.subjectDn)} is revoked (${status.source}${status.reason ? `, ${status.reason}` : ''})`,
            until: at + UNKNOWN_RETRY_MS,
          };
        }
        if (status.status === 'good') {
          until = Math.min(until, status.until);
          continue;
        }
        report(onEvent, { name: 'revocation.unknown', mode: anchorMode, subject: certificate.subjectDn, serialNumber: profileOf(certificate).serialNumber.toString('hex'), reason: status.reason });
        if (anchorMode === 'hard-fail') {
          return {
            ok: false,
            code: 'ERR_MTLS_REVOCATION_UNKNOWN',
            message: `the revocation status of ${JSON.stringify(certificate.subjectDn)} is unknown: ${status.reason}`,
            until: at + UNKNOWN_RETRY_MS,
          };
        }
        until = Math.min(until, at + UNKNOWN_RETRY_MS);
      }
      return { ok: true, until };
    },
  };
}

function networkSettings(options: RevocationOptions, path: string, shared: { tolerance: number; algorithms: AlgorithmPolicy }): NetworkCheckerSettings {
  const methods = options.methods ?? ['ocsp', 'crl'];
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => m === 'ocsp' || m === 'crl') || new Set(methods).size !== methods.length) {
    throw new ConfigurationError(`${path}.methods must be a non-empty list of 'ocsp' and 'crl' without repeats`);
  }
  const positive = (value: unknown, fallback: number, option: string, unit: string): number => {
    const resolved = value ?? fallback;
    if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved <= 0) {
      throw new ConfigurationError(`${path}.${option} must be a positive number of ${unit}`);
    }
    return resolved;
  };
  return {
    methods,
    timeout: positive(options.timeout, 5000, 'timeout', 'milliseconds'),
    maxResponseBytes: positive(options.maxResponseBytes, 10 * 1024 * 1024, 'maxResponseBytes', 'bytes'),
    ocspMaxAge: positive(options.ocspMaxAge, 3600, 'ocspMaxAge', 'seconds') * 1000,
    ocspMaxResponseAge: positive(options.ocspMaxResponseAge, 864_000, 'ocspMaxResponseAge', 'seconds') * 1000,
    crlRefreshBefore: positive(options.crlRefreshBefore, 300, 'crlRefreshBefore', 'seconds') * 1000,
    tolerance: shared.tolerance,
    algorithms: shared.algorithms,
  };
}

async function safeCheck(checker: RevocationChecker, certificate: ClientCertificate, issuer: ClientCertificate, at: number): Promise<RevocationStatus> {
  try {
    return await checker.check(certificate, issuer, at);
  } catch (cause) {
    return { status: 'unknown', reason: `the revocation checker failed: ${(cause as Error)?.message ?? String(cause)}` };
  }
}

function report(onEvent: RevocationOptions['onEvent'], event: RevocationEvent): void {
  try {
    onEvent?.(event);
  } catch {
    // an observer's failure must not change a verdict
  }
}
