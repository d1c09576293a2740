import { ConfigurationError, type CertificateRejectionCode } from '../../errors.js';
import type { ClientCertificate } from '../certificate.js';
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
  /** How statuses are obtained. */
  checker: RevocationChecker;
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
export function resolveRevocation(option: RevocationChecker | RevocationOptions | undefined, path: string): RevocationPolicy | undefined {
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
  if (typeof options.checker?.check !== 'function') throw new ConfigurationError(`${path}.checker must have a check() method`);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new ConfigurationError(`${path}.onEvent must be a function`);
  if (mode === 'off' && anchors.size === 0) return undefined;
  const { checker, onEvent } = options;
  return {
    async check(validPath, at) {
      const anchorMode = anchors.get(profileOf(validPath.anchor).spkiSha256) ?? mode;
      if (anchorMode === 'off') return { ok: true, until: Number.POSITIVE_INFINITY };
      const { chain, anchor } = validPath;
      const pairs = chain.map((certificate, index) => [certificate, chain[index + 1] ?? anchor] as const)
        .filter(([certificate]) => certificate !== anchor);
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
