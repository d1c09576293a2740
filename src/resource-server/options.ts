import type { KeyObject } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';

/** Options of {@link createTokenVerifier}. Validated once, at construction. */
export interface TokenVerifierOptions {
  /**
   * The authorization server's issuer identifier. Tokens must carry it as `iss` (RFC 9068 section 4,
   * RFC 7662 section 2.2), and endpoints that are not configured are discovered from
   * `<issuer>/.well-known/openid-configuration`. Required.
   */
  issuer: string;
  /**
   * This resource server's identifier(s). The token's `aud` must contain at least one of them
   * (RFC 9068 section 4; for introspection, the response's `aud`, which must be present). Required.
   */
  audience: string | readonly string[];
  /**
   * JWT access tokens (RFC 9068), verified locally. Default: enabled, keys from the discovered
   * `jwks_uri`. `false` sends every token to introspection instead.
   */
  jwt?: JwtAccessTokenOptions | false;
  /** Opaque tokens, checked at the provider (RFC 7662). Default: none, opaque tokens are refused. */
  introspection?: IntrospectionOptions;
  /** Certificate binding (RFC 8705 section 3) and sender constraints in general. */
  binding?: BindingOptions;
  /**
   * DPoP-bound tokens (RFC 9449): a token whose `cnf` has `jkt` is accepted only with the `DPoP`
   * authorization scheme and a valid proof. Default: enabled with the defaults of
   * {@link DpopOptions}. `false` refuses every DPoP-bound token and the `DPoP` scheme.
   */
  dpop?: DpopOptions | false;
  /**
   * Scopes every token must carry; otherwise 403 `insufficient_scope` (RFC 6750 section 3.1).
   * Default: none.
   */
  scopes?: readonly string[];
  /** Seconds of leeway on `exp`, `nbf` and `iat`. Default: 15 (node-oidc-provider's; 5 before 0.2). */
  clockTolerance?: number;
  /** `realm` attribute of the `WWW-Authenticate` challenge (RFC 6750 section 3). Default: none. */
  realm?: string;
  /**
   * Discover `jwks_uri`, `introspection_endpoint` and `mtls_endpoint_aliases` from the issuer's
   * metadata when they are not configured. Default: `true`.
   */
  discovery?: boolean;
  /** Calls to the provider: discovery, JWKS, introspection. */
  http?: HttpOptions;
}

/** JWT access token options (RFC 9068). */
export interface JwtAccessTokenOptions {
  /**
   * The issuer's signing keys: a JWKS URL (fetched, cached, refetched on an unknown `kid`), or a
   * JWKS object. Default: the discovered `jwks_uri`. Not allowed together with `secret`.
   */
  jwks?: string | URL | JSONWebKeySet;
  /**
   * Accepted JWS algorithms. Default: RS256/384/512, PS256/384/512, ES256/384/512, EdDSA, Ed25519.
   * `none` is never accepted; HS* only with `secret`.
   */
  algorithms?: readonly string[];
  /**
   * Shared secret for HS256/384/512 tokens (at least 32 bytes). Setting it makes `algorithms`
   * default to `['HS256']` and accept only HS algorithms. Default: none.
   */
  secret?: string | Uint8Array;
  /** Seconds a fetched JWKS is used before it is refetched (milliseconds before 0.2). Default: 600 (10 minutes). */
  cacheMaxAge?: number;
  /** Seconds between refetches triggered by an unknown `kid` (milliseconds before 0.2). Default: 30. */
  cooldown?: number;
}

/** Token introspection options (RFC 7662). */
export interface IntrospectionOptions {
  /**
   * The introspection endpoint. Default: discovered; for the mTLS methods, the discovered
   * `mtls_endpoint_aliases.introspection_endpoint` (RFC 8705 section 5) when the provider has one.
   */
  endpoint?: string;
  /** This resource server's `client_id` at the provider. Required. */
  clientId: string;
  /** How this resource server authenticates to the introspection endpoint. Required. */
  auth: IntrospectionClientAuth;
  /** Cache of introspection responses; `false` disables it. Default: `{ max: 1000, maxAge: 30, inactiveMaxAge: 0 }` (seconds). */
  cache?: IntrospectionCacheOptions | false;
}

/** Client authentication at the introspection endpoint (RFC 7662 section 2.1). */
export type IntrospectionClientAuth =
  /** RFC 6749 section 2.3.1. */
  | { method: 'client_secret_basic' | 'client_secret_post'; secret: string }
  /** RFC 7523 section 2.2: a signed assertion with `aud` = issuer. */
  | { method: 'private_key_jwt'; key: KeyObject | JWK; alg: string; kid?: string }
  /** RFC 8705 section 2: mutual TLS with a CA-issued or a self-signed certificate. */
  | {
    method: 'tls_client_auth' | 'self_signed_tls_client_auth';
    /** PEM client certificate (and chain). */
    certificate: string;
    /** Its private key, PEM or KeyObject. */
    key: string | KeyObject;
  };

/** Introspection cache bounds. Entries are keyed by a SHA-256 of the token, never the token. */
export interface IntrospectionCacheOptions {
  /** Most entries kept (least recently used evicted first). Default: 1000. */
  max?: number;
  /**
   * Seconds an active response is reused (fractions allowed; milliseconds before 0.2); never beyond
   * the token's `exp`. This is also how long a revocation can go unnoticed. Default: 30.
   */
  maxAge?: number;
  /** Seconds an `active: false` response is reused (milliseconds before 0.2). Default: 0 (not cached). */
  inactiveMaxAge?: number;
}

/** Sender-constraint options (RFC 8705 section 3, RFC 9449 section 7). */
export interface BindingOptions {
  /**
   * Refuse tokens that are not sender-constrained (`ERR_MTLS_TOKEN_UNBOUND`): tokens with neither
   * `cnf.x5t#S256` nor, while DPoP is enabled, `cnf.jkt`. Bound tokens are always checked against
   * the presented certificate and DPoP proof, whatever this says. Default: `false`.
   */
  required?: boolean;
}

/** DPoP proof checks at this resource server (RFC 9449 sections 4.3, 7.1 and 9). */
export interface DpopOptions {
  /**
   * JWS algorithms accepted for proofs, asymmetric only; also sent as `algs` in `DPoP` challenges.
   * Default: ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA, Ed25519.
   */
  algorithms?: readonly string[];
  /**
   * Seconds a proof is accepted after its `iat` (with `clockTolerance` on either side); a proof
   * whose `iat` is further in the past or the future is refused. Its `jti` is remembered that long.
   * Default: 60.
   */
  maxAge?: number;
  /**
   * The public origin clients address (`https://api.example.com`), against which `htu` is checked,
   * for a resource server behind a proxy or load balancer. Default: taken from the request (the TLS
   * socket for the scheme, the `Host` header for the authority).
   */
  origin?: string;
  /**
   * Where the `jti` of accepted proofs is remembered, so that a proof is used once (RFC 9449
   * section 11.1). Share one store between processes that serve the same audience, e.g.
   * `redisReplayStore(client)`. Default: `memoryReplayStore()` of this process.
   */
  replayStore?: DpopReplayStore;
  /**
   * Require a server-provided nonce in proofs (RFC 9449 section 9): a proof without the current one
   * is refused with `use_dpop_nonce` and a fresh nonce in `DPoP-Nonce`. `true` uses a random key
   * per verifier (one process); pass a shared `secret` when several processes serve the audience.
   * Default: `false`.
   */
  nonce?: boolean | DpopNonceOptions;
}

/** Stateless server nonces: an HMAC of the current period, so processes sharing the key agree. */
export interface DpopNonceOptions {
  /** The HMAC key, at least 32 bytes. Default: random, per verifier. */
  secret?: string | Uint8Array;
  /**
   * Seconds one nonce is handed out; a nonce of the period before is still accepted, and a
   * response to a proof carrying it gets the fresh one in `DPoP-Nonce`. Default: 300.
   */
  lifetime?: number;
}

/**
 * A set of recently seen proof identifiers, shared by the processes of one resource server.
 * `remember` must be atomic across them: of two concurrent calls with one key, one resolves `true`.
 */
export interface DpopReplayStore {
  /**
   * Records `key` until `expiresAt` (epoch milliseconds) unless it is already recorded.
   * @returns `true` when the key is new, `false` when it was seen before (a replay).
   * @throws {TokenUnverifiableError} when the store cannot answer (the request gets a 503).
   */
  remember(key: string, expiresAt: number): Promise<boolean>;
}

/** Outbound HTTP to the provider. */
export interface HttpOptions {
  /**
   * Seconds allowed for one discovery, JWKS or introspection exchange; fractions allowed (0.3 is
   * 300 ms), at most 60 (milliseconds before 0.2). Default: 5.
   */
  timeout?: number;
  /** PEM trust anchor(s) for the provider's TLS certificate, replacing Node's defaults. Default: Node's. */
  ca?: string | readonly string[];
}
