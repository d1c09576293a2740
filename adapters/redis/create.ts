import type { Adapter, Provider } from 'oidc-provider';
import { RedisAdapter } from './adapter.js';
import { createClientRegistry, type ClientRegistry } from './clients.js';
import { resolveOptions, type RedisAdapterOptions } from './options.js';
import { revokeByCertificate, type RevokeByCertificateOptions } from './revoke-certificate.js';
import { asIs, createStore } from './store.js';

/** What {@link createRedisAdapter} returns: the host's `adapter` option plus operator functions. */
export interface RedisAdapterFactory {
  /** The adapter for one oidc-provider model; pass the factory itself as the provider's `adapter` option. */
  (model: string): Adapter;
  /**
   * Deletes every token bound to the certificate whose SHA-256 thumbprint (`x5t#S256`, RFC 8705
   * section 3.1) is given: access tokens, client-credentials tokens and the refresh tokens of public
   * clients issued with certificate binding; with `{ grants: true }` also every other token of their
   * grants (codes included). Use it the day a client's private key leaks. Resolves to the number of
   * entries deleted; calling it again is harmless. Rejects with `TypeError` for a malformed thumbprint.
   */
  revokeByCertificate(thumbprint: string, options?: RevokeByCertificateOptions): Promise<number>;
  /**
   * Client management in this store, validated with `provider`'s own client schema (its features and
   * client authentication methods decide what is valid, as for dynamic registration).
   */
  clients(provider: Provider): ClientRegistry;
}

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Creates the oidc-provider adapter on the user's ioredis client.
 *
 * @example
 * const storage = createRedisAdapter({ client: new Redis(process.env.REDIS_URL) });
 * const provider = new Provider(issuer, { adapter: storage, ...config });
 * await storage.revokeByCertificate(leakedThumbprint);
 */
export function createRedisAdapter(options: RedisAdapterOptions): RedisAdapterFactory {
  const store = createStore(resolveOptions(options));
  const factory = (model: string): Adapter => new RedisAdapter(model, store);
  return Object.assign(factory, {
    async revokeByCertificate(thumbprint: string, revokeOptions: RevokeByCertificateOptions = {}): Promise<number> {
      if (typeof thumbprint !== 'string' || !THUMBPRINT.test(thumbprint)) {
        throw new TypeError('thumbprint must be a base64url SHA-256 certificate thumbprint (x5t#S256)');
      }
      return store.write('index', 'revokeByCertificate', () => revokeByCertificate(store, thumbprint, revokeOptions), asIs, () => 0);
    },
    clients(provider: Provider): ClientRegistry {
      return createClientRegistry(provider, new RedisAdapter('Client', store), store);
    },
  });
}
