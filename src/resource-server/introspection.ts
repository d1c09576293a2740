import { createHash } from 'node:crypto';
import { TokenUnverifiableError } from '../errors.js';
import { checkIntrospected, type AccessTokenClaims } from './claims.js';
import { clientCredentials } from './client-auth.js';
import { jsonObject, send } from './http.js';
import { Cache } from '../util/cache.js';
import type { ProviderEndpoints } from './metadata.js';
import type { ResolvedIntrospection, ResolvedOptions } from './resolve.js';

type Response = Record<string, unknown>;

/**
 * Returns a checker of opaque tokens by RFC 7662 introspection. Responses are cached by the
 * SHA-256 of the token (the token itself is never kept), active ones for `cache.maxAge` but never
 * past the token's `exp`, inactive ones for `cache.inactiveMaxAge`; concurrent checks of one token
 * share one call. Claims are re-checked on every use, so a cached token still expires on time.
 * @throws {TokenInvalidError} for an inactive token or one that fails the claim checks.
 * @throws {TokenUnverifiableError} when the provider cannot be reached or answers with an error.
 */
export function createIntrospectionCheck(
  options: ResolvedOptions,
  introspection: ResolvedIntrospection,
  metadata: () => Promise<ProviderEndpoints>,
): (token: string) => Promise<AccessTokenClaims> {
  const { cache: limits } = introspection;
  // Without a cache nothing is kept, but concurrent checks of one token still share one call.
  const cache = new Cache<Response>(limits ? limits.max : 0);

  const lookup = async (token: string, key: string): Promise<Response> => {
    const response = await introspect(token, options, introspection, metadata);
    if (limits) {
      const now = Date.now();
      const exp = response['exp'];
      const until = response['active'] === true
        ? Math.min(now + limits.maxAge, typeof exp === 'number' ? exp * 1000 : Infinity)
        : now + limits.inactiveMaxAge;
      cache.set(key, response, until, now);
    }
    return response;
  };

  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64url');
    const response = await cache.getOrLoad(key, Date.now(), () => lookup(token, key));
    return checkIntrospected(response, options, Date.now());
  };
}

async function introspect(
  token: string,
  options: ResolvedOptions,
  introspection: ResolvedIntrospection,
  metadata: () => Promise<ProviderEndpoints>,
): Promise<Response> {
  const endpoint = introspection.endpoint ?? await discoveredEndpoint(introspection, metadata);
  const credentials = await clientCredentials(introspection.auth, introspection.clientId, options.issuer, options.ca);
  const body = new URLSearchParams({ token, token_type_hint: 'access_token', ...credentials.params }).toString();
  let response;
  try {
    response = await send(endpoint, {
      method: 'POST',
      headers: { ...credentials.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      timeout: options.timeout,
      tls: credentials.tls,
    });
  } catch (cause) {
    throw new TokenUnverifiableError('the introspection endpoint could not be reached', { cause });
  }
  if (response.status !== 200) {
    throw new TokenUnverifiableError(`the introspection endpoint answered HTTP ${response.status}`);
  }
  try {
    return jsonObject(response, 'introspection');
  } catch (cause) {
    throw new TokenUnverifiableError('the introspection response is not a JSON object', { cause });
  }
}

/** RFC 8705 section 5: mutual-TLS methods go to the provider's mTLS alias when it has one. */
async function discoveredEndpoint(
  introspection: ResolvedIntrospection,
  metadata: () => Promise<ProviderEndpoints>,
): Promise<URL> {
  const endpoints = await metadata();
  const mutualTls = introspection.auth.method === 'tls_client_auth' || introspection.auth.method === 'self_signed_tls_client_auth';
  const endpoint = (mutualTls ? endpoints.mtlsIntrospectionEndpoint : undefined) ?? endpoints.introspectionEndpoint;
  if (!endpoint) throw new TokenUnverifiableError('the authorization server metadata has no introspection_endpoint');
  if (mutualTls && endpoint.protocol !== 'https:') {
    throw new TokenUnverifiableError('the discovered introspection endpoint is not https, so mutual TLS cannot be used');
  }
  return endpoint;
}
