import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createRedisAdapter } from '../../../adapters/redis/index.js';
import { startSentinelTopology, type SentinelTopology } from './sentinel.js';
import { issueCode, post, REDIRECT_URI, startPlainProvider, testJwks, type PlainProvider } from './support.js';

/*
 * A master fails while a provider issues authorization codes through it: the Sentinels promote the
 * replica, a replacement node joins it as a replica, and every code the provider
 * acknowledged (its Grant and the code saved without an error) must still be there and redeemable.
 */

const jwks = testJwks();

async function until(what: string, bound: number, done: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + bound;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${bound} ms`);
    await sleep(50);
  }
}

describe('durability through a Sentinel failover (master, replica, three Sentinels on loopback)', function () {
  this.timeout(120_000);
  let topology: SentinelTopology;
  let client: Redis;
  let idp: PlainProvider | undefined;
  beforeEach(async () => {
    topology = await startSentinelTopology();
    client = topology.connect();
    client.on('error', () => undefined); // the kill is expected; calls report it
  });
  afterEach(async () => {
    await idp?.close();
    client.disconnect();
    await topology.destroy();
  });

  /**
   * Issues codes from two workers and adds clients through the registry from a third while the master is killed with its replica held back (so the
   * master acknowledges writes the replica never receives, the window asynchronous replication
   * leaves), waits for the promotion and for service with a replacement replica, then redeems every
   * acknowledged code and looks up every acknowledged client. Returns what could not be found.
   */
  async function failoverUnderLoad(durability: { replicas: number; timeout: number } | undefined): Promise<{ acknowledged: number; lost: string[] }> {
    const storage = createRedisAdapter({
      client, keyPrefix: 'test:failover:', commandTimeout: 2000, onEvent: () => undefined, ...(durability ? { durability } : {}),
    });
    idp = await startPlainProvider(storage, jwks);
    const provider = idp.provider;
    const registry = storage.clients(provider);
    const acknowledged: string[] = [];
    const registered: string[] = [];
    let running = true;
    const worker = <T>(write: () => Promise<T>, into: T[]) => async () => {
      while (running) {
        try {
          into.push(await write());
        } catch {
          // Refused while there is no master, or no replica to acknowledge: never acknowledged.
          await sleep(20);
        }
        await sleep(5);
      }
    };
    let sequence = 0;
    const register = async () => (await registry.add({
      client_id: `failover-client-${(sequence += 1)}`,
      client_secret: 'failover-client-secret-not-a-real-one',
      redirect_uris: [REDIRECT_URI],
    })).client_id;
    const workers = [worker(() => issueCode(provider), acknowledged)(), worker(() => issueCode(provider), acknowledged)(), worker(register, registered)()];

    await until('a first batch of codes', 10_000, () => acknowledged.length >= 20);
    const old = await topology.master();
    const replica = topology.servers.find((server) => server !== old)!;
    // The replica stops reading, then its link is cut: what the master acknowledges from now on
    // exists on the master alone, until it is killed 400 ms later.
    const frozen = topology.freeze(replica, 1500);
    await sleep(50);
    await topology.dropReplicas(old);
    await sleep(400);
    await old.stop();
    await frozen;
    await until('the promotion of the replica', 20_000, async () => (await topology.master()) !== old);
    // The promoted master has no replica to acknowledge writes until a replacement joins.
    await topology.addReplica();
    const resumedFrom = acknowledged.length;
    await until('service after the promotion', 20_000, () => acknowledged.length >= resumedFrom + 20);
    running = false;
    await Promise.all(workers);

    const lost: string[] = [];
    for (const code of acknowledged) {
      const redeemed = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      if (redeemed.status !== 200) lost.push(`code: ${redeemed.status} ${String(redeemed.body.error_description)}`);
    }
    for (const clientId of registered) {
      if ((await registry.get(clientId)) === undefined) lost.push('client: not found');
    }
    return { acknowledged: acknowledged.length + registered.length, lost };
  }

  it('with durability { replicas: 1, timeout: 500 }: service resumes after the promotion and no acknowledged code or client is lost', async () => {
    const { acknowledged, lost } = await failoverUnderLoad({ replicas: 1, timeout: 500 });
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged} acknowledged codes and clients lost`);
  });

  it('without durability: the codes acknowledged while the replica lagged are lost with the master', async () => {
    const { acknowledged, lost } = await failoverUnderLoad(undefined);
    assert.ok(lost.length > 0, `none of ${acknowledged} acknowledged codes and clients lost: the window was not exercised`);
    for (const reason of lost) assert.match(reason, /^(code: 400 grant request is invalid|client: not found)$/);
  });
});
