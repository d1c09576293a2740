import type { Adapter, AdapterPayload } from 'oidc-provider';
import { FORMAT, decodeEntity, encodeEntity } from './codec.js';
import { alreadyConsumed, consumedMissing } from './consumed.js';
import { findForRedemption, redeemingRequest } from './redemption.js';
import { asIs, revokeIndex, type Store } from './store.js';

/** Models whose entities belong to a grant and go with it (the host's memory adapter uses the same set). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Redis TTL argument of the scripts: ms > 0, 0 for already expired, -1 for never. Entities live
 * `clockTolerance` seconds past `expiresIn`, as in the host's memory adapter: the host accepts them
 * that long after their `exp`.
 */
function ttlMs(expiresIn: number | undefined, clockTolerance: number): number {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) return -1;
  const seconds = expiresIn + clockTolerance;
  return seconds > 0 ? Math.ceil(seconds * 1000) : 0;
}

const epochTime = () => Math.floor(Date.now() / 1000);

const absent = (): undefined => undefined;

/** The oidc-provider adapter for one model, on the shared {@link Store}. */
export class RedisAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Store;

  constructor(model: string, store: Store) {
    this.#model = model;
    this.#store = store;
  }

  /**
   * Writes the entity with its TTL and all its index entries (session uid, user code, grant,
   * certificate). One script on a single server; on a Cluster the index entries first, then the
   * entity, so an entity is never visible without the entries that revoke it.
   */
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const store = this.#store;
    const { keys } = store;
    const key = keys.entity(this.#model, id);
    const member = keys.member(this.#model, id);
    const pttl = ttlMs(expiresIn, store.clockTolerance);
    const { payload: json, consumed } = encodeEntity(payload);

    const pointers: string[] = [];
    if (this.#model === 'Session' && typeof payload.uid === 'string') pointers.push(keys.sessionUid(payload.uid));
    if (typeof payload.userCode === 'string') pointers.push(keys.userCode(payload.userCode));
    const indexes: string[] = [];
    if (GRANTABLE.has(this.#model) && typeof payload.grantId === 'string') indexes.push(keys.grant(payload.grantId));
    const thumbprint = payload['x5t#S256'];
    if (typeof thumbprint === 'string') indexes.push(keys.certificate(thumbprint));

    const model = this.#model;
    return store.write(model, 'upsert', async () => {
      if (!store.cluster) {
        return store.steps.run<number>('upsert', [key, ...pointers, ...indexes], [FORMAT, json, consumed, pttl, pointers.length, member, id]);
      }
      const counts = await Promise.all([
        ...pointers.map(async (pointer) => {
          if (pttl === 0) await store.client.del(pointer);
          else if (pttl > 0) await store.client.set(pointer, id, 'PX', pttl);
          else await store.client.set(pointer, id);
          return 0;
        }),
        ...indexes.map((index) => store.scripts.oidcMtlsIndexAdd(index, member, pttl)),
      ]);
      await store.scripts.oidcMtlsPut(key, FORMAT, json, consumed, pttl, '');
      return counts.reduce((sum, count) => sum + count, 0);
    }, (replaced) => {
      if (replaced > 0) {
        // Already rebuilt in place; reported so that an operator learns something else writes there.
        store.corrupt(model, 'upsert', 'an index held a value this adapter did not write; it was rebuilt');
      }
    });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    const redeeming = redeemingRequest(this.#model, id);
    if (redeeming !== undefined) return findForRedemption(this.#store, this.#model, id, redeeming);
    return this.#read(id, 'find');
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const session = await this.#follow(this.#store.keys.sessionUid(uid), 'findByUid');
    // A pointer left behind by a session re-saved under another uid must not resolve to it.
    return session?.uid === uid ? session : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#follow(this.#store.keys.userCode(userCode), 'findByUserCode');
  }

  /**
   * Marks the entity consumed, atomically and only once. A second consumption rejects with the
   * host's `InvalidGrant` (`InvalidRequestUri` for a pushed authorization request) whose `cause` is an
   * `AlreadyConsumedError`; an entity that expired meanwhile is never re-created.
   */
  consume(id: string): Promise<void> {
    const store = this.#store;
    const model = this.#model;
    const key = store.keys.entity(model, id);
    return store.write(model, 'consume', () => store.steps.run<number>('consume', [key], [FORMAT, epochTime()]), (outcome) => {
      if (outcome === 1) return;
      if (outcome === -1) {
        const { cause, error } = alreadyConsumed(model);
        store.emit({ type: 'consume.rejected', model, operation: 'consume', error: cause });
        throw error;
      }
      if (outcome === -2) {
        store.corrupt(model, 'consume', 'stored entity has an unknown format');
      }
      throw consumedMissing(model);
    }, () => { throw consumedMissing(model); });
  }

  async destroy(id: string): Promise<void> {
    const store = this.#store;
    // Index entries are left to expire: they point to a key that no longer exists, which every
    // reader treats as absent, and the grant and certificate indexes prune them by score.
    await store.write(this.#model, 'destroy', () => store.client.del(store.keys.entity(this.#model, id)), asIs);
  }

  /** Deletes every entity of the grant, whatever model indexed it (as the host's memory adapter does). */
  async revokeByGrantId(grantId: string): Promise<void> {
    const store = this.#store;
    await store.write(this.#model, 'revokeByGrantId', () => revokeIndex(store, store.keys.grant(grantId)), asIs, () => 0);
  }

  #read(id: string, operation: string): Promise<AdapterPayload | undefined> {
    const store = this.#store;
    const key = store.keys.entity(this.#model, id);
    return store.run(this.#model, operation, () => store.steps.run<string[] | Record<string, string>>('find', [key], []), (reply) => decodeEntity(reply), absent);
  }

  /**
   * Reads the entity a uid or user-code pointer names. One script on a single server; on a Cluster
   * the pointer and the entity live in unrelated slots (their ids are independent random strings the
   * host picks), so the pointer is read first and the entity after.
   */
  async #follow(pointer: string, operation: string): Promise<AdapterPayload | undefined> {
    const store = this.#store;
    if (!store.cluster) {
      const template = store.keys.entity(this.#model, '');
      return store.run(this.#model, operation, () => store.scripts.oidcMtlsFollow(pointer, template), (reply) => decodeEntity(reply), absent);
    }
    const id = await store.run(this.#model, operation, () => store.client.get(pointer), asIs, () => null);
    return id === null ? undefined : this.#read(id, operation);
  }
}
