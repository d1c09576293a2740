import type { Cluster, Redis } from 'ioredis';
import { sharedRedis, startRedisCluster, type RedisCluster } from '../support/redis.js';

export interface RedisTarget {
  client(): Redis | Cluster;
  flush(): Promise<void>;
}

/**
 * Declares `body` twice: against the shared server's test database and against a 3-master Redis
 * Cluster started for the block and torn down after it.
 */
export function forEachRedis(body: (target: RedisTarget) => void): void {
  describe('single server', () => {
    let client: Redis;
    before(() => {
      client = sharedRedis();
    });
    after(() => client.quit());
    body({ client: () => client, flush: async () => { await client.flushdb(); } });
  });

  describe('3-master Redis Cluster', function () {
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
    body({ client: () => client, flush: () => cluster.flush() });
  });
}
