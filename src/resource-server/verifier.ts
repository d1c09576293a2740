import type { ClientCertificate } from '../certificate/certificate.js';
import { TokenInvalidError, type MtlsError } from '../errors.js';
import { bearerToken } from './bearer.js';
import { checkBinding } from './binding.js';
import { challengeFor, type BearerChallenge } from './challenge.js';
import { checkScopes, scopesOf, type AccessTokenClaims } from './claims.js';
import { createIntrospectionCheck } from './introspection.js';
import { createJwtCheck, isJws } from './jwt.js';
import { createMetadataLoader } from './metadata.js';
import type { TokenVerifierOptions } from './options.js';
import { resolveOptions } from './resolve.js';

/** What one request presents: its `Authorization` header and its client certificate, if any. */
export interface VerifyInput {
  /** The `Authorization` header value, e.g. `Bearer eyJ...`. */
  readonly authorization: string | undefined;
  /** The certificate the client presented (TLS socket or trusted proxy), if any. */
  readonly certificate: ClientCertificate | undefined;
}

/** A token that passed every check, handed to the application. */
export interface VerifiedToken {
  /** `jwt` when verified locally (RFC 9068), `introspection` when checked at the provider (RFC 7662). */
  readonly format: 'jwt' | 'introspection';
  /** The JWT payload or the introspection response. */
  readonly claims: AccessTokenClaims;
  /** The granted scopes. */
  readonly scopes: readonly string[];
  /** The `x5t#S256` the token is bound to; `undefined` for an unbound bearer token. */
  readonly boundTo: string | undefined;
  /** The presented certificate (bound tokens: the one that matched). */
  readonly certificate: ClientCertificate | undefined;
}

/** A resource server's token check, framework-free. */
export interface TokenVerifier {
  /**
   * Verifies the request's token and its binding to the presented certificate.
   * @throws {MtlsError} one of the refusals {@link TokenVerifier.challenge} answers:
   *   `ERR_MTLS_TOKEN_MISSING`, `ERR_MTLS_AUTHORIZATION_MALFORMED`, `ERR_MTLS_TOKEN_INVALID`,
   *   `ERR_MTLS_BINDING_MISMATCH`, `ERR_MTLS_TOKEN_UNBOUND`, `ERR_MTLS_INSUFFICIENT_SCOPE`,
   *   `ERR_MTLS_TOKEN_UNVERIFIABLE`.
   */
  verify(input: VerifyInput): Promise<VerifiedToken>;
  /** The RFC 6750 answer to a refusal thrown by {@link TokenVerifier.verify}, with the configured realm. */
  challenge(error: MtlsError): BearerChallenge;
}

/**
 * Creates a verifier of access tokens, certificate-bound (RFC 8705 section 3) or not.
 * Options are validated here, once.
 * @throws {ConfigurationError} naming the first invalid option.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const resolved = resolveOptions(options);
  const metadata = createMetadataLoader(resolved);
  const jwt = resolved.jwt ? createJwtCheck(resolved, resolved.jwt, metadata) : undefined;
  const introspect = resolved.introspection ? createIntrospectionCheck(resolved, resolved.introspection, metadata) : undefined;

  const check = async (token: string): Promise<{ format: VerifiedToken['format']; claims: AccessTokenClaims }> => {
    if (jwt && isJws(token)) return { format: 'jwt', claims: await jwt(token) };
    if (introspect) return { format: 'introspection', claims: await introspect(token) };
    throw new TokenInvalidError('the access token is not a JWT and this resource server has no introspection configured');
  };

  return Object.freeze({
    async verify({ authorization, certificate }: VerifyInput): Promise<VerifiedToken> {
      const { format, claims } = await check(bearerToken(authorization));
      // Binding before scope: a token used with the wrong certificate learns nothing about its scopes.
      const boundTo = checkBinding(claims, certificate, resolved.bindingRequired);
      const scopes = scopesOf(claims);
      checkScopes(scopes, resolved.scopes);
      return Object.freeze({ format, claims, scopes: Object.freeze([...scopes]), boundTo, certificate });
    },
    challenge(error: MtlsError): BearerChallenge {
      return challengeFor(error, resolved.realm);
    },
  });
}
