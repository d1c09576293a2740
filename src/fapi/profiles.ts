/**
 * What each FAPI profile asks of an authorization server, as far as this package can set or check
 * it. One table per profile, so the preset code has no per-profile branches for facts.
 */

/** The host's names for the profiles (`features.fapi.profile` in oidc-provider). */
export type FapiProfileName = '2.0' | '1.0 Final';

/** The three client authentication methods both profiles permit. */
export const FAPI_CLIENT_AUTH_METHODS = ['tls_client_auth', 'self_signed_tls_client_auth', 'private_key_jwt'] as const;

/** The host's `enabledJWA` lists of JWS algorithms that FAPI restricts. */
export const SIGNING_ALG_LISTS = [
  'clientAuthSigningAlgValues',
  'idTokenSigningAlgValues',
  'requestObjectSigningAlgValues',
  'userinfoSigningAlgValues',
  'introspectionSigningAlgValues',
  'authorizationSigningAlgValues',
] as const;

/** Client metadata whose host default (`RS256`) no FAPI profile permits. */
export const SIGNED_RESPONSE_DEFAULTS = [
  'id_token_signed_response_alg',
  'authorization_signed_response_alg',
  'introspection_signed_response_alg',
] as const;

export interface ProfileRules {
  readonly name: FapiProfileName;
  /** How the profile is named in messages. */
  readonly title: string;
  /** The factory that applies it, named in messages that suggest the other profile. */
  readonly factory: string;
  /** JWS algorithms the profile permits for every signature it governs. */
  readonly algorithms: readonly string[];
  /** The default for {@link SIGNED_RESPONSE_DEFAULTS} when the configuration sets none. */
  readonly defaultAlgorithm: string;
  /** `responseTypes` the profile permits; also the default. */
  readonly responseTypes: readonly string[];
  /** PAR required for every authorization request. */
  readonly requirePar: boolean;
  /** Signed request objects required (JAR) for every authorization request. */
  readonly requireSignedRequestObject: boolean;
  /** JARM (`features.jwtResponseModes`) needed, for `response_type=code`. */
  readonly jarm: boolean;
  /** How to allow DPoP as the sender constraint, for messages; `undefined` where the profile does not. */
  readonly allowDpop: string | undefined;
  /** Maximum authorization code lifetime in seconds, when the profile sets one. */
  readonly maxCodeLifetime: number | undefined;
  /** Refresh token rotation must be off. */
  readonly noRefreshTokenRotation: boolean;
  /**
   * Bounds, in seconds, on how far in the future a JWT's `iat` or `nbf` may be: the smallest
   * `clockTolerance` the profile lets a server use (it must accept that much) and the largest
   * (it must refuse beyond). `undefined` where the profile sets none.
   */
  readonly clockSkew: { readonly min: number; readonly max: number } | undefined;
  /** `aud` of client assertions must be the issuer identifier as a string. */
  readonly issuerOnlyAssertionAudience: boolean;
  /**
   * Which redirect URIs a client may register: `https` only, or also `http` on a loopback IP
   * literal for native clients (RFC 8252 section 7.3).
   */
  readonly redirectUris: 'https' | 'https or native loopback';
  /** `redirect_uri` required in every authorization request, even with one registered URI. */
  readonly requireRedirectUri: boolean;
  /** A `client_id` that contradicts the client authentication is answered `invalid_client`. */
  readonly clientIdMismatchIsInvalidClient: boolean;
  /** OpenSSL names of the TLS 1.2 cipher suites the profile permits. */
  readonly tls12Ciphers: readonly string[];
}

/**
 * FAPI 2.0 Security Profile (Final). Section 5.4: PS256, ES256 or EdDSA with Ed25519. Section 5.2:
 * TLS 1.2 as recommended by BCP 195 (RFC 9325 section 4.2: ECDHE with AES-GCM, RSA or ECDSA).
 * Section 5.3: PAR, PKCE S256, sender-constrained tokens (mTLS or DPoP), codes of at most 60 s,
 * no refresh token rotation, only `response_type=code`, JWTs accepted up to 10 s and refused beyond
 * 60 s in the future (5.3.2.1 item 13), `https` redirect URIs or loopback ones for native clients
 * (5.3.2.2 item 8).
 */
export const FAPI_2_0: ProfileRules = Object.freeze({
  name: '2.0',
  title: 'FAPI 2.0 Security Profile',
  factory: 'fapi2SecurityProfile()',
  algorithms: Object.freeze(['PS256', 'ES256', 'EdDSA', 'Ed25519']),
  defaultAlgorithm: 'PS256',
  responseTypes: Object.freeze(['code']),
  requirePar: true,
  requireSignedRequestObject: false,
  jarm: false,
  allowDpop: 'allow DPoP with fapi2SecurityProfile(mtls, { dpop: true })',
  maxCodeLifetime: 60,
  noRefreshTokenRotation: true,
  clockSkew: Object.freeze({ min: 10, max: 60 }),
  issuerOnlyAssertionAudience: true,
  redirectUris: 'https or native loopback',
  // The host itself requires it under its 2.0 profile.
  requireRedirectUri: false,
  clientIdMismatchIsInvalidClient: false,
  tls12Ciphers: Object.freeze([
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
  ]),
});

/**
 * FAPI 1.0 Advanced (Final), Part 2. Section 8.6: PS256 or ES256. Section 8.5: TLS 1.2 with only
 * the four DHE/ECDHE RSA AES-GCM suites. Section 5.2.2: signed request objects, `code id_token`
 * or `code` with JARM, certificate-bound (mTLS) access tokens; PKCE when PAR is used. Part 1
 * section 5.2.2, which Part 2 imports: `redirect_uri` in every request (item 9), `invalid_client`
 * for mismatched client identifiers (item 19), `https` redirect URIs only (item 20, and section
 * 7.5: no private-use schemes or loopback redirects for native apps).
 */
export const FAPI_1_0_ADVANCED: ProfileRules = Object.freeze({
  name: '1.0 Final',
  title: 'FAPI 1.0 Advanced',
  factory: 'fapi1Advanced()',
  algorithms: Object.freeze(['PS256', 'ES256']),
  defaultAlgorithm: 'PS256',
  responseTypes: Object.freeze(['code id_token', 'code']),
  requirePar: false,
  requireSignedRequestObject: true,
  jarm: true,
  allowDpop: undefined,
  maxCodeLifetime: undefined,
  noRefreshTokenRotation: false,
  clockSkew: undefined,
  issuerOnlyAssertionAudience: false,
  redirectUris: 'https',
  requireRedirectUri: true,
  clientIdMismatchIsInvalidClient: true,
  tls12Ciphers: Object.freeze([
    'DHE-RSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'DHE-RSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
  ]),
});

export const PROFILES: Readonly<Record<FapiProfileName, ProfileRules>> = Object.freeze({
  '2.0': FAPI_2_0,
  '1.0 Final': FAPI_1_0_ADVANCED,
});
