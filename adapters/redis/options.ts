import type { Cluster, Redis } from 'ioredis';
import { ConfigurationError } from '../../src/errors.js';
import { DEFAULT_CLOCK_TOLERANCE, invalid, numberOption, onlyKnownKeys, optionsObject, secondsOption } from '../../src/util/options.js';
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
   * Upper bound, in seconds (fractions allowed; milliseconds before 0.2), on every adapter call (one
   * call may be a few Redis commands). When it passes, the call rejects with a `StoreUnavailableError`
   * (`ERR_MTLS_STORE_UNAVAILABLE`) and the provider answers `server_error` instead of hanging while
   * Redis is unreachable.
   *
   * @default 2
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
   * Seconds (fractions allowed, whole milliseconds; milliseconds before 0.2) a request redeeming an authorization code, refresh token, device code, CIBA request
   * or pre-authorized code at the token endpoint holds it. A concurrent redemption of the same value
   * waits until the first request has answered (at most this long), then reads it consumed, so the
   * host's own reuse detection runs for it (the grant revoked, `grant.revoked` emitted), exactly as
   * with the host's in-memory adapter. Past this time the waiting request reads it anyway; issuance
   * stays exactly-once, but a loser that finds the value unconsumed is refused without revoking the
   * grant.
   *
   * @default 10
   */
  redemptionLease?: number;
  /**
   * Waits, after every write the provider will act on (a code, token, grant, session or client
   * saved, a code consumed, anything deleted or revoked), until `replicas` replicas have acknowledged
   * it (Redis `WAIT`), at most `timeout` seconds (fractions allowed, whole milliseconds; milliseconds
   * before 0.2); short of that the call fails with
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

const OPTION_KEYS: readonly (keyof RedisAdapterOptions)[] = ['client', 'keyPrefix', 'commandTimeout', 'clockTolerance', 'redemptionLease', 'durability', 'onEvent'];

/** {@link RedisAdapterOptions} after validation; durations in milliseconds (Redis counts them so). */
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
  onlyKnownKeys(options, OPTION_KEYS, '', 'createRedisAdapter');
  const { client, keyPrefix = 'oidc:', durability, onEvent } = options;
  if (!isRedisClient(client)) {
    throw new ConfigurationError('client must be an ioredis Redis or Cluster instance');
  }
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
    throw new ConfigurationError('keyPrefix must be a string without "{" or "}"');
  }
  const commandTimeout = secondsOption(options.commandTimeout, 2, 'commandTimeout', { positive: true }) * 1000;
  const clockTolerance = secondsOption(options.clockTolerance, DEFAULT_CLOCK_TOLERANCE, 'clockTolerance');
  const redemptionLease = wholeMilliseconds(options.redemptionLease, 10, 'redemptionLease');
  let wait: Readonly<{ replicas: number; timeout: number }> | undefined;
  if (durability !== undefined) {
    onlyKnownKeys(optionsObject(durability, 'durability', 'an object { replicas, timeout }'), ['replicas', 'timeout'], 'durability');
    const replicas = numberOption(durability.replicas ?? 0, 0, 'durability.replicas', { exclusive: true, integer: true });
    // WAIT with 0 would block forever, so a timeout is required, and below commandTimeout.
    const timeout = wholeMilliseconds(durability.timeout, undefined, 'durability.timeout');
    if (timeout >= commandTimeout) invalid('durability.timeout', `must be below commandTimeout (${commandTimeout / 1000} s)`);
    wait = Object.freeze({ replicas, timeout });
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
    durability: wait,
    onEvent,
  });
}

/** A duration option in seconds, as whole milliseconds (Redis takes PX and WAIT timeouts so). */
function wholeMilliseconds(value: unknown, fallback: number | undefined, path: string): number {
  if (value === undefined && fallback === undefined) invalid(path, 'must be a positive number of seconds');
  const milliseconds = secondsOption(value, fallback ?? 0, path, { positive: true }) * 1000;
  const rounded = Math.round(milliseconds);
  if (Math.abs(milliseconds - rounded) > 1e-6) invalid(path, 'must be a whole number of milliseconds, written in seconds (e.g. 0.25)');
  return rounded;
}
