import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { RedisServer } from '../../support/redis.js';

/** redis-server options of the nodes of failover tests: DEBUG SLEEP allowed from loopback only. */
export const DEBUG = ['--enable-debug-command', 'local'];

/** Sends one command to `server` on a connection of its own. */
export async function command(server: RedisServer, ...args: string[]): Promise<unknown> {
  const connection = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  connection.on('error', () => undefined);
  try {
    await connection.connect();
    return await connection.call(args[0]!, ...args.slice(1));
  } finally {
    connection.disconnect();
  }
}

/** Polls `done` every 25 ms, for 15 s at most. */
export async function until(what: string, done: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (await done().catch(() => false)) return;
    await sleep(25);
  }
  throw new Error(`${what} did not happen within 15 s`);
}

/** Resolves once `server` is a replica whose link to its master is up. */
export const replicating = (server: RedisServer) => until(`redis-server on port ${server.port} in sync as a replica`, async () => {
  const replication = String(await command(server, 'INFO', 'replication'));
  return replication.includes('role:slave') && replication.includes('master_link_status:up');
});

/**
 * Opens the window asynchronous replication leaves: the replica stops reading (`DEBUG SLEEP` for
 * `ms`), its link is cut, and what the master acknowledges from then on exists on the master alone
 * until it is killed `exposed` ms later. Resolves when the master is dead and the replica answers.
 */
export async function killWithReplicaBehind(master: RedisServer, replica: RedisServer, { ms = 1500, exposed = 400 } = {}): Promise<void> {
  const frozen = command(replica, 'DEBUG', 'SLEEP', String(ms / 1000));
  await sleep(50);
  await command(master, 'CLIENT', 'KILL', 'TYPE', 'replica');
  await sleep(exposed);
  await master.stop();
  await frozen;
}
