import type { CertificateRejectionCode } from '../../errors.js';
import { choiceOption, invalid, numberOption, onlyKnownKeys, optionPath, secondsOption } from '../../util/options.js';
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
  /**
   * Seconds allowed for one OCSP or CRL fetch, connection to last byte; fractions allowed (0.3 is
   * 300 ms), at most 60. Milliseconds before 0.2. @default 5
   */
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
const OPTION_KEYS: readonly (keyof RevocationOptions)[] = [
  'mode', 'anchors', 'checker', 'methods', 'timeout', 'maxResponseBytes', 'ocspMaxAge', 'ocspMaxResponseAge', 'crlRefreshBefore', 'scope', 'onEvent',
];
// An unknown status is retried soon rather than cached for the certificate's lifetime.
const UNKNOWN_RETRY_MS = 60_000;

/** Validates the `revocation` option once. @throws {ConfigurationError} naming `path`. */
export function resolveRevocation(
  option: RevocationChecker | RevocationOptions | undefined,
  path: string,
  shared: { tolerance: number; algorithms: AlgorithmPolicy },
): RevocationPolicy | undefined {
  if (option === undefined) return undefined;
  if (option === null || typeof option !== 'object') invalid(path, 'must be an object of revocation options or a checker with a check() method');
  const isChecker = typeof (option as RevocationChecker).check === 'function';
  const options: RevocationOptions = isChecker ? { checker: option as RevocationChecker } : option as RevocationOptions;
  if (!isChecker) onlyKnownKeys(options, OPTION_KEYS, path);
  const mode = choiceOption(options.mode, 'hard-fail', MODES, optionPath(path, 'mode'));
  const anchors = new Map<string, RevocationMode>();
  const anchorModes = options.anchors === undefined ? {} : options.anchors;
  if (anchorModes === null || typeof anchorModes !== 'object') invalid(optionPath(path, 'anchors'), 'must be an object of SPKI SHA-256 pin: mode');
  for (const [pin, anchorMode] of Object.entries(anchorModes)) {
    if (!/^[A-Za-z0-9_-]{43}$/.test(pin)) invalid(optionPath(path, 'anchors'), `keys must be base64url SHA-256 SPKI digests, got ${JSON.stringify(pin)}`);
    anchors.set(pin, choiceOption(anchorMode, 'hard-fail', MODES, `${optionPath(path, 'anchors')}[${JSON.stringify(pin)}]`));
  }
  if (options.checker !== undefined && typeof options.checker?.check !== 'function') {
    invalid(optionPath(path, 'checker'), 'must have a check() method');
  }
  const scope = choiceOption(options.scope, 'chain', ['leaf', 'chain'] as const, optionPath(path, 'scope'));
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') invalid(optionPath(path, 'onEvent'), 'must be a function');
  // Checked even when revocation is off or a custom checker replaces the network one: an option
  // set is an option read, so a mistake shows at start-up rather than the day it is turned on.
  const network = networkSettings(options, path, shared);
  if (mode === 'off' && anchors.size === 0) return undefined;
  const { onEvent } = options;
  const checker = options.checker ?? createNetworkChecker(network);
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
    invalid(optionPath(path, 'methods'), "must be a non-empty list of 'ocsp' and 'crl' without repeats");
  }
  const seconds = (option: 'ocspMaxAge' | 'ocspMaxResponseAge' | 'crlRefreshBefore', fallback: number): number =>
    secondsOption(options[option], fallback, optionPath(path, option), { positive: true }) * 1000;
  return {
    methods,
    // The fetch code counts milliseconds; the option, like every duration of the package, is seconds.
    timeout: secondsOption(options.timeout, 5, optionPath(path, 'timeout'), { positive: true, max: 60 }) * 1000,
    maxResponseBytes: numberOption(options.maxResponseBytes, 10 * 1024 * 1024, optionPath(path, 'maxResponseBytes'), { exclusive: true, unit: 'bytes' }),
    ocspMaxAge: seconds('ocspMaxAge', 3600),
    ocspMaxResponseAge: seconds('ocspMaxResponseAge', 864_000),
    crlRefreshBefore: seconds('crlRefreshBefore', 300),
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
