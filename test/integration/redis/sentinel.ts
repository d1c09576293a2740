import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, kill, launch, startRedisServer, waitForPing, type RedisServer } from '../../support/redis.js';

export const MASTER_NAME = 'mtls-test';

/** DEBUG SLEEP, from loopback only, to hold a replica back. */
const DEBUG = ['--enable-debug-command', 'local'];

/** A master, one replica and three Sentinels on loopback (quorum 2), torn down with `destroy`. */
export interface SentinelTopology {
  readonly servers: readonly RedisServer[];
  /** An ioredis client that finds the master through the Sentinels; the caller disconnects it. */
  connect(options?: RedisOptions): Redis;
  /** The server that is master now, as the Sentinels say. */
  master(): Promise<RedisServer>;
  /** Resolves once `server` is a replica whose link to its master is up. */
  replicating(server: RedisServer): Promise<void>;
  /** Starts one more replica of the current master (a failed node's replacement), in sync when it resolves. */
  addReplica(): Promise<RedisServer>;
  /**
   * Makes `server` unresponsive for `ms` (`DEBUG SLEEP`): a replica then receives nothing of what its
   * master acknowledges meanwhile. Resolves when it answers again.
   */
  freeze(server: RedisServer, ms: number): Promise<void>;
  /** Closes the links of a master to its replicas (`CLIENT KILL TYPE replica`). */
  dropReplicas(master: RedisServer): Promise<void>;
  destroy(): Promise<void>;
}

async function info(port: number, section: string): Promise<string> {
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return await probe.info(section);
  } finally {
    probe.disconnect();
  }
}

async function command(server: RedisServer, ...args: string[]): Promise<void> {
  const connection = new Redis({ host: '127.0.0.1', port: server.port });
  try {
    await connection.call(args[0]!, ...args.slice(1));
  } finally {
    connection.disconnect();
  }
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
  } catch (error) {
    await destroy();
    throw error;
  }

  const topology: SentinelTopology = {
    servers,
    connect: (options = {}) => new Redis({
      ...options,
      sentinels: sentinels.map(({ port }) => ({ host: '127.0.0.1', port })),
      name: MASTER_NAME,
    }),
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
    async replicating(server) {
      for (let attempt = 0; attempt < 400; attempt += 1) {
        const replication = await info(server.port, 'replication').catch(() => '');
        if (replication.includes('role:slave') && replication.includes('master_link_status:up')) return;
        await sleep(25);
      }
      throw new Error(`redis-server on port ${server.port} did not become a replica in sync`);
    },
    async addReplica() {
      const master = await topology.master();
      const replica = await startRedisServer({ args: [...DEBUG, '--replicaof', '127.0.0.1', String(master.port)] });
      servers.push(replica);
      await topology.replicating(replica);
      return replica;
    },
    freeze: (server, ms) => command(server, 'DEBUG', 'SLEEP', String(ms / 1000)),
    dropReplicas: (master) => command(master, 'CLIENT', 'KILL', 'TYPE', 'replica'),
    destroy,
  };
  await topology.replicating(servers[1]!);
  return topology;
}
