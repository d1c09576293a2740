import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { createRedisAdapter, type RedisAdapterOptions } from '../../../adapters/redis/index.js';
import { MtlsError } from '../../../src/errors.js';
import { startReplicatedCluster } from './cluster-replicas.js';
import { killWithReplicaBehind, until } from './replication.js';
import { startSentinelTopology } from './sentinel.js';
import { issueCode, post, REDIRECT_URI, startPlainProvider, testJwks, type PlainProvider } from './support.js';

/*
 * A master fails while a provider issues authorization codes and adds clients through it, its
 * replica's link cut 400 ms before (the window asynchronous replication leaves): the replica is
 * promoted, a replacement node joins it as a replica, and then every code the provider acknowledged
 * (its Grant and the code saved without an error) must be redeemable and every acknowledged client
 * found. With `durability` nothing is lost; without it the codes and clients of the window are.
 * Throughout, no write hangs: each settles, stored or refused with a coded error, within its adapter
 * calls' deadlines plus a margin generous enough for a loaded machine.
 */

const jwks = testJwks();

/** Seconds; every adapter call, its `WAIT` included, settles within it (the adapter's deadline). */
const COMMAND_TIMEOUT = 2;
/** A code takes two sequential adapter writes (its Grant, then the code); a client one. */
const CALLS_PER_WRITE = 2;
/** Seconds allowed beyond the deadlines, for event-loop delay on a shared machine. */
const MARGIN = 2;
const BOUND_MS = (CALLS_PER_WRITE * COMMAND_TIMEOUT + MARGIN) * 1000;

interface Topology {
  client: Redis | Cluster;
  /** Kills a master with its replica behind, waits for the promotion and a replacement replica. */
  failover(): Promise<void>;
  destroy(): Promise<void>;
}

/** How the writes issued while the topology failed over settled. */
interface Settled {
  stored: number;
  /** Refusals by error code (`ERR_MTLS_STORE_UNAVAILABLE` expected; `uncoded` for anything else). */
  refused: Record<string, number>;
  /** The slowest write, stored or refused, in milliseconds. */
  slowestMs: number;
}

/**
 * Issues codes from two workers and adds clients from a third while `topology` fails over, then
 * redeems every acknowledged code and looks up every acknowledged client. Returns what was lost and
 * how every write settled.
 */
async function failoverUnderLoad(topology: Topology, durability: RedisAdapterOptions['durability']): Promise<{ acknowledged: number; lost: string[]; settled: Settled }> {
  const storage = createRedisAdapter({
    client: topology.client, keyPrefix: 'test:failover:', commandTimeout: COMMAND_TIMEOUT, onEvent: () => undefined, ...(durability ? { durability } : {}),
  });
  const idp: PlainProvider = await startPlainProvider(storage, jwks);
  try {
    const registry = storage.clients(idp.provider);
    const codes: string[] = [];
    const clients: string[] = [];
    const settled: Settled = { stored: 0, refused: {}, slowestMs: 0 };
    let running = true;
    const worker = <T>(write: () => Promise<T>, into: T[]) => async () => {
      while (running) {
        const started = performance.now();
        try {
          into.push(await write());
          settled.stored += 1;
        } catch (error) {
          // Refused while there is no master, or no replica to acknowledge: never acknowledged.
          const code = error instanceof MtlsError ? error.code : 'uncoded';
          settled.refused[code] = (settled.refused[code] ?? 0) + 1;
          await sleep(20);
        } finally {
          settled.slowestMs = Math.max(settled.slowestMs, performance.now() - started);
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
    const workers = [worker(() => issueCode(idp.provider), codes)(), worker(() => issueCode(idp.provider), codes)(), worker(register, clients)()];

    await until('a first batch of codes', async () => codes.length >= 20);
    await topology.failover();
    const resumedFrom = codes.length;
    await until('service after the promotion', async () => codes.length >= resumedFrom + 20);
    running = false;
    await Promise.all(workers);

    const lost: string[] = [];
    for (const code of codes) {
      const redeemed = await post(`${idp.issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
      if (redeemed.status !== 200) lost.push(`code: ${redeemed.status} ${String(redeemed.body.error_description)}`);
    }
    for (const clientId of clients) {
      if ((await registry.get(clientId)) === undefined) lost.push('client: not found');
    }
    return { acknowledged: codes.length + clients.length, lost, settled };
  } finally {
    await idp.close();
  }
}

function durabilityThroughFailover(start: () => Promise<Topology>) {
  let topology: Topology;
  beforeEach(async () => {
    topology = await start();
    topology.client.on('error', () => undefined); // the kill is expected; calls report it
  });
  afterEach(() => topology.destroy());

  it(`with durability { replicas: 1, timeout: 0.5 }: service resumes after the promotion, no acknowledged code or client is lost, and every write settles (stored or ERR_MTLS_STORE_UNAVAILABLE) within ${BOUND_MS / 1000} s (${CALLS_PER_WRITE} calls × commandTimeout ${COMMAND_TIMEOUT} s + ${MARGIN} s)`, async () => {
    const { acknowledged, lost, settled } = await failoverUnderLoad(topology, { replicas: 1, timeout: 0.5 });
    assertSettled(settled, acknowledged);
    assert.deepEqual(lost, [], `${lost.length} of ${acknowledged} acknowledged codes and clients lost`);
  });

  it(`without durability: what the master acknowledged while its replica was behind is lost with it; every write settles (stored or ERR_MTLS_STORE_UNAVAILABLE) within ${BOUND_MS / 1000} s`, async () => {
    const { acknowledged, lost, settled } = await failoverUnderLoad(topology, undefined);
    assertSettled(settled, acknowledged);
    assert.ok(lost.length > 0, `none of ${acknowledged} acknowledged codes and clients lost: the window was not exercised`);
    for (const reason of lost) assert.match(reason, /^(code: 400 grant request is invalid|client: not found)$/);
  });
}

/** Every write was either acknowledged or refused with the store's coded error, none past the bound. */
function assertSettled(settled: Settled, acknowledged: number): void {
  const summary = `${settled.stored} stored, refused ${JSON.stringify(settled.refused)}, slowest ${Math.round(settled.slowestMs)} ms`;
  assert.equal(settled.stored, acknowledged, summary);
  assert.deepEqual(Object.keys(settled.refused).filter((code) => code !== 'ERR_MTLS_STORE_UNAVAILABLE'), [], summary);
  assert.ok(settled.slowestMs <= BOUND_MS, `a write took longer than ${BOUND_MS} ms: ${summary}`);
}

describe('durability through a failover, on loopback', function () {
  this.timeout(120_000);

  describe('a master, its replica and three Sentinels', () => {
    durabilityThroughFailover(async () => {
      const sentinel = await startSentinelTopology();
      const client = sentinel.connect();
      return {
        client,
        async failover() {
          const old = await sentinel.master();
          await killWithReplicaBehind(old, sentinel.servers.find((server) => server !== old)!);
          await until('the promotion of the replica', async () => (await sentinel.master()) !== old);
          // The promoted master has no replica to acknowledge writes until a replacement joins.
          await sentinel.addReplica();
        },
        async destroy() {
          client.disconnect();
          await sentinel.destroy();
        },
      };
    });
  });

  describe('a Redis Cluster of three masters with one replica each', () => {
    durabilityThroughFailover(async () => {
      const cluster = await startReplicatedCluster();
      const client = cluster.connect();
      return {
        client,
        async failover() {
          const { master, replica } = await cluster.pair();
          await killWithReplicaBehind(master, replica);
          await cluster.promoted(replica);
          await cluster.addReplica(replica);
        },
        async destroy() {
          client.disconnect();
          await cluster.destroy();
        },
      };
    });
  });
});
