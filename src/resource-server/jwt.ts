import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { TokenInvalidError, TokenUnverifiableError } from '../errors.js';
import type { AccessTokenClaims } from './claims.js';
import { send } from './http.js';
import type { ProviderEndpoints } from './metadata.js';
import type { ResolvedJwt, ResolvedOptions } from './resolve.js';

/** RFC 9068 section 2.2: claims every JWT access token carries. */
const REQUIRED_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'];

/** Whether a token is in JWS compact form (three segments with a decodable header). */
export function isJws(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns a checker of JWT access tokens (RFC 9068 section 4): signature with an accepted
 * algorithm, `typ` `at+jwt` (or `application/at+jwt`), `iss`, `aud`, `exp`, `nbf`, and the
 * required claims. A remote JWKS is fetched on first use, cached for `jwt.cacheMaxAge`, and
 * refetched when a token names an unknown `kid` (key rotation), at most once per `jwt.cooldown`.
 * @throws {TokenInvalidError} for a token that fails any check.
 * @throws {TokenUnverifiableError} when the keys cannot be fetched.
 */
export function createJwtCheck(
  options: ResolvedOptions,
  jwt: ResolvedJwt,
  metadata: () => Promise<ProviderEndpoints>,
): (token: string) => Promise<AccessTokenClaims> {
  const secret = jwt.secret;
  const key: JWTVerifyGetKey = secret ? async () => secret : keyResolver(options, jwt, metadata);
  const verifyOptions = {
    issuer: options.issuer,
    audience: [...options.audience],
    algorithms: [...jwt.algorithms],
    clockTolerance: options.clockTolerance,
    typ: 'at+jwt',
    requiredClaims: REQUIRED_CLAIMS,
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, verifyOptions);
      return payload as AccessTokenClaims;
    } catch (error) {
      if (error instanceof TokenUnverifiableError) throw error;
      throw new TokenInvalidError(describe(error), { cause: error });
    }
  };
}

function keyResolver(
  options: ResolvedOptions,
  jwt: ResolvedJwt,
  metadata: () => Promise<ProviderEndpoints>,
): JWTVerifyGetKey {
  if (jwt.jwks !== undefined && !(jwt.jwks instanceof URL)) return createLocalJWKSet(jwt.jwks);
  let remote: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    if (!remote) {
      const url = jwt.jwks instanceof URL ? jwt.jwks : (await metadata()).jwksUri;
      if (!url) throw new TokenUnverifiableError('the authorization server metadata has no jwks_uri');
      remote = createRemoteJWKSet(url, {
        timeoutDuration: options.timeout,
        cacheMaxAge: jwt.cacheMaxAge,
        cooldownDuration: jwt.cooldown,
        [customFetch]: fetchThrough(options),
      });
    }
    try {
      return await remote(header, token);
    } catch (error) {
      // An unknown key after a refetch is the token's fault; anything else is the JWKS endpoint's.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new TokenUnverifiableError('the issuer\'s JWKS could not be fetched', { cause: error });
    }
  };
}

/** jose's fetch hook, routed through node:https so that `http.ca` applies to the JWKS too. */
function fetchThrough(options: ResolvedOptions) {
  return async (url: string, init: { headers: Headers; signal: AbortSignal }): Promise<Response> => {
    const response = await send(new URL(url), {
      method: 'GET',
      headers: Object.fromEntries(init.headers),
      timeout: options.timeout,
      tls: options.ca ? { ca: options.ca } : {},
      signal: init.signal,
    });
    return new Response(response.status === 200 ? response.body : null, { status: response.status });
  };
}

/** A fixed description per failure: never token content, so it is safe in `error_description`. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud': return 'the access token is not intended for this resource server';
      case 'iss': return 'the access token was issued by another issuer';
      case 'nbf': return 'the access token is not yet valid';
      case 'iat': return 'the access token was issued in the future';
      case 'typ': return 'the token is not a JWT access token (typ at+jwt)';
      default: return `the access token lacks a valid ${error.claim} claim`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the access token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the access token is signed with a key the issuer does not publish';
  return 'the access token is malformed';
}
