import type { ClientCertificate } from '../certificate/certificate.js';
import { BindingMismatchError, TokenInvalidError } from '../errors.js';
import type { AccessTokenClaims } from './claims.js';

const X5T = 'x5t#S256';
const JKT = 'jkt';

/** The sender constraints a token's `cnf` claim (RFC 7800) names. */
interface Confirmation {
  /** RFC 8705 section 3.1: SHA-256 thumbprint of the client certificate. */
  readonly x5t: string | undefined;
  /** RFC 9449 section 6.1: RFC 7638 SHA-256 thumbprint of the DPoP public key. */
  readonly jkt: string | undefined;
}

/**
 * Reads the token's confirmation methods. A token confirmed by a method this resource server does
 * not verify (another hash, or `jkt` with DPoP disabled) is refused, never downgraded to a bearer
 * token.
 * @throws {TokenInvalidError} for a `cnf` claim that is not an object of non-empty strings.
 * @throws {BindingMismatchError} `ERR_MTLS_BINDING_MISMATCH` for an unverifiable method.
 */
export function confirmationOf(claims: AccessTokenClaims, dpop: boolean): Confirmation {
  const { cnf } = claims;
  if (cnf === undefined) return { x5t: undefined, jkt: undefined };
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    throw new TokenInvalidError('the access token has a malformed cnf claim');
  }
  const methods = Object.keys(cnf);
  if (methods.some((method) => method !== X5T && (method !== JKT || !dpop))) {
    throw new BindingMismatchError(
      'ERR_MTLS_BINDING_MISMATCH',
      'the access token is bound by a confirmation method this resource server does not verify',
    );
  }
  const value = (method: string): string | undefined => {
    if (!Object.hasOwn(cnf, method)) return undefined;
    const thumbprint = cnf[method];
    if (typeof thumbprint !== 'string' || thumbprint === '') throw new TokenInvalidError('the access token has a malformed cnf claim');
    return thumbprint;
  };
  return { x5t: value(X5T), jkt: value(JKT) };
}

/**
 * RFC 8705 section 3: a token confirmed with `cnf.x5t#S256` is accepted only with the certificate
 * whose SHA-256 thumbprint it names, whatever the authorization scheme.
 * @throws {BindingMismatchError} `ERR_MTLS_BINDING_MISMATCH` for a missing or different certificate.
 */
export function checkCertificate(thumbprint: string, certificate: ClientCertificate | undefined): void {
  if (!certificate) {
    throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to a certificate and none was presented');
  }
  if (certificate.thumbprint !== thumbprint) {
    throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to another certificate');
  }
}
