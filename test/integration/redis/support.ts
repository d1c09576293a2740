// A plain oidc-provider (HTTP on loopback, client_secret_basic clients, no mTLS plugin) for the
// storage tests: what they exercise is the adapter under the host's real token endpoint.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { Provider, type AdapterFactory, type Configuration, type ClientMetadata } from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';

export const REDIRECT_URI = 'https://rp.example.test/cb';

export const CLIENT: ClientMetadata = {
  client_id: 'storage-client',
  client_secret: 'storage-client-secret-not-a-real-one',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT_URI],
};

/** One signing key per test run, shared by the provider instances that stand behind one "load balancer". */
export function testJwks(): { keys: Record<string, unknown>[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'storage-test', use: 'sig' }] };
}

/**
 * Loads the host's own memory adapter, the reference these tests compare the Redis adapter with (the
 * package root does not export it), as a factory taking the provider's clock tolerance.
 */
export async function loadMemoryAdapter(): Promise<(clockTolerance?: number) => AdapterFactory> {
  const specifier: string = 'oidc-provider/lib/adapters/memory_adapter.js';
  const { createMemoryAdapter } = await import(specifier) as { createMemoryAdapter(clockTolerance?: number): AdapterFactory };
  return createMemoryAdapter;
}

/**
 * Declares `body` against the host's memory adapter, the reference the Redis adapter is compared
 * with; `body` gets a factory taking the provider's clock tolerance.
 */
export function describeMemoryReference(body: (adapter: (clockTolerance?: number) => AdapterFactory) => void): void {
  describe('the host\'s memory adapter (the reference)', () => {
    let createMemoryAdapter: (clockTolerance?: number) => AdapterFactory;
    before(async () => {
      createMemoryAdapter = await loadMemoryAdapter();
    });
    body((clockTolerance) => createMemoryAdapter(clockTolerance));
  });
}

export interface PlainProvider {
  provider: Provider;
  issuer: string;
  close(): Promise<void>;
}

export async function startPlainProvider(
  adapter: Configuration['adapter'],
  jwks: { keys: Record<string, unknown>[] },
  config: Configuration = {},
): Promise<PlainProvider> {
  const { features, ...rest } = config;
  let provider: Provider | undefined;
  const server: Server = createServer((req, res) => provider!.callback()(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = new Provider(issuer, {
    adapter,
    jwks: jwks as Configuration['jwks'],
    clients: [CLIENT],
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access'],
    pkce: { required: () => false },
    cookies: { keys: ['storage-test-cookie-key-not-secret'] },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      ...features,
    } as Configuration['features'],
    ...rest,
  });
  return {
    provider,
    issuer,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/**
 * Issues an authorization code the way the authorization endpoint does after login and consent: a
 * Grant saved through the adapter and an AuthorizationCode bound to it. Driving the browser flow
 * would add nothing here: what these tests exercise is redemption at the token endpoint.
 */
export async function issueCode(provider: Provider, clientId = CLIENT.client_id): Promise<string> {
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error(`client ${clientId} not found`);
  const grant = new provider.Grant({ accountId: 'user-1', clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const code = new provider.AuthorizationCode({
    accountId: 'user-1',
    authTime: Math.floor(Date.now() / 1000),
    client,
    grantId,
    gty: 'authorization_code',
    redirectUri: REDIRECT_URI,
    scope: 'openid offline_access',
  });
  return code.save();
}

export interface FormResponse {
  status: number;
  body: Record<string, unknown>;
}

const agent = new Agent({ connections: 128 });

/** POSTs a form with HTTP Basic client authentication (RFC 6749 section 2.3.1). */
export async function post(
  url: string,
  form: Record<string, string>,
  client: Pick<ClientMetadata, 'client_id' | 'client_secret'> = CLIENT,
): Promise<FormResponse> {
  const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(String(client.client_secret))}`).toString('base64');
  const response = await undiciFetch(url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(form).toString(),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

/** Sends `count` requests at once and returns their answers. */
export function concurrently(count: number, send: () => Promise<FormResponse>): Promise<FormResponse[]> {
  return Promise.all(Array.from({ length: count }, send));
}
