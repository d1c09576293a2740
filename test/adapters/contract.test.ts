import { setTimeout as sleep } from 'node:timers/promises';
import type { AdapterFactory } from 'oidc-provider';
import sinon from 'sinon';
import type { Cluster, Redis } from 'ioredis';
import { createRedisAdapter } from '../../adapters/redis/index.js';
import { sharedRedis, startRedisCluster, type RedisCluster } from '../support/redis.js';
import { adapterContract } from './contract.js';

describe('adapter contract', () => {
  describe('oidc-provider memory adapter (the reference)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      // The memory adapter reads Date.now() for expiry, so its clock can be moved instead of waited on.
      clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    });
    afterEach(() => clock.restore());

    adapterContract({
      atomicConsume: false,
      async reset() {
        const specifier: string = 'oidc-provider/lib/adapters/memory_adapter.js';
        const { createMemoryAdapter } = await import(specifier) as { createMemoryAdapter(): AdapterFactory };
        return createMemoryAdapter();
      },
      async elapse(ms) {
        clock.tick(ms);
      },
    });
  });

  describe('Redis adapter, single server', () => {
    let client: Redis;
    before(() => {
      client = sharedRedis();
    });
    after(() => client.quit());

    adapterContract({
      atomicConsume: true,
      async reset() {
        await client.flushdb();
        return createRedisAdapter({ client, keyPrefix: 'test:contract:' });
      },
      // Redis expires keys on its own clock; there is nothing to fake.
      elapse: (ms) => sleep(ms),
    });
  });

  describe('Redis adapter, 3-master Redis Cluster', function () {
    this.timeout(60_000);
    let cluster: RedisCluster;
    let client: Cluster;
    before(async () => {
      cluster = await startRedisCluster();
      client = cluster.connect();
    });
    after(async () => {
      client?.disconnect();
      await cluster?.destroy();
    });

    adapterContract({
      atomicConsume: true,
      async reset() {
        await cluster.flush();
        return createRedisAdapter({ client, keyPrefix: 'test:contract:' });
      },
      elapse: (ms) => sleep(ms),
    });
  });
});
