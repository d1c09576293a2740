// A real oidc-provider with the plugin, served over real TLS on loopback: the main origin (no
// certificate request) and the mTLS alias origin (createMtlsServer), plus a scripted interaction
// that logs in `user-1` and grants what was asked, so authorization_code flows run unattended.
import { once, type EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Provider, type ClientMetadata, type Configuration } from 'oidc-provider';
import { createMtls, createMtlsServer, EVENTS, type MtlsOptions } from '../../src/index.js';
import { type MtlsError } from '../../src/errors.js';
import type { TestCertificate, TestPki } from './pki.js';

export const RESOURCE_JWT = 'urn:example:rs:jwt';
export const RESOURCE_OPAQUE = 'urn:example:rs:opaque';
export const REDIRECT_URI = 'https://client.example.test/cb';

/**
 * The client most integration tests authenticate: `tls_client_auth` with the subject DN of
 * createTestPki's clientA, allowed client_credentials only. `metadata` adds or overrides fields.
 */
export function certificateClient(clientId = 'tls-cc', metadata: Partial<ClientMetadata> = {}): ClientMetadata {
  return {
    client_id: clientId,
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    ...metadata,
  };
}

export interface TestProvider {
  provider: Provider;
  issuer: string;
  /** Origin of the listener that asks for client certificates. */
  mtlsOrigin: string;
  /** Every `mtls.refused` event the provider emitted, in order. */
  refusals: MtlsError[];
  close(): Promise<void>;
}

export interface TestProviderOptions {
  pki: TestPki;
  clients: Configuration['clients'];
  mtls?: Partial<MtlsOptions>;
  config?: Configuration;
  adapter?: Configuration['adapter'];
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Public JWK of a test key plus its certificate as `x5c`, for `jwks`-registered clients. */
export function jwkWithCertificate(cert: TestCertificate): Record<string, unknown> {
  const jwk = cert.x509.publicKey.export({ format: 'jwk' });
  return { ...jwk, use: 'sig', x5c: [cert.der.toString('base64')] };
}

/**
 * The scripted interaction: logs in `user-1` and grants what was asked (the OIDC scopes, and
 * `api:read` on both test resources), so authorization_code flows run unattended.
 */
export function scriptedConsent(provider: Provider): Parameters<Provider['use']>[0] {
  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = new provider.Grant({ accountId: 'user-1', clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    grant.addResourceScope(RESOURCE_OPAQUE, 'api:read');
    grant.addResourceScope(RESOURCE_JWT, 'api:read');
    const grantId = await grant.save();
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: 'user-1' }, consent: { grantId } });
  };
}

export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const { pki } = options;
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const dispatch = (req: IncomingMessage, res: ServerResponse) => handler(req, res);
  const main = createServer({ key: pki.server.keyPem, cert: pki.server.pem }, dispatch);
  const alias = createMtlsServer({ key: pki.server.keyPem, cert: pki.server.pem }, dispatch);
  const [mainPort, aliasPort] = [await listen(main), await listen(alias)];
  const issuer = `https://localhost:${mainPort}`;
  const mtlsOrigin = `https://localhost:${aliasPort}`;

  const mtls = createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin, ...options.mtls });
  const config = mtls.configure({
    clients: options.clients,
    ...(options.adapter ? { adapter: options.adapter } : {}),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access', 'api:read'],
    pkce: { required: () => false },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // No default: a request without `resource` gets a token for the host's own userinfo.
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: 'api:read',
          audience: resource,
          accessTokenFormat: resource === RESOURCE_JWT ? 'jwt' : 'opaque',
        }),
      },
    },
    ...options.config,
  } satisfies Configuration);
  const provider = new Provider(issuer, config);
  mtls.attach(provider);
  // A 500 is always a defect here: make its cause visible in the test output.
  provider.on('server_error', (_ctx, error) => console.error('provider server_error:', error));
  const refusals: MtlsError[] = [];
  // @types/oidc-provider lists only the host's own event names.
  (provider as unknown as EventEmitter).on(EVENTS.refused, (_ctx: unknown, error: MtlsError) => refusals.push(error));

  provider.use(scriptedConsent(provider));

  handler = provider.callback();
  return {
    provider,
    issuer,
    mtlsOrigin,
    refusals,
    async close() {
      for (const server of [main, alias]) {
        server.closeAllConnections();
        server.close();
      }
    },
  };
}
