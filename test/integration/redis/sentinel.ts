import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, kill, launch, startRedisServer, waitForPing, type RedisServer } from '../../support/redis.js';
import { DEBUG, replicating } from './replication.js';

export const MASTER_NAME = 'mtls-test';

/** A master, one replica and three Sentinels on loopback (quorum 2), torn down with `destroy`. */
export interface SentinelTopology {
  readonly servers: readonly RedisServer[];
  /** An ioredis client that finds the master through the Sentinels; the caller disconnects it. */
  connect(): Redis;
  /** The server that is master now, as the Sentinels say. */
  master(): Promise<RedisServer>;
  /** Starts one more replica of the current master (a failed node's replacement), in sync when it resolves. */
  addReplica(): Promise<RedisServer>;
  destroy(): Promise<void>;
}

export async function startSentinelTopology(): Promise<SentinelTopology> {
  const servers: RedisServer[] = [];
  const sentinels: Array<{ port: number; child: ChildProcess }> = [];
  const dir = await mkdtemp(join(tmpdir(), 'mtls-sentinel-'));
  const destroy = async () => {
    await Promise.all(sentinels.map(({ child }) => kill(child)));
    await Promise.all(servers.map((server) => server.destroy()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    servers.push(await startRedisServer({ args: DEBUG }));
    servers.push(await startRedisServer({ args: [...DEBUG, '--replicaof', '127.0.0.1', String(servers[0]!.port)] }));
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${index}.conf`);
      // Short detection and failover times so a test sees a promotion within seconds.
      await writeFile(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${servers[0]!.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 500`,
        `sentinel failover-timeout ${MASTER_NAME} 2000`,
        '',
      ].join('\n'));
      sentinels.push({ port, child: await launch([conf, '--sentinel']) });
      await waitForPing(port);
    }
    await replicating(servers[1]!);
  } catch (error) {
    await destroy();
    throw error;
  }

  const topology: SentinelTopology = {
    servers,
    connect: () => new Redis({ sentinels: sentinels.map(({ port }) => ({ host: '127.0.0.1', port })), name: MASTER_NAME }),
    async master() {
      const sentinel = new Redis({ host: '127.0.0.1', port: sentinels[0]!.port });
      try {
        const [, port] = await sentinel.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME) as [string, string];
        const master = servers.find((server) => server.port === Number(port));
        if (!master) throw new Error(`Sentinels name an unknown master on port ${port}`);
        return master;
      } finally {
        sentinel.disconnect();
      }
    },
    async addReplica() {
      const master = await topology.master();
      const replica = await startRedisServer({ args: [...DEBUG, '--replicaof', '127.0.0.1', String(master.port)] });
      servers.push(replica);
      await replicating(replica);
      return replica;
    },
    destroy,
  };
  return topology;
}
