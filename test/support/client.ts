// The relying-party side of the integration tests: openid-client v6 over undici, with or without a
// client certificate, and a browser stand-in that follows the authorization redirects.
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { TestCertificate } from './pki.js';

export type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that trusts the test root and presents `cert` (when given) in the TLS handshake, with its
 * intermediates, as a correctly configured client does.
 */
export function tlsFetch(ca: TestCertificate, cert?: TestCertificate): Fetch {
  const dispatcher = new Agent({
    connect: { ca: ca.pem, ...(cert ? { cert: cert.pem + cert.chainPem, key: cert.keyPem } : {}) },
  });
  return ((url, init) => undiciFetch(url, { ...(init as object), dispatcher })) as Fetch;
}

/** openid-client configuration for `clientId`, talking through `fetch`. */
export async function discover(
  issuer: string,
  clientId: string,
  metadata: Partial<oidc.ClientMetadata>,
  auth: oidc.ClientAuth,
  fetch: Fetch,
): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(issuer), clientId, metadata, auth, {
    [oidc.customFetch]: fetch as never,
  });
  config[oidc.customFetch] = fetch as never;
  return config;
}

/**
 * Runs an authorization request the way a browser would: follows redirects through the scripted
 * interaction, carrying cookies, until the redirect to the client's `redirect_uri`. The status of
 * each redirect is appended to `statuses` when given.
 */
export async function authorize(url: URL, fetch: Fetch, redirectUri: string, statuses?: number[]): Promise<URL> {
  const cookies = new Map<string, string>();
  let next = url.href;
  for (let hop = 0; hop < 10; hop += 1) {
    const response = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      cookies.set(pair.slice(0, index), pair.slice(index + 1));
    }
    statuses?.push(response.status);
    const location = response.headers.get('location');
    if (location === null) {
      throw new Error(`authorization stopped at ${next} with status ${response.status}: ${await response.text()}`);
    }
    next = new URL(location, next).href;
    if (next.startsWith(redirectUri)) return new URL(next);
  }
  throw new Error('too many redirects during authorization');
}

/** POSTs a form and returns status and JSON body, for asserting on refusals. */
export async function postForm(
  fetch: Fetch,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) as Record<string, unknown> : {}, headers: response.headers };
}
