import { InsufficientScopeError, TokenInvalidError } from '../errors.js';
import type { ResolvedOptions } from './resolve.js';

/**
 * What a verified token says: the JWT payload (RFC 9068 section 2.2) or the introspection response
 * (RFC 7662 section 2.2). Other members are passed through as the issuer wrote them.
 */
export interface AccessTokenClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly jti?: string;
  readonly client_id?: string;
  /** Space-separated scopes. */
  readonly scope?: string;
  /**
   * Confirmation (RFC 7800): `x5t#S256` for certificate-bound tokens (RFC 8705 section 3.1), `jkt`
   * for DPoP-bound ones (RFC 9449 section 6).
   */
  readonly cnf?: { readonly 'x5t#S256'?: string; readonly jkt?: string; readonly [method: string]: unknown };
  readonly [claim: string]: unknown;
}

/**
 * Checks an introspection response the way jose checks a JWT: `active`, `iss`, `aud`, `exp`, `nbf`,
 * and that the token is a Bearer token or a DPoP token with `cnf.jkt` (RFC 9449 section 6.2). A provider answers `active: false` for revoked, expired
 * and unknown tokens alike (RFC 7662 section 2.2), so they share one message.
 * @throws {TokenInvalidError}
 */
export function checkIntrospected(response: Record<string, unknown>, options: ResolvedOptions, now: number): AccessTokenClaims {
  if (response['active'] !== true) throw new TokenInvalidError('the access token is not active');
  const { iss, aud, exp, nbf, scope, token_type: tokenType } = response;
  if (iss !== undefined && iss !== options.issuer) throw new TokenInvalidError('the access token was issued by another issuer');
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.some((value) => options.audience.includes(value as string))) {
    throw new TokenInvalidError('the access token is not intended for this resource server');
  }
  const seconds = now / 1000;
  if (exp !== undefined && (typeof exp !== 'number' || exp <= seconds - options.clockTolerance)) {
    throw new TokenInvalidError('the access token has expired');
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > seconds + options.clockTolerance)) {
    throw new TokenInvalidError('the access token is not yet valid');
  }
  if (scope !== undefined && typeof scope !== 'string') throw new TokenInvalidError('the access token lacks a valid scope claim');
  // Another kind of token must not be used as either; the binding check then decides which scheme
  // and proof a DPoP token needs (RFC 9449 section 7.2).
  const kind = typeof tokenType === 'string' ? tokenType.toLowerCase() : tokenType;
  if (kind !== undefined && kind !== 'bearer' && kind !== 'dpop') {
    throw new TokenInvalidError('the access token is neither a Bearer nor a DPoP token');
  }
  const { cnf } = response;
  if (kind === 'dpop' && (typeof cnf !== 'object' || cnf === null || !Object.hasOwn(cnf, 'jkt'))) {
    throw new TokenInvalidError('the access token is a DPoP token without cnf.jkt');
  }
  return response as AccessTokenClaims;
}

/** The token's scopes, from its space-separated `scope` claim. */
export function scopesOf(claims: AccessTokenClaims): readonly string[] {
  return typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
}

/**
 * Checks that every required scope was granted.
 * @throws {InsufficientScopeError} naming all required scopes, for the challenge's `scope` attribute.
 */
export function checkScopes(granted: readonly string[], required: readonly string[]): void {
  const missing = required.filter((scope) => !granted.includes(scope));
  if (missing.length > 0) {
    throw new InsufficientScopeError(required.join(' '), `the access token lacks the scope ${missing.join(' ')}`);
  }
}
