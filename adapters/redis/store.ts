import type { Cluster, Redis } from 'ioredis';
import { MtlsError, StoreCorruptError, StoreUnavailableError } from '../../src/errors.js';
import { createEmitter, type RedisAdapterEvent } from './events.js';
import { createKeySpace, type KeySpace } from './keys.js';
import type { ResolvedRedisAdapterOptions } from './options.js';
import { defineScripts, type ScriptCommands } from './scripts.js';

/** Member keys passed to one revocation script; bounds the script's argument list. */
const REVOKE_BATCH = 500;

/** What every adapter of one `createRedisAdapter` call shares. */
export interface Store {
  readonly client: Redis | Cluster;
  readonly scripts: ScriptCommands;
  readonly keys: KeySpace;
  /** On a Cluster, multi-key steps are split per key and ordered instead of run as one script. */
  readonly cluster: boolean;
  /** Seconds every entity and index entry outlives its `expiresIn` (the provider's clock tolerance). */
  readonly clockTolerance: number;
  /** Milliseconds a redeeming request holds its code or token (see `redemptionLease`). */
  readonly redemptionLease: number;
  readonly emit: (event: RedisAdapterEvent) => void;

  /** Reports a value this adapter did not write and has treated as absent. */
  corrupt(model: string, operation: string, message: string): void;
  /**
   * Runs one adapter call with the deadline and error mapping: a Redis failure or a missed deadline
   * becomes {@link StoreUnavailableError}; a value of the wrong type or format becomes
   * {@link StoreCorruptError}, which is reported and turned into `absent()` when given.
   */
  run<T>(model: string, operation: string, work: () => Promise<T>, absent?: () => T): Promise<T>;
  /**
   * {@link Store.run} for a call that writes something the provider acts on: with `durability`, it
   * resolves only once the replicas asked for have the writes (Redis `WAIT`, within the same
   * deadline), and fails with {@link StoreUnavailableError} when they do not.
   */
  write<T>(model: string, operation: string, work: () => Promise<T>, absent?: () => T): Promise<T>;
}

function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

export function createStore(options: ResolvedRedisAdapterOptions): Store {
  const { client, commandTimeout } = options;
  const emit = createEmitter(options.onEvent);

  /*
   * Commands are only sent on a ready connection. ioredis would otherwise queue them while it
   * reconnects and run them whenever Redis returns, long after this call reported failure: a
   * consume the provider answered server_error for would consume the code later. Waiting here, under
   * the same deadline, means a call that times out was never sent.
   */
  let waiting: Promise<void> | undefined;
  function whenReady(): Promise<void> {
    // 'wait' is a lazyConnect client before its first command, which is what connects it.
    if (client.status === 'ready' || client.status === 'wait') return Promise.resolve();
    waiting ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        waiting = undefined;
        resolve();
      });
    });
    return waiting;
  }

  /**
   * Runs `work` once the connection is ready, unless `commandTimeout` passes first. One promise and
   * one timer per call: this is on every request's path, so no race of promises.
   */
  function deadline<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let expired = false;
      const timer = setTimeout(() => {
        expired = true;
        reject(new StoreUnavailableError(`Redis did not answer within ${commandTimeout} ms (commandTimeout)`));
      }, commandTimeout);
      timer.unref();
      const start = () => {
        if (expired) return;
        work().then(
          (value) => { clearTimeout(timer); resolve(value); },
          (error: unknown) => { clearTimeout(timer); reject(error); },
        );
      };
      if (client.status === 'ready' || client.status === 'wait') start();
      else void whenReady().then(start);
    });
  }

  async function run<T>(model: string, operation: string, work: () => Promise<T>, absent?: () => T): Promise<T> {
    try {
      return await deadline(work);
    } catch (thrown) {
      if (thrown instanceof StoreCorruptError || isWrongType(thrown)) {
        const error = thrown instanceof StoreCorruptError
          ? thrown
          : new StoreCorruptError('stored value has a type this adapter did not write', { cause: thrown });
        emit({ type: 'store.corrupt', model, operation, error });
        if (absent) return absent();
        throw error;
      }
      if (thrown instanceof MtlsError && !(thrown instanceof StoreUnavailableError)) throw thrown;
      const error = thrown instanceof StoreUnavailableError
        ? thrown
        : new StoreUnavailableError(`Redis failed: ${(thrown as Error).message}`, { cause: thrown });
      emit({ type: 'store.unavailable', model, operation, error });
      throw error;
    }
  }

  /**
   * Resolves once `durability.replicas` replicas have every write sent so far. WAIT covers the writes
   * sent before it on its own connection, and a call's writes may go to several masters of a Cluster
   * (its entity and index keys live in different slots), so it is sent to every master at once.
   */
  async function replicated(durability: Readonly<{ replicas: number; timeout: number }>): Promise<void> {
    const masters = client.isCluster ? (client as Cluster).nodes('master') : [client as Redis];
    const counts = await Promise.all(masters.map((master) => master.wait(durability.replicas, durability.timeout)));
    const acknowledged = Math.min(...counts);
    if (acknowledged < durability.replicas) {
      throw new StoreUnavailableError(
        `write acknowledged by ${acknowledged} of ${durability.replicas} replicas within ${durability.timeout} ms (durability)`,
      );
    }
  }

  return {
    client,
    scripts: defineScripts(client),
    keys: createKeySpace(options.keyPrefix),
    cluster: client.isCluster,
    clockTolerance: options.clockTolerance,
    redemptionLease: options.redemptionLease,
    emit,
    corrupt(model, operation, message) {
      emit({ type: 'store.corrupt', model, operation, error: new StoreCorruptError(message) });
    },
    run,
    write(model, operation, work, absent) {
      const { durability } = options;
      if (durability === undefined) return run(model, operation, work, absent);
      return run(model, operation, async () => {
        const result = await work();
        await replicated(durability);
        return result;
      }, absent);
    },
  };
}

/**
 * Deletes every entity an index (grant or certificate) points to, then the index entries, and returns
 * how many entities existed. Complete and idempotent: members are only removed from the index after
 * their keys are gone, so a call cut short is finished by the next one.
 *
 * Two round trips: the index is read, then its members are deleted. On a single server each batch of
 * members and their index entries go in one script. On a Cluster the member keys live in other slots,
 * so their deletions are sent at once and the index entries are dropped only once every deletion is
 * acknowledged, by a command the call does not wait for: were it lost, the entries would point to
 * keys that no longer exist, which the next revocation deletes again and expiry prunes.
 */
export async function revokeIndex(store: Store, index: string): Promise<number> {
  const members = await store.client.zrange(index, 0, -1);
  let removed = 0;
  for (let start = 0; start < members.length; start += REVOKE_BATCH) {
    const batch = members.slice(start, start + REVOKE_BATCH);
    const keys = batch.map(store.keys.memberKey);
    if (store.cluster) {
      const counts = await Promise.all(keys.map((key) => store.client.del(key)));
      removed += counts.reduce((sum, count) => sum + count, 0);
      store.client.zrem(index, ...batch).catch(() => undefined);
    } else {
      removed += await store.scripts.oidcMtlsRevoke(1 + batch.length, index, ...keys, ...batch);
    }
  }
  return removed;
}
