// A FAPI 2.0 Security Profile deployment with both sender constraints: the authorization server
// (main origin and mTLS alias, both under the FAPI TLS policy) with DPoP allowed beside mTLS, and
// one resource server that accepts certificate-bound and DPoP-bound tokens and refuses bearer
// ones. Storage is in memory unless REDIS_URL is set.
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import Koa from 'koa';
import { Provider, type ClientMetadata, type Configuration } from 'oidc-provider';
import { createMtls, createMtlsServer, EVENTS } from '../../src/index.js';
import { type MtlsError } from '../../src/errors.js';
import { fapi2SecurityProfile, fapiTlsOptions } from '../../src/fapi/index.js';
import { createTokenVerifier, koaBoundToken, type MtlsKoaState } from '../../src/resource-server/index.js';
import { closeServers, listen, startProviderListeners } from '../listeners.js';
import type { ExamplePki } from '../pki.js';
import { exampleAdapter } from '../storage.js';
import { autoConsent } from './interaction.js';

export const RESOURCE = 'https://accounts.api.example.test';
export const REDIRECT_URI = 'https://tpp.example.test/callback';

export interface FapiStackPorts {
  issuer: number;
  mtls: number;
  resource: number;
}

export interface FapiStack {
  issuer: string;
  mtlsOrigin: string;
  resourceUrl: string;
  provider: Provider;
  /** Every `mtls.refused` event, in order (the demo prints them; tests assert on them). */
  refusals: MtlsError[];
  /** The demo's DPoP client (`tpp-dpop`) and its `private_key_jwt` signing key. */
  dpopClient: DpopClient;
  storage: string;
  close(): Promise<void>;
}

/** The demo client: a third-party provider authenticating with its certificate (tls_client_auth). */
export function fapiClients(): ClientMetadata[] {
  return [{
    client_id: 'tpp-mtls',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=client-a,O=Example Bank,C=GB',
    tls_client_certificate_bound_access_tokens: true,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  }];
}

/** A `private_key_jwt` client whose tokens are DPoP-bound (RFC 9449), and its assertion key. */
export interface DpopClient {
  metadata: ClientMetadata;
  /** Signs its client assertions (ES256). */
  privateKey: webcrypto.CryptoKey;
}

/**
 * The second demo client: a third-party provider without a certificate, authenticating with
 * `private_key_jwt` and sender-constraining its tokens with DPoP. The key is generated at startup,
 * for the demo only.
 */
export async function demoDpopClient(): Promise<DpopClient> {
  const { privateKey, publicKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const jwk = await webcrypto.subtle.exportKey('jwk', publicKey);
  return {
    privateKey,
    metadata: {
      client_id: 'tpp-dpop',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [{ ...jwk, alg: 'ES256', use: 'sig' } as never] },
      dpop_bound_access_tokens: true,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
    },
  };
}

/**
 * The provider's signing keys. FAPI 2.0 leaves the choice among PS256, ES256 and EdDSA to the
 * deployment: here PS256 (RSA) and ES256 (P-256), generated at startup for the demo only.
 */
function signingKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return { keys: [{ ...rsa, kid: 'ps256', alg: 'PS256', use: 'sig' }, { ...ec, kid: 'es256', alg: 'ES256', use: 'sig' }] };
}

/**
 * The demo's accounts, interactions and resource server, shared by the FAPI examples and tests:
 * everything here is the deployment's own choice, not the profile's.
 */
export function demoSettings() {
  return {
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access', 'accounts'],
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['example-cookie-key-not-a-secret'] },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'accounts', audience: RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'PS256' } } }),
      },
    },
  } satisfies Configuration;
}

/** The stack; `clients` defaults to the two demo clients, `tpp-mtls` and `tpp-dpop`. */
export async function startFapiStack(pki: ExamplePki, ports: FapiStackPorts, clients?: ClientMetadata[]): Promise<FapiStack> {
  const dpopClient = await demoDpopClient();
  // One TLS policy for every listener: TLS 1.2/1.3, FAPI 2.0 cipher suites.
  const tls = fapiTlsOptions({ key: pki.server.keyPem, cert: pki.server.pem });
  const { main, alias, issuer, mtlsOrigin, serve } = await startProviderListeners(tls, ports);

  const storage = await exampleAdapter();
  // FAPI 2.0 section 5.3.2.2: each client sender-constrains its tokens with mTLS or with DPoP.
  const mtls = fapi2SecurityProfile(createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin }), { dpop: true });
  const settings = demoSettings();
  const provider = new Provider(issuer, mtls.configure({
    ...settings,
    clients: clients ?? [...fapiClients(), dpopClient.metadata],
    jwks: signingKeys(),
    ...(storage.adapter ? { adapter: storage.adapter } : {}),
    features: {
      ...settings.features,
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
    },
  } satisfies Configuration));
  mtls.attach(provider);
  provider.use(autoConsent(provider, RESOURCE));
  const refusals: MtlsError[] = [];
  // @types/oidc-provider lists only the host's own event names.
  (provider as unknown as EventEmitter).on(EVENTS.refused, (_ctx: unknown, error: MtlsError) => refusals.push(error));
  serve(provider.callback());

  // One verifier for both kinds of client: a certificate-bound token needs its certificate, a
  // DPoP-bound one its proof (DPoP is on by default), and an unbound token is refused.
  const verifier = createTokenVerifier({ issuer, audience: RESOURCE, binding: { required: true }, http: { ca: pki.root.pem } });
  const app = new Koa<MtlsKoaState>();
  app.silent = true;
  app.use(koaBoundToken(verifier));
  app.use((ctx) => {
    const { claims, boundTo, jkt } = ctx.state.mtls;
    // JSON leaves out the binding a token does not have.
    ctx.body = { accounts: [{ id: 'acc-1', currency: 'GBP' }], client_id: claims.client_id, sub: claims.sub, bound_to: boundTo, dpop_jkt: jkt };
  });
  const resource = createMtlsServer(tls, app.callback());
  const resourceUrl = `https://localhost:${await listen(resource, ports.resource)}/accounts`;

  return {
    issuer,
    mtlsOrigin,
    resourceUrl,
    provider,
    refusals,
    dpopClient,
    storage: storage.description,
    async close() {
      closeServers(main, alias, resource);
      await storage.close();
    },
  };
}
