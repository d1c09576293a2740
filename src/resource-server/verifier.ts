import type { ClientCertificate } from '../certificate/certificate.js';
import { BindingMismatchError, MtlsError, TokenInvalidError } from '../errors.js';
import { presentedToken, schemeOf, type TokenScheme } from './authorization.js';
import { checkCertificate, confirmationOf } from './binding.js';
import { challengeFor, type BearerChallenge } from './challenge.js';
import { checkScopes, scopesOf, type AccessTokenClaims } from './claims.js';
import { createDpopCheck } from './dpop.js';
import { createIntrospectionCheck } from './introspection.js';
import { createJwtCheck, isJws } from './jwt.js';
import { createMetadataLoader } from './metadata.js';
import type { TokenVerifierOptions } from './options.js';
import { resolveOptions } from './resolve.js';

/** What one request presents: its `Authorization` header, its client certificate, its DPoP proof. */
export interface VerifyInput {
  /** The `Authorization` header value, e.g. `Bearer eyJ...` or `DPoP eyJ...`. */
  readonly authorization: string | undefined;
  /** The certificate the client presented (TLS socket or trusted proxy), if any. */
  readonly certificate: ClientCertificate | undefined;
  /** The `DPoP` header value, or every value when the header was repeated (which is refused). */
  readonly dpop?: string | readonly string[] | undefined;
  /** The request method, e.g. `GET`; needed for a DPoP-bound token (the proof's `htm`). */
  readonly method?: string | undefined;
  /**
   * The absolute request URI as the client addressed it, e.g. `https://api.example.com/accounts?x=1`;
   * needed for a DPoP-bound token (the proof's `htu`). With `dpop.origin`, only its path is used.
   */
  readonly url?: string | undefined;
}

/** A token that passed every check, handed to the application. */
export interface VerifiedToken {
  /** `jwt` when verified locally (RFC 9068), `introspection` when checked at the provider (RFC 7662). */
  readonly format: 'jwt' | 'introspection';
  /** The authorization scheme the token came with. */
  readonly scheme: TokenScheme;
  /** The JWT payload or the introspection response. */
  readonly claims: AccessTokenClaims;
  /** The granted scopes. */
  readonly scopes: readonly string[];
  /** The `x5t#S256` the token is bound to; `undefined` when it is not certificate-bound. */
  readonly boundTo: string | undefined;
  /** The presented certificate (bound tokens: the one that matched). */
  readonly certificate: ClientCertificate | undefined;
  /** The `cnf.jkt` the token is bound to, whose key signed the proof; `undefined` when not DPoP-bound. */
  readonly jkt: string | undefined;
  /**
   * A fresh server nonce to send in the `DPoP-Nonce` response header (RFC 9449 section 9), when the
   * proof carried the previous one; the middleware send it in the response.
   */
  readonly dpopNonce: string | undefined;
}

/** A resource server's token check, framework-free. */
export interface TokenVerifier {
  /**
   * Verifies the request's token and its sender constraints: the presented certificate for a
   * certificate-bound token, a DPoP proof for a DPoP-bound one, both for a token bound both ways.
   * @throws {MtlsError} one of the refusals {@link TokenVerifier.challenge} answers:
   *   `ERR_MTLS_TOKEN_MISSING`, `ERR_MTLS_AUTHORIZATION_MALFORMED`, `ERR_MTLS_TOKEN_INVALID`,
   *   `ERR_MTLS_BINDING_MISMATCH`, `ERR_MTLS_TOKEN_UNBOUND`, `ERR_MTLS_INSUFFICIENT_SCOPE`,
   *   `ERR_MTLS_TOKEN_UNVERIFIABLE`, `ERR_MTLS_DPOP_PROOF_INVALID`, `ERR_MTLS_DPOP_PROOF_REPLAYED`,
   *   `ERR_MTLS_DPOP_NONCE_REQUIRED`.
   */
  verify(input: VerifyInput): Promise<VerifiedToken>;
  /**
   * The RFC 6750 / RFC 9449 answer to a refusal thrown by {@link TokenVerifier.verify}, with the
   * configured realm, in the scheme of the refused request.
   */
  challenge(error: MtlsError): BearerChallenge;
}

/**
 * Creates a verifier of access tokens: bearer, certificate-bound (RFC 8705 section 3) and
 * DPoP-bound (RFC 9449 section 7). Options are validated here, once.
 * @throws {ConfigurationError} naming the first invalid option.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const resolved = resolveOptions(options);
  const metadata = createMetadataLoader(resolved);
  const jwt = resolved.jwt ? createJwtCheck(resolved, resolved.jwt, metadata) : undefined;
  const introspect = resolved.introspection ? createIntrospectionCheck(resolved, resolved.introspection, metadata) : undefined;
  const { dpop } = resolved;
  const checkProof = dpop ? createDpopCheck(dpop, resolved.clockTolerance) : undefined;
  // Refusals that concern DPoP are answered in the DPoP scheme; this verifier's own, per error.
  const dpopRefusals = new WeakSet<MtlsError>();

  const check = async (token: string): Promise<{ format: VerifiedToken['format']; claims: AccessTokenClaims }> => {
    if (jwt && isJws(token)) return { format: 'jwt', claims: await jwt(token) };
    if (introspect) return { format: 'introspection', claims: await introspect(token) };
    throw new TokenInvalidError('the access token is not a JWT and this resource server has no introspection configured');
  };

  const verify = async (input: VerifyInput, markDpop: () => void): Promise<VerifiedToken> => {
    // Marked first, so that malformed DPoP credentials are answered in the DPoP scheme too.
    if (schemeOf(input.authorization, checkProof !== undefined) === 'DPoP') markDpop();
    const { scheme, token } = presentedToken(input.authorization, checkProof !== undefined);
    const { format, claims } = await check(token);
    const { x5t, jkt } = confirmationOf(claims, checkProof !== undefined);
    // Sender constraints before scope: a token used by another client learns nothing about its scopes.
    if (x5t !== undefined) checkCertificate(x5t, input.certificate);
    let dpopNonce: string | undefined;
    if (jkt !== undefined && checkProof) {
      markDpop();
      if (scheme !== 'DPoP') {
        throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is DPoP-bound and must be presented with the DPoP scheme');
      }
      ({ nonce: dpopNonce } = await checkProof({ proofs: input.dpop, method: input.method, url: input.url }, token, jkt));
    } else if (scheme === 'DPoP') {
      throw new BindingMismatchError('ERR_MTLS_BINDING_MISMATCH', 'the access token is not DPoP-bound, so it must use the Bearer scheme');
    }
    if (x5t === undefined && jkt === undefined && resolved.bindingRequired) {
      throw new BindingMismatchError(
        'ERR_MTLS_TOKEN_UNBOUND',
        checkProof ? 'the access token is not sender-constrained (bound to a certificate or a DPoP key)' : 'the access token is not bound to a certificate',
      );
    }
    const scopes = scopesOf(claims);
    checkScopes(scopes, resolved.scopes);
    return Object.freeze({
      format, scheme, claims, scopes: Object.freeze([...scopes]), boundTo: x5t, certificate: input.certificate, jkt, dpopNonce,
    });
  };

  return Object.freeze({
    async verify(input: VerifyInput): Promise<VerifiedToken> {
      let dpopRequest = false;
      try {
        return await verify(input, () => { dpopRequest = true; });
      } catch (error) {
        if (dpopRequest && error instanceof MtlsError) dpopRefusals.add(error);
        throw error;
      }
    },
    challenge(error: MtlsError): BearerChallenge {
      return challengeFor(error, resolved.realm, dpop && {
        scheme: dpopRefusals.has(error) ? 'DPoP' : 'Bearer',
        algorithms: dpop.algorithms,
      });
    },
  });
}
