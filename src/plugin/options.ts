import { TrustAnchors } from '../certificate/anchors.js';
import { resolveCache, VALIDATOR_KEYS, type CertificateValidatorOptions } from '../certificate/validator.js';
import { resolveSettings } from '../certificate/verify.js';
import { resolveCertificateSource, type CertificateSourceSpec } from '../intake/source-list.js';
import type { CertificateSource } from '../intake/source.js';
import { ConfigurationError } from '../errors.js';
import { resolveDiagnostics, type DiagnosticsOptions, type DiagnosticsSettings } from './diagnostics-route.js';
import { resolveExpiryWarningDays } from './expiry-warning.js';
import { booleanOption, choiceOption, onlyKnownKeys } from '../util/options.js';

/**
 * Options of {@link createMtls}. Validation options (`trustAnchors`, `revocation`,
 * `clockTolerance`, ...) are those of the certificate validator and are passed to it unchanged.
 */
export interface MtlsOptions extends Partial<CertificateValidatorOptions> {
  /**
   * Where client certificates come from: `'socket'` (the TLS connection), a proxy header source
   * (`{ format, trustedProxies, ... }`, see "Behind a TLS-terminating proxy"), a source object,
   * or a list of these (header sources from authenticated proxies first, then the others in order).
   * @default 'socket'
   */
  certificateSource?: CertificateSourceSpec | readonly CertificateSourceSpec[];
  /**
   * Enable `tls_client_auth` (RFC 8705 section 2.1, PKI). Needs `trustAnchors`.
   * @default true
   */
  tlsClientAuth?: boolean;
  /**
   * Enable `self_signed_tls_client_auth` (RFC 8705 section 2.2, certificate registered in `jwks`).
   * @default true
   */
  selfSignedTlsClientAuth?: boolean;
  /**
   * Whether a `self_signed_tls_client_auth` certificate must be inside its validity period
   * (`notBefore`..`notAfter`, with `clockTolerance`) to authenticate its client. RFC 8705 section
   * 2.2 trusts the registered certificate as a key, not for its dates; `'enforce'` also holds the
   * client to the lifetime it gave its own certificate (refusals: `ERR_MTLS_CERT_EXPIRED`,
   * `ERR_MTLS_CERT_NOT_YET_VALID`), `'ignore'` matches by thumbprint alone. See the README,
   * "Will it accept expired self-signed certificates?".
   * @default 'enforce'
   */
  selfSignedValidity?: 'enforce' | 'ignore';
  /**
   * Enable certificate-bound access tokens (RFC 8705 section 3) for clients registered with
   * `tls_client_certificate_bound_access_tokens: true`.
   * @default true
   */
  certificateBoundAccessTokens?: boolean;
  /**
   * Origin of the listener that asks for client certificates, e.g. `https://mtls.example.com`.
   * When set, discovery advertises `mtls_endpoint_aliases` (RFC 8705 section 5) on that origin.
   * @default undefined (no aliases; the main origin must then request certificates itself)
   */
  mtlsOrigin?: string;
  /**
   * The diagnostics route (`GET /.well-known/mtls-diagnostics` on both origins): what the intake saw
   * for the caller's own request (source, proxy trust decision, leaf, chain length, verdict code).
   * Answered only to `addresses` or to `Authorization: Bearer <bearerSecret>`; others get 404.
   * @default undefined (off)
   */
  diagnostics?: DiagnosticsOptions;
  /**
   * Days before a certificate's `notAfter` from which a client authenticating with it is reported
   * (event `mtls.certificate_expiring`, channel `oidc-provider-mtls:certificate-expiring`), at most
   * once per certificate per day. `0` turns it off.
   * @default 30
   */
  expiryWarningDays?: number;
}

/** Options after validation: every default applied, frozen. */
export interface ResolvedOptions {
  readonly source: CertificateSource;
  readonly tlsClientAuth: boolean;
  readonly selfSignedTlsClientAuth: boolean;
  readonly certificateBoundAccessTokens: boolean;
  readonly mtlsOrigin: string | undefined;
  readonly diagnostics: DiagnosticsSettings | undefined;
  readonly expiryWarningDays: number;
  readonly validation: CertificateValidatorOptions | undefined;
  readonly selfSignedValidity: 'enforce' | 'ignore';
  /** `clockTolerance` in milliseconds. */
  readonly clockTolerance: number;
}

const PLUGIN_KEYS: readonly (keyof MtlsOptions)[] = [
  'certificateSource', 'tlsClientAuth', 'selfSignedTlsClientAuth', 'selfSignedValidity', 'certificateBoundAccessTokens', 'mtlsOrigin', 'diagnostics', 'expiryWarningDays',
];

function resolveOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigurationError('mtlsOrigin must be an absolute https URL origin, e.g. https://mtls.example.com');
  }
  if (typeof value !== 'string' || url.protocol !== 'https:' || url.origin !== value.replace(/\/$/, '')) {
    throw new ConfigurationError('mtlsOrigin must be an https origin with no path, query or fragment, e.g. https://mtls.example.com');
  }
  return url.origin;
}

/** Validates the options once, at construction, with messages that say what to fix. */
export function resolveOptions(options: MtlsOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createMtls() options must be an object');
  }
  onlyKnownKeys(options, [...PLUGIN_KEYS, ...VALIDATOR_KEYS], '', 'createMtls');
  const { certificateSource, tlsClientAuth, selfSignedTlsClientAuth, certificateBoundAccessTokens, mtlsOrigin, selfSignedValidity, diagnostics, expiryWarningDays, ...validation } = options;
  // Validation options are checked even when tlsClientAuth is off (they still configure
  // self-signed validity), so a mistake shows now, not the day tls_client_auth is turned on.
  const settings = resolveSettings(validation);
  resolveCache(validation.cache);
  const resolved: ResolvedOptions = {
    source: resolveCertificateSource(certificateSource ?? 'socket', 'certificateSource'),
    tlsClientAuth: booleanOption(tlsClientAuth, true, 'tlsClientAuth'),
    selfSignedTlsClientAuth: booleanOption(selfSignedTlsClientAuth, true, 'selfSignedTlsClientAuth'),
    certificateBoundAccessTokens: booleanOption(certificateBoundAccessTokens, true, 'certificateBoundAccessTokens'),
    mtlsOrigin: resolveOrigin(mtlsOrigin),
    diagnostics: resolveDiagnostics(diagnostics),
    expiryWarningDays: resolveExpiryWarningDays(expiryWarningDays),
    validation: validation.trustAnchors === undefined ? undefined : validation as CertificateValidatorOptions,
    selfSignedValidity: choiceOption(selfSignedValidity, 'enforce', ['enforce', 'ignore'] as const, 'selfSignedValidity'),
    // The validator's own reading of the option, so both apply one clockTolerance the same way.
    clockTolerance: settings.tolerance,
  };
  if (resolved.tlsClientAuth && resolved.validation === undefined) {
    throw new ConfigurationError('trustAnchors must be set when tlsClientAuth is enabled (or set tlsClientAuth: false)');
  }
  if (!resolved.tlsClientAuth && resolved.validation !== undefined) {
    // No validator is built while tls_client_auth is off; its certificates are still read, so that
    // a bad anchor shows now rather than the day the method is turned on.
    TrustAnchors.loadSync(resolved.validation.trustAnchors);
    if (resolved.validation.intermediates !== undefined) TrustAnchors.loadSync(resolved.validation.intermediates, 'intermediates');
  }
  if (!resolved.tlsClientAuth && !resolved.selfSignedTlsClientAuth && !resolved.certificateBoundAccessTokens) {
    throw new ConfigurationError('at least one of tlsClientAuth, selfSignedTlsClientAuth and certificateBoundAccessTokens must be enabled');
  }
  return Object.freeze(resolved);
}
