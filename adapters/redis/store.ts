import type { Cluster, Redis } from 'ioredis';
import { MtlsError, StoreCorruptError, StoreUnavailableError } from '../../src/errors.js';
import { createSteps, type Steps } from './batch.js';
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
  /** The steps of the hot path: batched per turn of the event loop on a single server. */
  readonly steps: Steps;
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
   * Runs one adapter call with the deadline and error mapping: `send` issues the commands, `read`
   * turns their reply into the call's result. A Redis failure or a missed deadline becomes
   * {@link StoreUnavailableError}; a value of the wrong type or format (a `WRONGTYPE` reply, or
   * `read` throwing {@link StoreCorruptError}) is reported and turned into `absent()` when given.
   * Anything else `read` throws is the call's own error.
   */
  run<R, T>(model: string, operation: string, send: () => Promise<R>, read: (reply: R) => T, absent?: () => T): Promise<T>;
  /**
   * {@link Store.run} for a call that writes something the provider acts on: with `durability`, it
   * resolves only once the replicas asked for have the writes (Redis `WAIT`, within the same
   * deadline), and fails with {@link StoreUnavailableError} when they do not.
   */
  write<R, T>(model: string, operation: string, send: () => Promise<R>, read: (reply: R) => T, absent?: () => T): Promise<T>;
}

/** `read` for a call whose reply is its result. */
export const asIs = <T>(reply: T): T => reply;

/** A call waiting for Redis: expired by the deadline queue unless it settles first. */
interface Deadline {
  readonly due: number;
  settled: boolean;
  readonly fail: (error: StoreUnavailableError) => void;
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

  /*
   * Deadlines. Every call has the same `commandTimeout`, so calls expire in the order they started:
   * they wait in one queue, and one timer, armed for the oldest call still waiting, expires them. A
   * timer per call (created and cleared on every request's path) costs more than the whole queue.
   */
  const waitingCalls: Deadline[] = [];
  let oldest = 0;
  let timer: NodeJS.Timeout | undefined;

  function expireDue(): void {
    timer = undefined;
    const now = performance.now();
    while (oldest < waitingCalls.length) {
      const call = waitingCalls[oldest]!;
      if (!call.settled && call.due > now) break;
      oldest += 1;
      if (!call.settled) {
        call.settled = true;
        call.fail(new StoreUnavailableError(`Redis did not answer within ${commandTimeout} ms (commandTimeout)`));
      }
    }
    dropSettled();
    if (oldest < waitingCalls.length) armFor(waitingCalls[oldest]!.due - now);
  }

  function armFor(delay: number): void {
    timer = setTimeout(expireDue, Math.max(0, Math.ceil(delay)));
    timer.unref();
  }

  /** Forgets the settled calls at the head of the queue, and the queue itself once it is empty. */
  function dropSettled(): void {
    while (oldest < waitingCalls.length && waitingCalls[oldest]!.settled) oldest += 1;
    if (oldest === waitingCalls.length) {
      waitingCalls.length = 0;
      oldest = 0;
    } else if (oldest > 1024) {
      waitingCalls.splice(0, oldest);
      oldest = 0;
    }
  }

  /** Maps what a command failed with: a foreign value is reported (and is `absent()` when given). */
  function failure<T>(model: string, operation: string, thrown: unknown, absent: (() => T) | undefined): T {
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

  /*
   * One promise per call besides the command's own, and the reply read in its callback: this is on
   * every request's path, several times, and each promise also costs the host's async context hooks.
   */
  function run<R, T>(model: string, operation: string, send: () => Promise<R>, read: (reply: R) => T, absent?: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (thrown: unknown) => {
        try {
          resolve(failure(model, operation, thrown, absent));
        } catch (error) {
          reject(error);
        }
      };
      const call: Deadline = { due: performance.now() + commandTimeout, settled: false, fail };
      waitingCalls.push(call);
      if (timer === undefined) armFor(commandTimeout);
      const settle = () => {
        if (call.settled) return false;
        call.settled = true;
        if (waitingCalls[oldest] === call) dropSettled();
        return true;
      };
      const start = () => {
        if (call.settled) return;
        let sent: Promise<R>;
        try {
          sent = send();
        } catch (thrown) {
          if (settle()) fail(thrown);
          return;
        }
        sent.then((reply) => {
          if (!settle()) return;
          let value: T;
          try {
            value = read(reply);
          } catch (thrown) {
            // A reply this adapter did not write is reported; any other error is the caller's answer.
            if (thrown instanceof StoreCorruptError) fail(thrown);
            else reject(thrown);
            return;
          }
          resolve(value);
        }, (thrown: unknown) => {
          if (settle()) fail(thrown);
        });
      };
      if (client.status === 'ready' || client.status === 'wait') start();
      else void whenReady().then(start);
    });
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

  const scripts = defineScripts(client);
  return {
    client,
    scripts,
    steps: createSteps(client, scripts),
    keys: createKeySpace(options.keyPrefix),
    cluster: client.isCluster,
    clockTolerance: options.clockTolerance,
    redemptionLease: options.redemptionLease,
    emit,
    corrupt(model, operation, message) {
      emit({ type: 'store.corrupt', model, operation, error: new StoreCorruptError(message) });
    },
    run,
    write(model, operation, send, read, absent) {
      const { durability } = options;
      if (durability === undefined) return run(model, operation, send, read, absent);
      return run(model, operation, async () => {
        const reply = await send();
        await replicated(durability);
        return reply;
      }, read, absent);
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
