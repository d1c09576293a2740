import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/*
 * Real Redis for tests. The machine's Redis (127.0.0.1:6379) is shared with other test runs, even
 * with concurrent runs of these same tests, so the single-server tests use only database SHARED_DB
 * and, inside it, only keys under this run's RUN_PREFIX (set as the client's keyPrefix); "flushing"
 * deletes those keys and nothing else. Servers and clusters that tests need to stop are started
 * here, on free loopback ports, each with its own temporary directory, and are killed even when a
 * test fails (and, as a last resort, when the process exits).
 */

export const SHARED_DB = 9;
export const RUN_PREFIX = `mtls-test:${process.pid}-${Math.random().toString(36).slice(2, 8)}:`;

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * A client on the shared server's test database whose keys all live under RUN_PREFIX (then
 * `options.keyPrefix`). Clear with {@link flushShared}; `quit()` it in `after`.
 */
export function sharedRedis(options: RedisOptions = {}): Redis {
  return new Redis({ host: '127.0.0.1', port: 6379, db: SHARED_DB, ...options, keyPrefix: `${RUN_PREFIX}${options.keyPrefix ?? ''}` });
}

/** Deletes every key of this run in the shared test database, and only those. */
export async function flushShared(): Promise<void> {
  const raw = new Redis({ host: '127.0.0.1', port: 6379, db: SHARED_DB });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${RUN_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await raw.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    raw.disconnect();
  }
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 17000 + Math.floor(Math.random() * 20000);
    if (await portIsFree(port) && await portIsFree(port + 10000)) return port;
  }
}

export async function waitForPing(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch {
      await sleep(25);
    } finally {
      probe.disconnect();
    }
  }
  throw new Error(`redis-server on port ${port} did not start`);
}

export interface RedisServer {
  readonly port: number;
  /** Stops the server (SIGKILL: nothing is flushed at exit, only what was already on disk survives). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (nothing when it runs). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * Starts redis-server with `args`; the child is killed at exit at the latest. With `unref` it does not
 * keep the process alive.
 */
export async function launch(args: string[], { unref = false } = {}): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  if (unref) child.unref();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/**
 * Starts a redis-server of its own on a free loopback port. With `durable` it writes every command
 * to its append-only file before answering, so a restart keeps everything it acknowledged. `args` are
 * further redis-server options (for example `--replicaof`); `unref` as for {@link launch}.
 */
export async function startRedisServer({ durable = false, cluster = false, unref = false, args: extra = [] as string[] } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'mtls-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] : []),
    ...extra,
  ];
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) return;
      child = await launch(args, { unref });
      await waitForPing(port);
    },
    async stop() {
      await kill(child);
      child = undefined;
    },
    async destroy() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

export interface RedisCluster {
  readonly ports: readonly number[];
  /** A new ioredis Cluster client; the caller quits it. */
  connect(options?: ConstructorParameters<typeof Cluster>[1]): Cluster;
  /** Deletes the keys under `prefix` on every master (the Cluster may be shared). */
  flush(prefix: string): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts three masters on loopback, joins them with `redis-cli --cluster create`, waits for `cluster_state:ok`. */
export async function startRedisCluster({ unref = false } = {}): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const destroy = async () => {
    await Promise.all(nodes.map((node) => node.destroy()));
  };
  try {
    for (let index = 0; index < 3; index += 1) nodes.push(await startRedisServer({ cluster: true, unref }));
    const create = spawn('redis-cli', [
      '--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-yes',
    ], { stdio: 'ignore' });
    const [code] = await once(create, 'exit') as [number | null];
    if (code !== 0) throw new Error(`redis-cli --cluster create exited with ${code}`);
    for (const node of nodes) {
      const probe = new Redis({ host: '127.0.0.1', port: node.port });
      try {
        for (let attempt = 0; ; attempt += 1) {
          const info = await probe.cluster('INFO') as string;
          if (info.includes('cluster_state:ok')) break;
          if (attempt > 400) throw new Error('Redis Cluster did not reach cluster_state:ok');
          await sleep(25);
        }
      } finally {
        probe.disconnect();
      }
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  const ports = nodes.map((node) => node.port);
  return {
    ports,
    connect: (options) => new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), options),
    async flush(prefix) {
      await Promise.all(ports.map(async (port) => {
        const node = new Redis({ host: '127.0.0.1', port });
        try {
          let cursor = '0';
          do {
            const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
            cursor = next;
            // One key per command: a node refuses a multi-key UNLINK across hash slots.
            if (keys.length > 0) await keys.reduce((batch, key) => batch.unlink(key), node.pipeline()).exec();
          } while (cursor !== '0');
        } finally {
          node.disconnect();
        }
      }));
    },
    destroy,
  };
}

/** The Redis Cluster slot of a key (CRC16/XMODEM of its hash tag, mod 16384), computed locally. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const tagged = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

export interface RedisTarget {
  client(): Redis | Cluster;
  flush(): Promise<void>;
}

/*
 * One 3-master Cluster serves the whole run: starting one takes seconds, so it is started when the
 * first block needs it and stopped once, by the root hook in test/support/hooks.ts (registered in
 * .mocharc.json). Blocks share it through key prefixes of their own. Its processes do not hold the
 * event loop, so a run without that hook still ends (they are then killed at exit).
 */
let sharedCluster: Promise<RedisCluster> | undefined;
let clusterBlocks = 0;

function sharedRedisCluster(): Promise<RedisCluster> {
  sharedCluster ??= startRedisCluster({ unref: true });
  return sharedCluster;
}

/** Stops the run's shared Cluster, if a block started it. */
export async function stopSharedRedisCluster(): Promise<void> {
  const pending = sharedCluster;
  sharedCluster = undefined;
  if (!pending) return;
  const cluster = await pending.catch(() => undefined);
  await cluster?.destroy();
}

/**
 * Declares `body` twice: against the shared server's test database and against the run's shared
 * 3-master Redis Cluster, each under a key prefix of the block's own (set as the client's
 * keyPrefix, so `flush` deletes this block's keys only).
 */
export function forEachRedis(body: (target: RedisTarget) => void): void {
  describe('single server', () => {
    let client: Redis;
    before(() => {
      client = sharedRedis();
    });
    after(async () => {
      await flushShared();
      await client.quit();
    });
    body({ client: () => client, flush: flushShared });
  });

  describe('3-master Redis Cluster', function () {
    this.timeout(60_000);
    clusterBlocks += 1;
    const prefix = `${RUN_PREFIX}block-${clusterBlocks}:`;
    let cluster: RedisCluster;
    let client: Cluster;
    before(async () => {
      cluster = await sharedRedisCluster();
      // The prefix on the Cluster only, as users set it: the node connections, which the adapter
      // scans masters through (clients.list), do not carry it.
      client = cluster.connect({ keyPrefix: prefix });
    });
    after(async () => {
      await cluster?.flush(prefix);
      await client?.quit();
    });
    body({ client: () => client, flush: () => cluster.flush(prefix) });
  });
}
