import type { Cluster, Redis } from 'ioredis';
import { ConfigurationError } from '../../src/errors.js';
import type { RedisAdapterEvent } from './events.js';

/** Options of {@link createRedisAdapter}. */
export interface RedisAdapterOptions {
  /**
   * The ioredis client to use: a `Redis` (single server, or Sentinel) or a `Cluster`. The adapter never
   * opens a connection of its own; it defines its Lua commands on this client (`defineCommand`) and
   * leaves connecting, reconnecting and closing to you. A `keyPrefix` set on the client applies too,
   * in front of {@link RedisAdapterOptions.keyPrefix}.
   *
   * The adapter only sends a command on a ready connection (it waits for `ready` within
   * {@link RedisAdapterOptions.commandTimeout}), so a call that timed out is never queued to run
   * later. ioredis still re-sends commands that were in flight when a connection dropped; set
   * `autoResendUnfulfilledCommands: false` on the client if a `consume` reported as failed must never
   * apply afterwards.
   */
  client: Redis | Cluster;
  /**
   * Prepended to every key this adapter writes, so several providers (or other applications) can share
   * a database. Must not contain `{` or `}`: the adapter uses hash tags for Redis Cluster slots.
   *
   * @default 'oidc:'
   */
  keyPrefix?: string;
  /**
   * Upper bound, in milliseconds, on every adapter call (one call may be a few Redis commands). When it
   * passes, the call rejects with a `StoreUnavailableError` (`ERR_MTLS_STORE_UNAVAILABLE`) and the
   * provider answers `server_error` instead of hanging while Redis is unreachable.
   *
   * @default 2000
   */
  commandTimeout?: number;
  /**
   * Seconds an entity is kept past its `expiresIn`: set it to the provider's own `clockTolerance`.
   * The host accepts a stored token up to that long after its `exp` (its in-memory adapter keeps
   * entries that long for this reason); the adapter cannot read the provider's configuration, so it
   * is told here. A smaller value makes tokens the host would still accept unknown.
   *
   * @default 15 (the host's default `clockTolerance`)
   */
  clockTolerance?: number;
  /**
   * Milliseconds a request redeeming an authorization code, refresh token, device code, CIBA request
   * or pre-authorized code at the token endpoint holds it. A concurrent redemption of the same value
   * waits until the first request has answered (at most this long), then reads it consumed, so the
   * host's own reuse detection runs for it (the grant revoked, `grant.revoked` emitted), exactly as
   * with the host's in-memory adapter. Past this time the waiting request reads it anyway; issuance
   * stays exactly-once, but a loser that finds the value unconsumed is refused without revoking the
   * grant.
   *
   * @default 10000
   */
  redemptionLease?: number;
  /**
   * Waits, after every write the provider will act on (a code, token, grant, session or client
   * saved, a code consumed, anything deleted or revoked), until `replicas` replicas have acknowledged
   * it (Redis `WAIT`), at most `timeout` milliseconds; short of that the call fails with
   * `StoreUnavailableError` and the provider answers `server_error`, so nothing the client was told
   * about exists on the master alone. Redis replication is asynchronous: without this, a write
   * acknowledged just before the master fails can be missing on the replica promoted in its place.
   * On a Cluster every master is asked (a call's keys live in several slots), so every master needs
   * that many replicas. `timeout` must be below {@link RedisAdapterOptions.commandTimeout}.
   *
   * @default undefined (no waiting)
   */
  durability?: { replicas: number; timeout: number };
  /**
   * Called for every store incident: Redis unreachable or refusing a command (`store.unavailable`), a
   * stored value this adapter did not write (`store.corrupt`, then treated as absent), and a second
   * consumption of a one-time artifact (`consume.rejected`). Events never carry token values. Errors
   * thrown by the listener are ignored.
   *
   * @default writes to `NODE_DEBUG=mtls-redis`
   */
  onEvent?: (event: RedisAdapterEvent) => void;
}

/** {@link RedisAdapterOptions} after validation. */
export interface ResolvedRedisAdapterOptions {
  readonly client: Redis | Cluster;
  readonly keyPrefix: string;
  readonly commandTimeout: number;
  readonly clockTolerance: number;
  readonly redemptionLease: number;
  readonly durability: Readonly<{ replicas: number; timeout: number }> | undefined;
  readonly onEvent: ((event: RedisAdapterEvent) => void) | undefined;
}

function isRedisClient(value: unknown): value is Redis | Cluster {
  return typeof value === 'object'
    && value !== null
    && typeof (value as { defineCommand?: unknown }).defineCommand === 'function'
    && typeof (value as { isCluster?: unknown }).isCluster === 'boolean';
}

/** Validates {@link RedisAdapterOptions} once, with messages naming the option. */
export function resolveOptions(options: RedisAdapterOptions): ResolvedRedisAdapterOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createRedisAdapter options must be an object');
  }
  const {
    client, keyPrefix = 'oidc:', commandTimeout = 2000, clockTolerance = 15, redemptionLease = 10_000, durability, onEvent,
  } = options;
  if (!isRedisClient(client)) {
    throw new ConfigurationError('client must be an ioredis Redis or Cluster instance');
  }
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
    throw new ConfigurationError('keyPrefix must be a string without "{" or "}"');
  }
  if (typeof commandTimeout !== 'number' || !Number.isFinite(commandTimeout) || commandTimeout <= 0) {
    throw new ConfigurationError('commandTimeout must be a positive number of milliseconds');
  }
  if (typeof clockTolerance !== 'number' || !Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new ConfigurationError('clockTolerance must be a non-negative number of seconds');
  }
  if (!Number.isSafeInteger(redemptionLease) || redemptionLease <= 0) {
    throw new ConfigurationError('redemptionLease must be a positive integer number of milliseconds');
  }
  if (durability !== undefined) {
    if (typeof durability !== 'object' || durability === null) {
      throw new ConfigurationError('durability must be an object { replicas, timeout }');
    }
    if (!Number.isSafeInteger(durability.replicas) || durability.replicas < 1) {
      throw new ConfigurationError('durability.replicas must be a positive integer');
    }
    if (!Number.isSafeInteger(durability.timeout) || durability.timeout < 1 || durability.timeout >= commandTimeout) {
      throw new ConfigurationError('durability.timeout must be a positive integer number of milliseconds below commandTimeout');
    }
  }
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new ConfigurationError('onEvent must be a function');
  }
  return Object.freeze({
    client,
    keyPrefix,
    commandTimeout,
    clockTolerance,
    redemptionLease,
    durability: durability === undefined ? undefined : Object.freeze({ replicas: durability.replicas, timeout: durability.timeout }),
    onEvent,
  });
}
