import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Cluster } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../support/redis.js';
import { command, DEBUG, replicating, until } from './replication.js';

/** Three masters with one replica each on loopback (node timeout 2 s), torn down with `destroy`. */
export interface ReplicatedCluster {
  readonly servers: readonly RedisServer[];
  /** A new ioredis Cluster client; the caller disconnects it. */
  connect(): Cluster;
  /** A master and its replica, as the master reports it. */
  pair(): Promise<{ master: RedisServer; replica: RedisServer }>;
  /** Resolves once `server` is a master (after a failover) and the cluster state is ok. */
  promoted(server: RedisServer): Promise<void>;
  /** Adds a new node as the replica of `master`, in sync when it resolves. */
  addReplica(master: RedisServer): Promise<RedisServer>;
  destroy(): Promise<void>;
}

async function redisCli(...args: string[]): Promise<void> {
  const child = spawn('redis-cli', args, { stdio: 'ignore' });
  const [code] = await once(child, 'exit') as [number | null];
  if (code !== 0) throw new Error(`redis-cli ${args.slice(0, 2).join(' ')} exited with ${code}`);
}

export async function startReplicatedCluster(): Promise<ReplicatedCluster> {
  const servers: RedisServer[] = [];
  const destroy = async () => {
    await Promise.all(servers.map((server) => server.destroy()));
  };
  try {
    for (let index = 0; index < 6; index += 1) servers.push(await startRedisServer({ cluster: true, args: DEBUG }));
    await redisCli('--cluster', 'create', ...servers.map((server) => `127.0.0.1:${server.port}`), '--cluster-replicas', '1', '--cluster-yes');
    await until('cluster_state:ok', async () => {
      const states = await Promise.all(servers.map((server) => command(server, 'CLUSTER', 'INFO')));
      return states.every((state) => String(state).includes('cluster_state:ok'));
    });
    await Promise.all(servers.map(async (server) => {
      if (String(await command(server, 'INFO', 'replication')).includes('role:slave')) await replicating(server);
    }));
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    servers,
    connect: () => new Cluster(servers.map((server) => ({ host: '127.0.0.1', port: server.port }))),
    async pair() {
      for (const replica of servers) {
        const replication = String(await command(replica, 'INFO', 'replication'));
        const port = /master_port:(\d+)/.exec(replication)?.[1];
        const master = servers.find((server) => String(server.port) === port);
        if (replication.includes('role:slave') && master) return { master, replica };
      }
      throw new Error('no replica found');
    },
    promoted: (server) => until(`redis-server on port ${server.port} promoted`, async () => {
      const replication = String(await command(server, 'INFO', 'replication'));
      return replication.includes('role:master') && String(await command(server, 'CLUSTER', 'INFO')).includes('cluster_state:ok');
    }),
    async addReplica(master) {
      const replica = await startRedisServer({ cluster: true, args: DEBUG });
      servers.push(replica);
      const masterId = String(await command(master, 'CLUSTER', 'MYID'));
      await redisCli('--cluster', 'add-node', `127.0.0.1:${replica.port}`, `127.0.0.1:${master.port}`, '--cluster-slave', '--cluster-master-id', masterId);
      await replicating(replica);
      return replica;
    },
    destroy,
  };
}
