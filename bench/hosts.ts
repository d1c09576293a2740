// The authorization servers under test, one per process. Every kind serves the same
// client_credentials token endpoint with the same clients, storage (the host's memory adapter) and
// token format (opaque), so that the only difference between kinds is how certificates are handled.
import { generateKeyPairSync, X509Certificate as X509 } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Provider, type ClientMetadata, type Configuration } from 'oidc-provider';
import { CURRENT_PLUGIN, loadRevisionPlugin, type PluginApi } from './plugin-api.js';
import { CLIENT_DN, DIRECT_DN, type BenchPki } from './pki.js';

/**
 * - `stock`: oidc-provider alone, no certificate requested (the host's own figure).
 * - `plugin`: this package on the socket source.
 * - `host`: the host's built-in `features.mTLS` with trivial hooks (socket `authorized` flag and a
 *   plain string compare), which is what a deployment writes without this package.
 * - `header`: this package on an RFC 9440 `Client-Cert` header source trusting loopback.
 * - `redis`: this package on the socket source, storing everything (clients included) with the
 *   Redis adapter at `BENCH_REDIS_URL` (scenario 8).
 * - `plugin-before`, `header-before`: `plugin` and `header` with the earlier revision extracted at
 *   `BENCH_BEFORE_ROOT` (`npm run bench -- --before=<rev>`, bench/revision.ts).
 */
export type HostKind = 'stock' | 'plugin' | 'host' | 'header' | 'redis' | 'plugin-before' | 'header-before';
export const HOST_KINDS: readonly HostKind[] = ['stock', 'plugin', 'host', 'header', 'redis', 'plugin-before', 'header-before'];

export const CLIENT_SECRET = 'bench-secret-not-secret';

export function benchClients(pki: BenchPki): ClientMetadata[] {
  const { selfSigned } = pki;
  const jwk = createPublicJwk(selfSigned.pem);
  const common = { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  return [
    { client_id: 'basic', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic', ...common },
    { client_id: 'tls', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: CLIENT_DN, tls_client_certificate_bound_access_tokens: true, ...common },
    { client_id: 'direct', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: DIRECT_DN, tls_client_certificate_bound_access_tokens: true, ...common },
    {
      client_id: 'self',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...jwk, x5c: [selfSigned.der] } as never] },
      tls_client_certificate_bound_access_tokens: true,
      ...common,
    },
  ];
}

function createPublicJwk(pem: string): Record<string, unknown> {
  return new X509(pem).publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}

function baseConfiguration(pki: BenchPki): Configuration {
  // RS256 is the host's default ID token algorithm, which client validation insists on.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    clients: benchClients(pki),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'bench', use: 'sig' } as never] },
    cookies: { keys: ['bench-cookie-key-not-secret'] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    ttl: { ClientCredentials: 600 },
    features: { devInteractions: { enabled: false }, clientCredentials: { enabled: true } },
  };
}

/** Hooks as the host's documentation suggests writing them, with no validation of our own. */
function trivialMtls(): NonNullable<Configuration['features']>['mTLS'] {
  const socket = (ctx: { socket: unknown }) => ctx.socket as TLSSocket;
  return {
    enabled: true,
    tlsClientAuth: true,
    selfSignedTlsClientAuth: true,
    certificateBoundAccessTokens: true,
    getCertificate: (ctx) => socket(ctx).getPeerX509Certificate() as never,
    certificateAuthorized: (ctx) => socket(ctx).authorized,
    // Node prints the subject in certificate order, one RDN per line; RFC 4514 reverses it.
    certificateSubjectMatches: (ctx, property, expected) => property === 'tls_client_auth_subject_dn'
      && socket(ctx).getPeerX509Certificate()?.subject.split('\n').reverse().join(',') === expected,
  };
}

async function beforePlugin(): Promise<PluginApi> {
  const root = process.env.BENCH_BEFORE_ROOT;
  if (!root) throw new Error('the -before hosts need BENCH_BEFORE_ROOT');
  return loadRevisionPlugin(root);
}

export interface StartedHost {
  provider: Provider;
  server: Server;
}

/** Builds the provider and its (not yet listening) server for `kind`; `issuer` is set by the caller. */
export async function createHost(kind: HostKind, pki: BenchPki, issuer: string): Promise<StartedHost> {
  const tls = { key: pki.server.keyPem, cert: pki.server.pem };
  const config = baseConfiguration(pki);
  let provider: Provider;
  let server: Server;
  switch (kind) {
    case 'stock':
      provider = new Provider(issuer, config);
      server = createServer(tls);
      break;
    case 'host':
      provider = new Provider(issuer, {
        ...config,
        clientAuthMethods: ['client_secret_basic', 'tls_client_auth', 'self_signed_tls_client_auth'],
        features: { ...config.features, mTLS: trivialMtls() },
      });
      // `ca` makes Node verify the presented chain, which sets socket.authorized for the hook.
      server = createServer({ ...tls, requestCert: true, rejectUnauthorized: false, ca: [pki.root.pem] });
      break;
    case 'plugin':
    case 'plugin-before': {
      const plugin = kind === 'plugin' ? CURRENT_PLUGIN : await beforePlugin();
      const mtls = plugin.socket([pki.root.pem]);
      provider = new Provider(issuer, mtls.configure(config));
      mtls.attach(provider);
      server = plugin.server(tls);
      break;
    }
    case 'header':
    case 'header-before': {
      const plugin = kind === 'header' ? CURRENT_PLUGIN : await beforePlugin();
      const mtls = plugin.header([pki.root.pem], ['127.0.0.1/32']);
      provider = new Provider(issuer, mtls.configure(config));
      mtls.attach(provider);
      server = createServer(tls);
      break;
    }
    case 'redis': {
      const url = process.env.BENCH_REDIS_URL;
      if (!url) throw new Error('the redis host needs BENCH_REDIS_URL');
      // Loaded here only: ioredis is an optional peer of the package.
      const [{ Redis }, { createRedisAdapter }] = await Promise.all([import('ioredis'), import('../adapters/redis/index.js')]);
      const mtls = CURRENT_PLUGIN.socket([pki.root.pem]);
      // No static clients: the provider finds them in Redis, among everything else stored there.
      provider = new Provider(issuer, mtls.configure({ ...config, clients: [], adapter: createRedisAdapter({ client: new Redis(url) }) }));
      mtls.attach(provider);
      server = CURRENT_PLUGIN.server(tls);
      break;
    }
  }
  server.on('request', provider.callback());
  return { provider, server };
}
