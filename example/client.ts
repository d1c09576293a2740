// The client side of the example: fetch over undici trusting the example root and presenting a
// certificate with its issuing CA (as a correctly configured client does), openid-client discovery
// through it, and a browser stand-in that follows the authorization redirects to the client.
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ExampleCertificate } from './pki.js';

export type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The TLS client options that trust `ca` and present `certificate` (and `chain`, its issuers). */
export function tlsAgent(ca: ExampleCertificate, certificate?: ExampleCertificate, chain: readonly ExampleCertificate[] = []): Agent {
  const identity = certificate ? { cert: [certificate, ...chain].map((entry) => entry.pem).join(''), key: certificate.keyPem } : {};
  return new Agent({ connect: { ca: ca.pem, ...identity } });
}

/** A fetch through {@link tlsAgent}. */
export function tlsFetch(ca: ExampleCertificate, certificate?: ExampleCertificate, chain: readonly ExampleCertificate[] = []): Fetch {
  const dispatcher = tlsAgent(ca, certificate, chain);
  return ((url, init) => undiciFetch(url, { ...(init as object), dispatcher })) as Fetch;
}

/** openid-client configuration for `clientId`, discovered and then used through `fetch`. */
export async function discover(
  issuer: string,
  clientId: string,
  metadata: Partial<oidc.ClientMetadata>,
  auth: oidc.ClientAuth,
  fetch: Fetch,
): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(issuer), clientId, metadata, auth, { [oidc.customFetch]: fetch as never });
  config[oidc.customFetch] = fetch as never;
  return config;
}

/**
 * Follows an authorization request's redirects as a browser would (keeping cookies) through the
 * demo's automatic consent, until the redirect to `redirectUri`, which it returns.
 */
export async function authorize(url: URL, fetch: Fetch, redirectUri: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let next = url.href;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await fetch(next, { redirect: 'manual', headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
    const location = response.headers.get('location');
    if (location === null) throw new Error(`authorization stopped at ${next} with status ${response.status}: ${await response.text()}`);
    next = new URL(location, next).href;
    if (next.startsWith(redirectUri)) return new URL(next);
  }
  throw new Error('too many redirects during authorization');
}
