// The example deployment: an authorization server (main origin + mTLS alias) and a resource server
// that accepts only certificate-bound tokens. Storage is in memory unless REDIS_URL is set.
import Koa from 'koa';
import { Provider, type Configuration } from 'oidc-provider';
import { createMtls, createMtlsServer } from '../src/index.js';
import { createTokenVerifier, koaBoundToken, socketSource, type MtlsKoaState } from '../src/resource-server/index.js';
import { exampleClients, RESOURCE, RESOURCE_SERVER_CLIENT } from './clients.js';
import { closeServers, listen, startProviderListeners } from './listeners.js';
import type { ExamplePki } from './pki.js';
import { exampleAdapter } from './storage.js';

export interface StackPorts {
  issuer: number;
  mtls: number;
  resource: number;
}

export interface StackOptions {
  /**
   * Access tokens for the resource server: JWTs it verifies with the issuer's keys, or opaque
   * tokens kept in the provider's storage, which it introspects.
   * @default 'jwt'
   */
  accessTokenFormat?: 'jwt' | 'opaque';
}

export interface Stack {
  issuer: string;
  mtlsOrigin: string;
  resourceUrl: string;
  storage: string;
  close(): Promise<void>;
}

export async function startStack(pki: ExamplePki, ports: StackPorts, { accessTokenFormat = 'jwt' }: StackOptions = {}): Promise<Stack> {
  const tls = { key: pki.server.keyPem, cert: pki.server.pem };
  const { main, alias, issuer, mtlsOrigin, serve } = await startProviderListeners(tls, ports);

  const storage = await exampleAdapter();
  const mtls = createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin });
  const provider = new Provider(issuer, mtls.configure({
    clients: exampleClients(pki),
    ...(storage.adapter ? { adapter: storage.adapter } : {}),
    scopes: ['api:read'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        getResourceServerInfo: () => ({ scope: 'api:read', audience: RESOURCE, accessTokenFormat }),
      },
    },
  } satisfies Configuration));
  mtls.attach(provider);
  serve(provider.callback());

  const verifier = createTokenVerifier({
    issuer,
    audience: RESOURCE,
    binding: { required: true },
    introspection: { clientId: RESOURCE_SERVER_CLIENT.client_id, auth: { method: 'client_secret_basic', secret: RESOURCE_SERVER_CLIENT.client_secret } },
    http: { ca: pki.root.pem },
  });
  const app = new Koa<MtlsKoaState>();
  app.use(koaBoundToken(verifier, { certificateSource: socketSource() }));
  app.use((ctx) => {
    const { claims } = ctx.state.mtls;
    ctx.body = { message: 'hello from the resource server', client_id: claims.client_id, cnf: claims.cnf };
  });
  const resource = createMtlsServer({ ...tls }, app.callback());
  const resourceUrl = `https://localhost:${await listen(resource, ports.resource)}/api`;

  return {
    issuer,
    mtlsOrigin,
    resourceUrl,
    storage: storage.description,
    async close() {
      closeServers(main, alias, resource);
      await storage.close();
    },
  };
}
