import { createPrivateKey, KeyObject, randomBytes } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { ConfigurationError } from '../errors.js';
import type {
  DpopOptions,
  DpopReplayStore,
  IntrospectionClientAuth,
  IntrospectionOptions,
  JwtAccessTokenOptions,
  TokenVerifierOptions,
} from './options.js';
import { memoryReplayStore } from './replay.js';
import { booleanOption, DEFAULT_CLOCK_TOLERANCE, numberOption, onlyKnownKeys, optionsObject, secondsOption } from '../util/options.js';

const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]);
const HMAC_ALGORITHMS: ReadonlySet<string> = new Set(['HS256', 'HS384', 'HS512']);
// RFC 6749 appendix A.4 scope-token characters, and what a quoted-string can carry unescaped.
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const QUOTABLE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

const TOP_KEYS: readonly (keyof TokenVerifierOptions)[] = [
  'issuer', 'audience', 'jwt', 'introspection', 'binding', 'dpop', 'scopes', 'clockTolerance', 'realm', 'discovery', 'http',
];
const JWT_KEYS: readonly (keyof JwtAccessTokenOptions)[] = ['jwks', 'algorithms', 'secret', 'cacheMaxAge', 'cooldown'];
const INTROSPECTION_KEYS: readonly (keyof IntrospectionOptions)[] = ['endpoint', 'clientId', 'auth', 'cache'];
const DPOP_KEYS: readonly (keyof DpopOptions)[] = ['algorithms', 'maxAge', 'origin', 'replayStore', 'nonce'];
// The keys each client authentication method reads (RFC 7662 section 2.1 leaves the method to the provider).
const AUTH_KEYS: Readonly<Record<string, readonly string[]>> = {
  client_secret_basic: ['method', 'secret'],
  client_secret_post: ['method', 'secret'],
  private_key_jwt: ['method', 'key', 'alg', 'kid'],
  tls_client_auth: ['method', 'certificate', 'key'],
  self_signed_tls_client_auth: ['method', 'certificate', 'key'],
};

/** Durations below are milliseconds: the options are seconds, converted once here. */
export interface ResolvedJwt {
  readonly jwks: URL | JSONWebKeySet | undefined;
  readonly secret: Uint8Array | undefined;
  readonly algorithms: readonly string[];
  readonly cacheMaxAge: number;
  readonly cooldown: number;
}

export type ResolvedClientAuth =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly key: KeyObject; readonly alg: string; readonly kid: string | undefined }
  | { readonly method: 'tls_client_auth' | 'self_signed_tls_client_auth'; readonly certificate: string; readonly key: string | KeyObject };

export interface ResolvedIntrospection {
  readonly endpoint: URL | undefined;
  readonly clientId: string;
  readonly auth: ResolvedClientAuth;
  readonly cache: { readonly max: number; readonly maxAge: number; readonly inactiveMaxAge: number } | undefined;
}

export interface ResolvedDpop {
  readonly algorithms: readonly string[];
  /** Seconds. */
  readonly maxAge: number;
  /** `scheme://host[:port]` of the configured public origin. */
  readonly origin: string | undefined;
  readonly replayStore: DpopReplayStore;
  readonly nonce: { readonly secret: Uint8Array; readonly lifetime: number } | undefined;
}

export interface ResolvedOptions {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly jwt: ResolvedJwt | undefined;
  readonly introspection: ResolvedIntrospection | undefined;
  readonly bindingRequired: boolean;
  readonly dpop: ResolvedDpop | undefined;
  readonly scopes: readonly string[];
  readonly clockTolerance: number;
  readonly realm: string | undefined;
  readonly discovery: boolean;
  readonly timeout: number;
  readonly ca: readonly string[] | undefined;
}

/**
 * Validates {@link TokenVerifierOptions} once and returns a frozen, fully defaulted copy.
 * @throws {ConfigurationError} naming the dotted option path of the first problem.
 */
export function resolveOptions(options: TokenVerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  onlyKnownKeys(options, TOP_KEYS, '', 'createTokenVerifier');
  // Kept as given: `iss` is compared as a string, never normalized (RFC 8414 section 3.3).
  if (typeof options.issuer !== 'string') fail('issuer must be an http(s) URL string');
  httpUrl(options.issuer, 'issuer');
  const issuer = options.issuer;
  const audience = stringList(options.audience, 'audience');
  const clockTolerance = secondsOption(options.clockTolerance, DEFAULT_CLOCK_TOLERANCE, 'clockTolerance');
  const http = options.http === undefined ? {} : optionsObject(options.http, 'http');
  onlyKnownKeys(http, ['timeout', 'ca'], 'http');
  const timeout = secondsOption(http.timeout, 5, 'http.timeout', { positive: true, max: 60 }) * 1000;
  const ca = http.ca === undefined ? undefined : stringList(http.ca as string | readonly string[], 'http.ca');
  const discovery = booleanOption(options.discovery, true, 'discovery');
  const jwt = options.jwt === false ? undefined : resolveJwt(options.jwt ?? {});
  const introspection = options.introspection === undefined ? undefined : resolveIntrospection(options.introspection);
  if (!discovery && jwt && jwt.jwks === undefined && jwt.secret === undefined) {
    fail('jwt.jwks is required when discovery is false (or set jwt to false)');
  }
  if (!discovery && introspection && introspection.endpoint === undefined) {
    fail('introspection.endpoint is required when discovery is false');
  }
  const scopes = options.scopes ?? [];
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string' && SCOPE_TOKEN.test(scope))) {
    fail('scopes must be an array of RFC 6749 scope tokens');
  }
  if (options.realm !== undefined && (typeof options.realm !== 'string' || !QUOTABLE.test(options.realm))) {
    fail('realm must be a string of printable ASCII without " or \\');
  }
  const binding = options.binding === undefined ? {} : optionsObject(options.binding, 'binding');
  onlyKnownKeys(binding, ['required'], 'binding');
  return Object.freeze({
    issuer,
    audience,
    jwt,
    introspection,
    bindingRequired: booleanOption(binding.required, false, 'binding.required'),
    dpop: options.dpop === false ? undefined : resolveDpop(options.dpop ?? {}),
    scopes: Object.freeze([...scopes]),
    clockTolerance,
    realm: options.realm,
    discovery,
    timeout,
    ca,
  });
}

function resolveJwt(jwt: JwtAccessTokenOptions): ResolvedJwt {
  optionsObject(jwt, 'jwt', 'an object or false');
  onlyKnownKeys(jwt, JWT_KEYS, 'jwt');
  const secret = jwt.secret === undefined ? undefined : resolveSecret(jwt.secret);
  if (secret && jwt.jwks !== undefined) fail('jwt.jwks and jwt.secret are mutually exclusive');
  const algorithms = jwt.algorithms ?? (secret ? ['HS256'] : ASYMMETRIC_ALGORITHMS);
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((alg) => typeof alg === 'string')) {
    fail('jwt.algorithms must be a non-empty array of JWS algorithm names');
  }
  if (algorithms.some((alg) => alg.toLowerCase() === 'none')) fail('jwt.algorithms must not contain "none"');
  if (secret && !algorithms.every((alg) => HMAC_ALGORITHMS.has(alg))) {
    fail('jwt.algorithms must only contain HS256, HS384 or HS512 when jwt.secret is set');
  }
  if (!secret && algorithms.some((alg) => HMAC_ALGORITHMS.has(alg))) {
    fail('jwt.algorithms may contain HS256, HS384 or HS512 only when jwt.secret is set');
  }
  return Object.freeze({
    jwks: resolveJwks(jwt.jwks),
    secret,
    algorithms: Object.freeze([...algorithms]),
    cacheMaxAge: secondsOption(jwt.cacheMaxAge, 600, 'jwt.cacheMaxAge') * 1000,
    cooldown: secondsOption(jwt.cooldown, 30, 'jwt.cooldown') * 1000,
  });
}

function resolveDpop(dpop: DpopOptions): ResolvedDpop {
  optionsObject(dpop, 'dpop', 'an object or false');
  onlyKnownKeys(dpop, DPOP_KEYS, 'dpop');
  const algorithms = dpop.algorithms ?? ASYMMETRIC_ALGORITHMS;
  // RFC 9449 section 4.3 check 5: asymmetric algorithms only, never none or a MAC.
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((alg) => ASYMMETRIC_ALGORITHMS.includes(alg))) {
    fail(`dpop.algorithms must be a non-empty array of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  }
  let origin: string | undefined;
  if (dpop.origin !== undefined) {
    const url = httpUrl(dpop.origin, 'dpop.origin');
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      fail('dpop.origin must be an origin (scheme, host and port only)');
    }
    origin = url.origin;
  }
  const store = dpop.replayStore;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.remember !== 'function')) {
    fail('dpop.replayStore must be an object with a remember(key, expiresAt) method');
  }
  return Object.freeze({
    algorithms: Object.freeze([...algorithms]),
    maxAge: secondsOption(dpop.maxAge, 60, 'dpop.maxAge', { positive: true }),
    origin,
    replayStore: store ?? memoryReplayStore(),
    nonce: resolveNonce(dpop.nonce),
  });
}

function resolveNonce(nonce: DpopOptions['nonce']): ResolvedDpop['nonce'] {
  if (nonce === undefined || nonce === false) return undefined;
  if (nonce !== true && (typeof nonce !== 'object' || nonce === null)) fail('dpop.nonce must be a boolean or an object');
  const options = nonce === true ? {} : nonce;
  onlyKnownKeys(options, ['secret', 'lifetime'], 'dpop.nonce');
  let secret: Uint8Array = randomBytes(32);
  if (options.secret !== undefined) {
    secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (!(secret instanceof Uint8Array) || secret.byteLength < 32) fail('dpop.nonce.secret must be a string or Uint8Array of at least 32 bytes');
  }
  return Object.freeze({ secret, lifetime: numberOption(options.lifetime, 300, 'dpop.nonce.lifetime', { exclusive: true, integer: true, unit: 'seconds' }) });
}

function resolveSecret(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 32) {
    fail('jwt.secret must be a string or Uint8Array of at least 32 bytes (RFC 7518 section 3.2)');
  }
  return bytes;
}

function resolveJwks(jwks: JwtAccessTokenOptions['jwks']): URL | JSONWebKeySet | undefined {
  if (jwks === undefined) return undefined;
  if (typeof jwks === 'string' || jwks instanceof URL) return httpUrl(jwks, 'jwt.jwks');
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    fail('jwt.jwks must be a URL or a JWKS object with a "keys" array');
  }
  if (jwks.keys.some((key) => typeof key !== 'object' || key === null || 'd' in key || key.kty === 'oct')) {
    fail('jwt.jwks must only contain public keys');
  }
  return structuredClone(jwks);
}

function resolveIntrospection(introspection: IntrospectionOptions): ResolvedIntrospection {
  optionsObject(introspection, 'introspection');
  onlyKnownKeys(introspection, INTROSPECTION_KEYS, 'introspection');
  if (typeof introspection.clientId !== 'string' || introspection.clientId === '') {
    fail('introspection.clientId must be a non-empty string');
  }
  const auth = resolveClientAuth(introspection.auth);
  const endpoint = introspection.endpoint === undefined ? undefined : httpUrl(introspection.endpoint, 'introspection.endpoint');
  if (endpoint && endpoint.protocol !== 'https:' && auth.method.includes('tls_client_auth')) {
    fail(`introspection.endpoint must be an https URL for introspection.auth.method ${auth.method}`);
  }
  const cache = introspection.cache ?? {};
  if (cache !== false) onlyKnownKeys(optionsObject(cache, 'introspection.cache', 'an object or false'), ['max', 'maxAge', 'inactiveMaxAge'], 'introspection.cache');
  return Object.freeze({
    endpoint,
    clientId: introspection.clientId,
    auth,
    cache: cache === false ? undefined : Object.freeze({
      max: numberOption(cache.max, 1000, 'introspection.cache.max', { exclusive: true, integer: true }),
      maxAge: secondsOption(cache.maxAge, 30, 'introspection.cache.maxAge') * 1000,
      inactiveMaxAge: secondsOption(cache.inactiveMaxAge, 0, 'introspection.cache.inactiveMaxAge') * 1000,
    }),
  });
}

function resolveClientAuth(auth: IntrospectionClientAuth): ResolvedClientAuth {
  if (typeof auth !== 'object' || auth === null || !Object.hasOwn(AUTH_KEYS, auth.method)) {
    fail(`introspection.auth.method must be one of ${Object.keys(AUTH_KEYS).join(', ')}`);
  }
  onlyKnownKeys(auth, AUTH_KEYS[auth.method]!, 'introspection.auth');
  switch (auth.method) {
    case 'client_secret_basic':
    case 'client_secret_post':
      if (typeof auth.secret !== 'string' || auth.secret === '') fail('introspection.auth.secret must be a non-empty string');
      return Object.freeze({ method: auth.method, secret: auth.secret });
    case 'private_key_jwt': {
      let key: KeyObject;
      try {
        key = auth.key instanceof KeyObject ? auth.key : createPrivateKey({ key: auth.key as never, format: 'jwk' });
      } catch (cause) {
        throw new ConfigurationError('introspection.auth.key must be a private KeyObject or a private JWK', { cause });
      }
      if (key.type !== 'private') fail('introspection.auth.key must be a private key');
      if (typeof auth.alg !== 'string' || !ASYMMETRIC_ALGORITHMS.includes(auth.alg)) {
        fail(`introspection.auth.alg must be one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
      }
      if (auth.kid !== undefined && typeof auth.kid !== 'string') fail('introspection.auth.kid must be a string');
      return Object.freeze({ method: auth.method, key, alg: auth.alg, kid: auth.kid });
    }
    default:
      if (typeof auth.certificate !== 'string' || !auth.certificate.includes('-----BEGIN CERTIFICATE-----')) {
        fail('introspection.auth.certificate must be a PEM certificate');
      }
      if (!(auth.key instanceof KeyObject) && typeof auth.key !== 'string') {
        fail('introspection.auth.key must be a PEM private key or a KeyObject');
      }
      return Object.freeze({ method: auth.method, certificate: auth.certificate, key: auth.key });
  }
}

function httpUrl(value: unknown, path: string): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' || value instanceof URL ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) fail(`${path} must be an http(s) URL`);
  return url;
}

function stringList(value: string | readonly string[], path: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string' && item !== '')) {
    fail(`${path} must be a non-empty string or a non-empty array of non-empty strings`);
  }
  return Object.freeze([...list]);
}

// Messages here already start with the option's dotted path.
function fail(message: string): never {
  throw new ConfigurationError(message);
}
