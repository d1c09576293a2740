import { AuthorizationMalformedError, TokenMissingError } from '../errors.js';

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const SCHEME = /^Bearer(?: |$)/i;
/** Longer than any token a provider issues; bounds the work spent on a hostile header. */
const MAX_LENGTH = 16 * 1024;

/**
 * Extracts the access token from an `Authorization` header value. Only the header method of
 * RFC 6750 section 2.1 is supported; tokens in a form body or the query string are not read.
 * @throws {TokenMissingError} when there is no header or it uses another scheme (RFC 6750 section 3.1).
 * @throws {AuthorizationMalformedError} when the Bearer credentials are not valid syntax.
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '' || !SCHEME.test(authorization)) {
    throw new TokenMissingError();
  }
  if (authorization.length > MAX_LENGTH) {
    throw new AuthorizationMalformedError(`the Authorization header exceeds ${MAX_LENGTH} characters`);
  }
  const match = CREDENTIALS.exec(authorization);
  if (!match) throw new AuthorizationMalformedError('the Authorization header is not valid Bearer credentials');
  return match[1]!;
}
