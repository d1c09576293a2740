// A provider made with a FAPI preset exactly as the README shows it: fapi2SecurityProfile() or
// fapi1Advanced() around createMtls(), the main origin and the mTLS alias both under
// fapiTlsOptions(), over real TLS on loopback. The requirement tests drive it with openid-client
// (happy paths) and raw requests (refusals).
import type { EventEmitter } from 'node:events';
import { generateKeyPairSync, randomUUID, type webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { RequestListener } from 'node:http';
import { SignJWT, type JWTPayload } from 'jose';
import { Provider, type ClientMetadata, type Configuration } from 'oidc-provider';
import { createMtls, createMtlsServer, EVENTS } from '../../../src/index.js';
import { type MtlsError } from '../../../src/errors.js';
import { fapi1Advanced, fapi2SecurityProfile, fapiTlsOptions } from '../../../src/fapi/index.js';
import type { Fetch } from '../../support/client.js';
import { issue, OID, type TestPki } from '../../support/pki.js';
import { RESOURCE_OPAQUE, scriptedConsent } from '../../support/provider.js';
import { listen } from './handshake.js';

export const REDIRECT_URI = 'https://tpp.example.test/callback';
/** The subject DN of the test PKI's client certificate A, for `tls_client_auth` clients. */
export const SUBJECT_A = 'CN=client-a,O=Example Bank,C=GB';

export interface FapiDeployment {
  provider: Provider;
  issuer: string;
  mtlsOrigin: string;
  /** The main origin's listener and the mTLS alias's, both under fapiTlsOptions(). */
  listeners: { main: Server; alias: Server };
  /** Every `mtls.refused` event, in order. */
  refusals: MtlsError[];
  /** Every `server_error` the provider reported: a refusal must never be one. */
  serverErrors: unknown[];
  close(): void;
}

export interface FapiDeploymentOptions {
  pki: TestPki;
  profile: '2.0' | '1.0 Final';
  clients: ClientMetadata[];
  /** Merged over the deployment's own settings. */
  config?: Omit<Configuration, 'features'>;
}

export async function startFapiDeployment(options: FapiDeploymentOptions): Promise<FapiDeployment> {
  const { pki, profile } = options;
  // FAPI 1.0 Advanced's TLS 1.2 suites are all RSA: its listeners need an RSA certificate.
  const serverCert = profile === '1.0 Final'
    ? await issue({ subject: 'CN=localhost', issuer: pki.root, keyAlgorithm: 'RSA-2048', eku: [OID.serverAuth], sans: [{ type: 'dns', value: 'localhost' }] })
    : pki.server;
  const tls = fapiTlsOptions({ key: serverCert.keyPem, cert: serverCert.pem }, { profile });
  let handle: RequestListener = (_req, res) => { res.statusCode = 503; res.end(); };
  const dispatch: RequestListener = (req, res) => handle(req, res);
  const main = createServer(tls, dispatch);
  const alias = createMtlsServer(tls, dispatch);
  const issuer = `https://localhost:${await listen(main)}`;
  const mtlsOrigin = `https://localhost:${await listen(alias)}`;

  const plugin = createMtls({ trustAnchors: [pki.root.pem], mtlsOrigin });
  const mtls = profile === '2.0' ? fapi2SecurityProfile(plugin) : fapi1Advanced(plugin);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, mtls.configure({
    clients: options.clients,
    jwks: { keys: [{ ...rsa, alg: 'PS256', use: 'sig' } as never] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access', 'api:read'],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['fapi-test-cookie-key-not-secret'] },
    ...options.config,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE_OPAQUE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({ scope: 'api:read', audience: resource, accessTokenFormat: 'opaque' }),
      },
    },
  } satisfies Configuration));
  mtls.attach(provider);
  provider.use(scriptedConsent(provider));
  const refusals: MtlsError[] = [];
  const serverErrors: unknown[] = [];
  // @types/oidc-provider lists only the host's own event names.
  (provider as unknown as EventEmitter).on(EVENTS.refused, (_ctx: unknown, error: MtlsError) => refusals.push(error));
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));
  handle = provider.callback();

  return {
    provider,
    issuer,
    mtlsOrigin,
    listeners: { main, alias },
    refusals,
    serverErrors,
    close() {
      for (const server of [main, alias]) {
        server.closeAllConnections();
        server.close();
      }
    },
  };
}

/**
 * A `private_key_jwt` client assertion (OIDC Core section 9) for `clientId`, signed with ES256,
 * audience the issuer, issued now and valid for a minute; `claims` replace any of those.
 */
export function clientAssertion(key: webcrypto.CryptoKey, clientId: string, issuer: string, claims: JWTPayload = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: clientId, sub: clientId, aud: issuer, jti: randomUUID(), iat: now, exp: now + 60, ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .sign(key);
}

/** The form fields that carry a client assertion. */
export function assertionFields(assertion: string): Record<string, string> {
  return { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion };
}

/**
 * Dynamic registration (RFC 7591) at `issuer` of a `tls_client_auth` client with certificate-bound
 * tokens and certificate A's subject, with `metadata` on top.
 */
export function register(fetch: Fetch, issuer: string, metadata: Record<string, unknown>): Promise<Response> {
  return fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: SUBJECT_A, tls_client_certificate_bound_access_tokens: true, ...metadata }),
  });
}
