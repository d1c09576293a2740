import { AuthorizationMalformedError, TokenMissingError } from '../errors.js';

/** The authorization schemes a resource server reads: RFC 6750 section 2.1 and RFC 9449 section 7.1. */
export type TokenScheme = 'Bearer' | 'DPoP';

/** The access token of a request and the scheme it came with. */
interface PresentedToken {
  readonly scheme: TokenScheme;
  readonly token: string;
}

// RFC 6750 section 2.1 b64token, which RFC 9449 section 7.1 uses for the DPoP scheme too:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const CREDENTIALS = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;
const BEARER = /^Bearer(?: |$)/i;
const DPOP = /^DPoP(?: |$)/i;
/** Longer than any token a provider issues; bounds the work spent on a hostile header. */
const MAX_LENGTH = 16 * 1024;

/**
 * Extracts the access token and its scheme from an `Authorization` header value. Only the header
 * method of RFC 6750 section 2.1 is supported; tokens in a form body or the query string are not read.
 * @param dpop whether the `DPoP` scheme is accepted; without it, a DPoP header is no token at all.
 * @throws {TokenMissingError} when there is no header or it uses another scheme (RFC 6750 section 3.1).
 * @throws {AuthorizationMalformedError} when the credentials are not valid syntax.
 */
export function presentedToken(authorization: string | undefined, dpop: boolean): PresentedToken {
  const scheme = schemeOf(authorization, dpop);
  if (authorization === undefined || scheme === undefined) throw new TokenMissingError();
  if (authorization.length > MAX_LENGTH) {
    throw new AuthorizationMalformedError(`the Authorization header exceeds ${MAX_LENGTH} characters`);
  }
  const match = CREDENTIALS.exec(authorization);
  if (!match) throw new AuthorizationMalformedError(`the Authorization header is not valid ${scheme} credentials`);
  return { scheme, token: match[2]! };
}

/** The scheme an `Authorization` header uses, if it is one this resource server reads. */
export function schemeOf(authorization: string | undefined, dpop: boolean): TokenScheme | undefined {
  if (authorization === undefined) return undefined;
  if (BEARER.test(authorization)) return 'Bearer';
  return dpop && DPOP.test(authorization) ? 'DPoP' : undefined;
}
