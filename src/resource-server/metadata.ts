import { TokenUnverifiableError } from '../errors.js';
import { Cache } from '../util/cache.js';
import { jsonObject, send } from './http.js';
import type { ResolvedOptions } from './resolve.js';

/** The authorization server metadata the verifier uses (RFC 8414 section 2, RFC 8705 section 5). */
export interface ProviderEndpoints {
  readonly jwksUri: URL | undefined;
  readonly introspectionEndpoint: URL | undefined;
  readonly mtlsIntrospectionEndpoint: URL | undefined;
}

/**
 * Returns a loader of the issuer's metadata. The first successful answer is kept for the life of
 * the verifier; a failure is not kept, so the next request tries again, and concurrent requests
 * share one fetch.
 */
export function createMetadataLoader(options: ResolvedOptions): () => Promise<ProviderEndpoints> {
  const loaded = new Cache<ProviderEndpoints>(1);
  return () => loaded.getOrLoad('', 0, async () => {
    const endpoints = await discover(options);
    loaded.set('', endpoints, Number.POSITIVE_INFINITY, 0);
    return endpoints;
  });
}

async function discover(options: ResolvedOptions): Promise<ProviderEndpoints> {
  const url = new URL(`${options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  let metadata: Record<string, unknown>;
  try {
    const response = await send(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      timeout: options.timeout,
      tls: options.ca ? { ca: options.ca } : {},
    });
    if (response.status !== 200) throw new Error(`expected 200 OK, got ${response.status}`);
    metadata = jsonObject(response, 'discovery');
  } catch (cause) {
    throw new TokenUnverifiableError('the authorization server metadata could not be fetched', { cause });
  }
  // RFC 8414 section 3.3: metadata that names another issuer must not be used.
  if (metadata['issuer'] !== options.issuer) {
    throw new TokenUnverifiableError('the authorization server metadata names a different issuer');
  }
  const aliases = metadata['mtls_endpoint_aliases'];
  return Object.freeze({
    jwksUri: optionalUrl(metadata['jwks_uri'], 'jwks_uri'),
    introspectionEndpoint: optionalUrl(metadata['introspection_endpoint'], 'introspection_endpoint'),
    mtlsIntrospectionEndpoint: typeof aliases === 'object' && aliases !== null
      ? optionalUrl((aliases as Record<string, unknown>)['introspection_endpoint'], 'mtls_endpoint_aliases.introspection_endpoint')
      : undefined,
  });
}

function optionalUrl(value: unknown, name: string): URL | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('not http(s)');
    return url;
  } catch (cause) {
    throw new TokenUnverifiableError(`the authorization server metadata has an invalid ${name}`, { cause });
  }
}
