/**
 * Every failure this package reports is an {@link MtlsError} with a stable `code`. Codes are part of
 * the public API: they never change meaning, and new ones are only added.
 *
 * Inside oidc-provider the package throws the host's own OAuth errors (`invalid_client`,
 * `invalid_token`, `invalid_grant`, `invalid_request`) with one of these as `cause`.
 */
export type MtlsErrorCode =
  // options
  | 'ERR_MTLS_INVALID_OPTION'
  // the certificate itself
  | 'ERR_MTLS_CERT_MISSING'
  | 'ERR_MTLS_CERT_MALFORMED'
  | 'ERR_MTLS_CERT_EXPIRED'
  | 'ERR_MTLS_CERT_NOT_YET_VALID'
  | 'ERR_MTLS_CERT_UNREGISTERED'
  // path validation (RFC 5280 section 6)
  | 'ERR_MTLS_CHAIN_UNTRUSTED'
  | 'ERR_MTLS_CHAIN_SIGNATURE'
  | 'ERR_MTLS_CHAIN_NOT_CA'
  | 'ERR_MTLS_CHAIN_PATH_LENGTH'
  | 'ERR_MTLS_CHAIN_TOO_LONG'
  | 'ERR_MTLS_KEY_USAGE'
  | 'ERR_MTLS_EKU'
  | 'ERR_MTLS_NAME_CONSTRAINTS'
  | 'ERR_MTLS_CRITICAL_EXTENSION'
  | 'ERR_MTLS_WEAK_ALGORITHM'
  | 'ERR_MTLS_ANCHOR_NOT_ALLOWED'
  | 'ERR_MTLS_POLICY'
  // revocation
  | 'ERR_MTLS_CERT_REVOKED'
  | 'ERR_MTLS_REVOCATION_UNKNOWN'
  // RFC 8705 section 2.1.2
  | 'ERR_MTLS_SUBJECT_MISMATCH'
  // certificate intake
  | 'ERR_MTLS_PROXY_UNTRUSTED'
  | 'ERR_MTLS_HEADER_MALFORMED'
  | 'ERR_MTLS_HEADER_TOO_LARGE'
  // tokens (RFC 8705 section 3, RFC 6750)
  | 'ERR_MTLS_BINDING_MISMATCH'
  | 'ERR_MTLS_TOKEN_UNBOUND'
  | 'ERR_MTLS_TOKEN_INVALID'
  | 'ERR_MTLS_INSUFFICIENT_SCOPE'
  | 'ERR_MTLS_TOKEN_UNVERIFIABLE'
  | 'ERR_MTLS_TOKEN_MISSING'
  | 'ERR_MTLS_AUTHORIZATION_MALFORMED'
  // DPoP proofs at a resource server (RFC 9449 sections 4.3, 7.1 and 9)
  | 'ERR_MTLS_DPOP_PROOF_INVALID'
  | 'ERR_MTLS_DPOP_PROOF_REPLAYED'
  | 'ERR_MTLS_DPOP_NONCE_REQUIRED'
  // storage
  | 'ERR_MTLS_STORE_UNAVAILABLE'
  | 'ERR_MTLS_STORE_CORRUPT'
  | 'ERR_MTLS_ALREADY_CONSUMED';

/** Base class of every error this package throws or reports. */
export class MtlsError extends Error {
  readonly code: MtlsErrorCode;

  constructor(code: MtlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An option passed to this package is missing or wrong; thrown at construction, never per request. */
export class ConfigurationError extends MtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MTLS_INVALID_OPTION', message, options);
  }
}

/** The request carried no client certificate where one is needed. */
export class CertificateMissingError extends MtlsError {
  constructor(message = 'no client certificate was presented') {
    super('ERR_MTLS_CERT_MISSING', message);
  }
}

/** Bytes that are not a single well-formed X.509 certificate. */
export class CertificateMalformedError extends MtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MTLS_CERT_MALFORMED', message, options);
  }
}

/** Codes of {@link CertificateRejectedError}: the certificate or its path failed validation. */
export type CertificateRejectionCode =
  | 'ERR_MTLS_CERT_MALFORMED'
  | 'ERR_MTLS_CERT_EXPIRED'
  | 'ERR_MTLS_CERT_NOT_YET_VALID'
  | 'ERR_MTLS_CHAIN_UNTRUSTED'
  | 'ERR_MTLS_CHAIN_SIGNATURE'
  | 'ERR_MTLS_CHAIN_NOT_CA'
  | 'ERR_MTLS_CHAIN_PATH_LENGTH'
  | 'ERR_MTLS_CHAIN_TOO_LONG'
  | 'ERR_MTLS_KEY_USAGE'
  | 'ERR_MTLS_EKU'
  | 'ERR_MTLS_NAME_CONSTRAINTS'
  | 'ERR_MTLS_CRITICAL_EXTENSION'
  | 'ERR_MTLS_WEAK_ALGORITHM'
  | 'ERR_MTLS_ANCHOR_NOT_ALLOWED'
  | 'ERR_MTLS_POLICY'
  | 'ERR_MTLS_CERT_REVOKED'
  | 'ERR_MTLS_REVOCATION_UNKNOWN';

/** The certificate did not validate: expired, untrusted, revoked, wrong usage, and so on. */
export class CertificateRejectedError extends MtlsError {
  declare readonly code: CertificateRejectionCode;

  constructor(code: CertificateRejectionCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A `tls_client_auth` certificate whose subject does not match the client's registration. */
export class SubjectMismatchError extends MtlsError {
  /** The registered metadata property, e.g. `tls_client_auth_subject_dn`. */
  readonly property: string;
  /** Normalized values the certificate offered for that property, to help fix the registration. */
  readonly offered: readonly string[];

  constructor(property: string, offered: readonly string[], message: string) {
    super('ERR_MTLS_SUBJECT_MISMATCH', message);
    this.property = property;
    this.offered = offered;
  }
}

/** A `self_signed_tls_client_auth` certificate that is not in the client's registered JWKS. */
export class CertificateUnregisteredError extends MtlsError {
  constructor(message = 'the certificate is not registered in the client\'s jwks') {
    super('ERR_MTLS_CERT_UNREGISTERED', message);
  }
}

/** A certificate header arrived from a peer that did not authenticate as a trusted proxy. */
export class ProxyUntrustedError extends MtlsError {
  constructor(message: string) {
    super('ERR_MTLS_PROXY_UNTRUSTED', message);
  }
}

/** A certificate header that could not be decoded, or that exceeds the configured bounds. */
export class HeaderMalformedError extends MtlsError {
  declare readonly code: 'ERR_MTLS_HEADER_MALFORMED' | 'ERR_MTLS_HEADER_TOO_LARGE';

  constructor(
    message: string,
    options?: { cause?: unknown; code?: 'ERR_MTLS_HEADER_MALFORMED' | 'ERR_MTLS_HEADER_TOO_LARGE' },
  ) {
    super(options?.code ?? 'ERR_MTLS_HEADER_MALFORMED', message, options);
  }
}

/** A certificate-bound token presented without its certificate, or an unbound token where binding is required. */
export class BindingMismatchError extends MtlsError {
  declare readonly code: 'ERR_MTLS_BINDING_MISMATCH' | 'ERR_MTLS_TOKEN_UNBOUND';

  constructor(code: 'ERR_MTLS_BINDING_MISMATCH' | 'ERR_MTLS_TOKEN_UNBOUND', message: string) {
    super(code, message);
  }
}

/** A token that is not valid: bad signature, expired, wrong audience, inactive. */
export class TokenInvalidError extends MtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MTLS_TOKEN_INVALID', message, options);
  }
}

/** A valid token that lacks a required scope (RFC 6750 section 3.1, 403). */
export class InsufficientScopeError extends MtlsError {
  readonly scope: string;

  constructor(scope: string, message: string) {
    super('ERR_MTLS_INSUFFICIENT_SCOPE', message);
    this.scope = scope;
  }
}

/** The token could not be checked because the JWKS or introspection endpoint did not answer. */
export class TokenUnverifiableError extends MtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MTLS_TOKEN_UNVERIFIABLE', message, options);
  }
}

/** The request carried no Bearer access token (RFC 6750 section 3.1: 401 without an error code). */
export class TokenMissingError extends MtlsError {
  constructor(message = 'the request carries no bearer access token') {
    super('ERR_MTLS_TOKEN_MISSING', message);
  }
}

/** An `Authorization: Bearer` header that is not valid RFC 6750 section 2.1 syntax (400 invalid_request). */
export class AuthorizationMalformedError extends MtlsError {
  constructor(message: string) {
    super('ERR_MTLS_AUTHORIZATION_MALFORMED', message);
  }
}

/**
 * A DPoP proof (RFC 9449 section 4.3) that is missing, malformed, signed wrongly, made for another
 * request or too old (`ERR_MTLS_DPOP_PROOF_INVALID`), or already used (`ERR_MTLS_DPOP_PROOF_REPLAYED`):
 * 401 `invalid_dpop_proof` (RFC 9449 section 7.1).
 */
export class DpopProofError extends MtlsError {
  declare readonly code: 'ERR_MTLS_DPOP_PROOF_INVALID' | 'ERR_MTLS_DPOP_PROOF_REPLAYED';

  constructor(message: string, options?: { cause?: unknown; code?: 'ERR_MTLS_DPOP_PROOF_INVALID' | 'ERR_MTLS_DPOP_PROOF_REPLAYED' }) {
    super(options?.code ?? 'ERR_MTLS_DPOP_PROOF_INVALID', message, options);
  }
}

/**
 * A DPoP proof without the server nonce this resource server requires, or with a stale one
 * (RFC 9449 section 9): 401 `use_dpop_nonce` with a fresh nonce in the `DPoP-Nonce` header.
 */
export class DpopNonceError extends MtlsError {
  /** The nonce the client must put in its next proof. */
  readonly nonce: string;

  constructor(nonce: string, message: string) {
    super('ERR_MTLS_DPOP_NONCE_REQUIRED', message);
    this.nonce = nonce;
  }
}

/** The store (Redis) did not answer in time or refused the command. */
export class StoreUnavailableError extends MtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MTLS_STORE_UNAVAILABLE', message, options);
  }
}

/** A stored value that this package did not write (hand-edited, truncated, another version). */
export class StoreCorruptError extends MtlsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MTLS_STORE_CORRUPT', message, options);
  }
}

/** A one-time artifact (authorization code, rotated refresh token) was already consumed. */
export class AlreadyConsumedError extends MtlsError {
  constructor(message: string) {
    super('ERR_MTLS_ALREADY_CONSUMED', message);
  }
}
