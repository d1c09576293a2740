import type { ClientCertificate } from '../certificate/certificate.js';
import { BindingMismatchError, TokenInvalidError } from '../errors.js';
import type { AccessTokenClaims } from './claims.js';

const X5T = 'x5t#S256';

/**
 * RFC 8705 section 3: a token confirmed with `cnf.x5t#S256` is accepted only with the certificate
 * whose SHA-256 thumbprint it names. A token confirmed by any other method (`jkt` for DPoP,
 * RFC 9449 section 7.2, or one we do not know) is refused, never downgraded to a bearer token.
 * @returns the thumbprint the token is bound to, or `undefined` for an unbound token.
 * @throws {BindingMismatchError} `ERR_MTLS_BINDING_MISMATCH` for a missing or different certificate
 *   or an unverifiable confirmation method; `ERR_MTLS_TOKEN_UNBOUND` for an unbound token when
 *   binding is required.
 * @throws {TokenInvalidError} for a `cnf` claim that is not an object of strings.
 */
export function checkBinding(
  claims: AccessTokenClaims,
  certificate: ClientCertificate | undefined,
  required: boolean,
): string | undefined {
  const { cnf } = claims;
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) {
    throw new TokenInvalidError('the access token has a malformed cnf claim');
  }
  const methods = cnf === undefined ? [] : Object.keys(cnf);
  if (methods.length === 0) {
    if (required) throw new BindingMismatchError('ERR_MTLS_TOKEN_UNBOUND', 'the access token is not bound to a certificate');
    return undefined;
  }
  if (methods.some((method) => method !== X5T)) {
    throw new BindingMismatchError(
      'ERR_MTLS_BINDING_MISMATCH',
      'the access token is bound by a confirmation method this resource server does not verify',
    );
  }
  const thumbprint = cnf![X5T];
  if (typeof thumbprint !== 'string' || thumbprint === '') {
    throw new TokenInvalidError('the access token has a malformed cnf claim');
  }
  if (!certificate) {
    throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to a certificate and none was presented');
  }
  if (certificate.thumbprint !== thumbprint) {
    throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is bound to another certificate');
  }
  return thumbprint;
}
