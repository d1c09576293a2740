import type { Cluster, Redis } from 'ioredis';
import { ConfigurationError, TokenUnverifiableError } from '../errors.js';
import type { DpopReplayStore } from './options.js';
import { onlyKnownKeys, optionsObject } from '../util/options.js';

/** Options of {@link redisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** Prefix of the keys, after the client's own `keyPrefix`. Default: `'dpop-jti:'`. */
  prefix?: string;
}

/**
 * A replay store in Redis, shared by every resource-server process that uses the same server:
 * one `SET key 1 PX ttl NX` per proof, atomic on a single server and on a Cluster (one key). The
 * client is yours (this package never creates, configures or closes it); its `keyPrefix` applies.
 * A command that fails refuses the request with a 503 (`ERR_MTLS_TOKEN_UNVERIFIABLE`): a proof is
 * never accepted without being recorded.
 * @throws {ConfigurationError} for a client that is not an ioredis client or an invalid prefix.
 */
export function redisReplayStore(client: Redis | Cluster, options: RedisReplayStoreOptions = {}): DpopReplayStore {
  if (typeof client !== 'object' || client === null || typeof (client as { set?: unknown }).set !== 'function') {
    throw new ConfigurationError('redisReplayStore() client must be an ioredis Redis or Cluster client');
  }
  onlyKnownKeys(optionsObject(options, 'redisReplayStore() options'), ['prefix'], '', 'redisReplayStore');
  const prefix = options.prefix ?? 'dpop-jti:';
  if (typeof prefix !== 'string') throw new ConfigurationError('redisReplayStore() options.prefix must be a string');
  return Object.freeze({
    async remember(key: string, expiresAt: number): Promise<boolean> {
      const ttl = Math.max(1, Math.ceil(expiresAt - Date.now()));
      let reply: string | null;
      try {
        reply = await client.set(`${prefix}${key}`, '1', 'PX', ttl, 'NX');
      } catch (cause) {
        throw new TokenUnverifiableError('the DPoP replay store did not answer', { cause });
      }
      return reply === 'OK';
    },
  });
}
