import type { Adapter, AdapterPayload, ClientMetadata, Provider } from 'oidc-provider';
import type { Cluster, Redis } from 'ioredis';
import { encodeEntity, FORMAT } from './codec.js';
import { globEscape } from './keys.js';
import { asIs, type Store } from './store.js';

/**
 * Add, update, list and remove clients in Redis while providers run: the provider reads a client
 * from its adapter on every request that names it (caching only by content), so a change applies at
 * once, without a restart. Clients configured statically in the provider's `clients` option take
 * precedence over stored ones and are not listed here.
 */
export interface ClientRegistry {
  /**
   * Validates `metadata` with the provider's client schema (the same check as dynamic registration)
   * and stores it, in one atomic step that only writes if the `client_id` is absent: of concurrent
   * adds of one `client_id`, exactly one succeeds. Rejects with the host's `InvalidClientMetadata`
   * (its `error_description` says what is wrong), or with an `Error` when the `client_id` exists.
   */
  add(metadata: ClientMetadata): Promise<ClientMetadata>;
  /**
   * Like {@link ClientRegistry.add}, for a `client_id` that exists; replaces the whole record in one
   * atomic step that only writes if the client is still there, so an update racing a removal never
   * brings the client back.
   */
  update(metadata: ClientMetadata): Promise<ClientMetadata>;
  /** The stored record, or `undefined`. */
  get(clientId: string): Promise<ClientMetadata | undefined>;
  /** Every stored client, sorted by `client_id`. Scans the key space (every master of a Cluster). */
  list(): Promise<ClientMetadata[]>;
  /** Deletes the client; resolves to whether it existed. Its tokens expire on their own. */
  remove(clientId: string): Promise<boolean>;
}

type ClientConstructor = new (metadata: ClientMetadata) => { metadata(): ClientMetadata };

/**
 * Scans one server for keys matching `pattern` under `clientPrefix`, the `keyPrefix` of the client
 * that wrote them, and returns them without it. SCAN patterns are never prefixed by ioredis, and a
 * Cluster's node connections need not carry the Cluster's `keyPrefix`, so the prefix is explicit.
 */
async function scanKeys(node: Redis, clientPrefix: string, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${globEscape(clientPrefix)}${pattern}`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) found.push(key.slice(clientPrefix.length));
  } while (cursor !== '0');
  return found;
}

export function createClientRegistry(provider: Provider, adapter: Adapter, store: Store): ClientRegistry {
  /** Writes the record only if the client is absent (`NX`) or present (`XX`); resolves to whether it did. */
  async function put(record: ClientMetadata, condition: 'NX' | 'XX'): Promise<boolean> {
    const key = store.keys.entity('Client', record.client_id);
    const { payload, consumed } = encodeEntity(record as unknown as AdapterPayload);
    const written = await store.write('Client', 'upsert', () => store.scripts.oidcMtlsPut(key, FORMAT, payload, consumed, -1, condition), asIs);
    return written === 1;
  }

  async function validated(metadata: ClientMetadata): Promise<ClientMetadata> {
    if (typeof metadata !== 'object' || metadata === null || typeof metadata.client_id !== 'string') {
      throw new TypeError('client metadata must be an object with a string client_id');
    }
    await provider.Client.validate(metadata);
    // Stored exactly as the host's dynamic registration stores it (lib/helpers/add_client.js).
    return new (provider.Client as unknown as ClientConstructor)(metadata).metadata();
  }

  async function get(clientId: string): Promise<ClientMetadata | undefined> {
    return (await adapter.find(clientId)) as ClientMetadata | undefined;
  }

  return {
    async add(metadata) {
      const record = await validated(metadata);
      if (!(await put(record, 'NX'))) throw new Error(`client ${record.client_id} already exists; use update`);
      return record;
    },
    async update(metadata) {
      const record = await validated(metadata);
      if (!(await put(record, 'XX'))) throw new Error(`client ${record.client_id} does not exist; use add`);
      return record;
    },
    get,
    async list() {
      const nodes = store.cluster ? (store.client as Cluster).nodes('master') : [store.client as Redis];
      const pattern = store.keys.entityPattern('Client');
      const prefix = store.client.options.keyPrefix ?? '';
      const keys = (await Promise.all(nodes.map((node) => scanKeys(node, prefix, pattern)))).flat();
      const records = await Promise.all(keys.map((key) => get(store.keys.entityId('Client', key))));
      return records
        .filter((record): record is ClientMetadata => record !== undefined)
        .sort((a, b) => a.client_id.localeCompare(b.client_id));
    },
    async remove(clientId) {
      const key = store.keys.entity('Client', clientId);
      return (await store.write('Client', 'destroy', () => store.client.del(key), asIs)) === 1;
    },
  };
}
