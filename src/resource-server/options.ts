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
  /** Certificate binding (RFC 8705 section 3). */
  binding?: BindingOptions;
  /**
   * Scopes every token must carry; otherwise 403 `insufficient_scope` (RFC 6750 section 3.1).
   * Default: none.
   */
  scopes?: readonly string[];
  /** Seconds of leeway on `exp`, `nbf` and `iat`. Default: 5. */
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
  /** Milliseconds a fetched JWKS is used before it is refetched. Default: 600000 (10 minutes). */
  cacheMaxAge?: number;
  /** Milliseconds between refetches triggered by an unknown `kid`. Default: 30000. */
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
  /** Cache of introspection responses; `false` disables it. Default: `{ max: 1000, maxAge: 30000, inactiveMaxAge: 0 }`. */
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
   * Milliseconds an active response is reused; never beyond the token's `exp`. This is also how
   * long a revocation can go unnoticed. Default: 30000.
   */
  maxAge?: number;
  /** Milliseconds an `active: false` response is reused. Default: 0 (not cached). */
  inactiveMaxAge?: number;
}

/** Certificate binding options (RFC 8705 section 3). */
export interface BindingOptions {
  /**
   * Refuse tokens that carry no `cnf.x5t#S256` (`ERR_MTLS_TOKEN_UNBOUND`). Bound tokens are always
   * checked against the presented certificate, whatever this says. Default: `false`.
   */
  required?: boolean;
}

/** Outbound HTTP to the provider. */
export interface HttpOptions {
  /** Milliseconds allowed for one discovery, JWKS or introspection exchange. Default: 5000. */
  timeout?: number;
  /** PEM trust anchor(s) for the provider's TLS certificate, replacing Node's defaults. Default: Node's. */
  ca?: string | readonly string[];
}
